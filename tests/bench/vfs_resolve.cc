// Benchmark of the vfs resolver (not a test): ns per resolution of a
// 6-component guest path, with HostFilesystem's openat2 walk and with its
// per-name lstat walk, plus the raw syscalls for reference.
//
//   <build>/tests/unit/vfs/bench_vfs_resolve [iterations]
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "cocoon/vfs/resolver.h"

namespace stdfs = std::filesystem;
using namespace cocoon::vfs;

namespace {

double ns_per_op(long n, const std::function<void()>& op) {
  for (long i = 0; i < n / 10; ++i) op();  // warm the dcache
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) op();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n);
}

void bench(const char* what, const MountTable& table, const Filesystem& fs,
           const std::string& path, long n) {
  Resolver resolver(table, fs);
  auto r = resolver.resolve(GuestPath(path), GuestPath("/"));
  if (!r) {
    std::fprintf(stderr, "%s: %s: errno %d\n", what, path.c_str(), r.error());
    std::exit(1);
  }
  const double ns = ns_per_op(n, [&] { (void)resolver.resolve(GuestPath(path), GuestPath("/")); });
  std::printf("  %-44s %8.0f ns\n", what, ns);
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 200000;
  char tmpl[] = "/tmp/cocoon-vfs-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  const stdfs::path top = tmpl;
  stdfs::create_directories(top / "root/usr/share/doc/pkg/examples");
  std::ofstream(top / "root/usr/share/doc/pkg/examples/file") << "x";
  stdfs::create_directory_symlink("usr/share", top / "root/share");
  stdfs::create_directories(top / "data/d2/d3/d4/d5");
  std::ofstream(top / "data/d2/d3/d4/d5/file") << "x";

  MountTable table(HostPath((top / "root").string()));
  (void)table.add(Mount{GuestPath("/mnt"), HostPath((top / "data").string())});
  HostFilesystem fast(true), slow(false);
  const std::string plain = "/usr/share/doc/pkg/examples/file";
  const std::string linked = "/share/doc/pkg/examples/file";  // /share -> usr/share
  const std::string bind = "/mnt/d2/d3/d4/d5/file";

  std::printf("vfs resolver, %ld iterations each (6-component paths)\n", n);
  bench("plain path, openat2 walk", table, fast, plain, n);
  bench("plain path, per-name lstat walk", table, slow, plain, n);
  bench("symlink first, openat2 walk", table, fast, linked, n);
  bench("symlink first, per-name lstat walk", table, slow, linked, n);
  bench("inside a bind, openat2 walk", table, fast, bind, n);
  bench("inside a bind, per-name lstat walk", table, slow, bind, n);
  const std::string host = (top / "root").string() + plain;
  struct stat st;
  std::printf("  %-44s %8.0f ns\n", "reference: one lstat of the host path",
              ns_per_op(n, [&] { ::lstat(host.c_str(), &st); }));
  stdfs::remove_all(top);
}
