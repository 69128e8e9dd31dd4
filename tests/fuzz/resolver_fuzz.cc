// libFuzzer target for the resolver (issue 4): over an in-memory host tree
// that the input shapes (directories, files, symlinks whose bodies climb
// with "..", jump to absolute paths, or point at the host's /secret), a
// guest root with binds (one onto a target the root lacks, one read-only
// file), and a path, base and RESOLVE_* flags from the input.
//
// Invariants, each an abort (a crash libFuzzer reports with the input):
//  1. A resolved host path lies in the root's or a mount source's tree (or
//     the placeholder tree of synthetic directories), and has no "." or
//     ".." component: nothing the guest writes reaches another host file.
//  2. The guest path is canonical: absolute, no ".", "..", or "//".
//  3. A lazy walk (ResolveFlags::lazy_last) that says "plain" names the same
//     host path as the full walk, when the full walk finds the entry: the
//     tracer hands such calls to the kernel untouched.
//
// Built with clang and libc++ (std::expected), not the project's GCC:
// tests/fuzz/run.sh. Runs in CI for a bounded time (ctest fuzz.resolver).
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/vfs/fake_filesystem.h"
#include "cocoon/vfs/mount_table.h"
#include "cocoon/vfs/resolver.h"

namespace {

using cocoon::vfs::EntryKind;
using cocoon::vfs::GuestPath;
using cocoon::vfs::HostPath;
using cocoon::vfs::Mount;
using cocoon::vfs::MountKind;
using cocoon::vfs::MountTable;
using cocoon::vfs::ResolveFlags;
using cocoon::vfs::Resolver;

constexpr std::array<std::string_view, 10> kNames{"a", "b", "etc", "mnt", "x", "y",
                                                  "..", ".", "", "data"};
constexpr std::array<std::string_view, 4> kHostDirs{"/r", "/srv/data", "/srv/tools", "/"};
constexpr std::array<std::string_view, 4> kSources{"/r", "/srv/data", "/srv/tools", "/srv/hosts"};

std::string components(FuzzedDataProvider& in, int max) {
  std::string out;
  const int n = in.ConsumeIntegralInRange(1, max);
  for (int i = 0; i < n; ++i) {
    if (i) out += '/';
    out += kNames[in.ConsumeIntegralInRange<std::size_t>(0, kNames.size() - 1)];
  }
  return out;
}

std::string path(FuzzedDataProvider& in, int max) {
  std::string p = in.ConsumeBool() ? "/" : "";
  p += components(in, max);
  if (in.ConsumeIntegralInRange(0, 7) == 0) p += '/';
  return p;
}

// A host path below one of kHostDirs, made of plain names only.
std::string host_entry(FuzzedDataProvider& in) {
  std::string p(kHostDirs[in.ConsumeIntegralInRange<std::size_t>(0, kHostDirs.size() - 1)]);
  const int n = in.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < n; ++i) {
    std::string_view name = kNames[in.ConsumeIntegralInRange<std::size_t>(0, 5)];
    if (p == "/" && name == "r") name = "secret";
    if (p.back() != '/') p += '/';
    p += name;
  }
  return p;
}

bool under(std::string_view host, std::string_view dir) {
  if (dir == "/") return !host.empty() && host.front() == '/';
  return host == dir || (host.starts_with(dir) && host[dir.size()] == '/');
}

bool clean(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  if (p == "/") return true;
  if (p.back() == '/' || p.find("//") != std::string_view::npos) return false;
  return p.find("/./") == std::string_view::npos && p.find("/../") == std::string_view::npos &&
         !p.ends_with("/.") && !p.ends_with("/..");
}

[[noreturn]] void fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "invariant broken: %s: %s | %s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  cocoon::vfs::testing::FakeFilesystem fs;
  fs.dir("/r/etc");
  fs.dir("/r/mnt");
  fs.dir("/srv/data/sub");
  fs.file("/srv/hosts");
  fs.dir("/srv/tools");
  fs.file("/secret/key");
  const int entries = in.ConsumeIntegralInRange(0, 12);
  for (int i = 0; i < entries; ++i) {
    const std::string p = host_entry(in);
    switch (in.ConsumeIntegralInRange(0, 2)) {
      case 0: fs.dir(p); break;
      case 1: fs.file(p); break;
      default: fs.link(p, in.ConsumeBool() ? "/secret" : path(in, 6)); break;
    }
  }

  MountTable table(HostPath("/r"));
  table.set_placeholder(HostPath("/scratch/empty"));
  (void)table.add(Mount{GuestPath("/mnt/data"), HostPath("/srv/data")});
  (void)table.add(Mount{GuestPath("/x/y/tools"), HostPath("/srv/tools"), MountKind::kBind, true});
  (void)table.add(
      Mount{GuestPath("/etc/hosts"), HostPath("/srv/hosts"), MountKind::kBind, true, false});

  ResolveFlags flags;
  flags.follow_last = in.ConsumeBool();
  flags.beneath = in.ConsumeIntegralInRange(0, 5) == 0;
  flags.in_root = in.ConsumeIntegralInRange(0, 5) == 0;
  flags.no_symlinks = in.ConsumeIntegralInRange(0, 5) == 0;
  flags.no_xdev = in.ConsumeIntegralInRange(0, 5) == 0;
  constexpr std::array<std::string_view, 5> kBases{"/", "/etc", "/mnt/data", "/x/y", "/mnt/data/sub"};
  const GuestPath base{
      std::string(kBases[in.ConsumeIntegralInRange<std::size_t>(0, kBases.size() - 1)])};
  const std::string guest_path = path(in, 8);

  const Resolver resolver(table, fs);
  const auto full = resolver.resolve(GuestPath(guest_path), base, flags);
  ResolveFlags lazy_flags = flags;
  lazy_flags.lazy_last = true;
  const auto lazy = resolver.resolve(GuestPath(guest_path), base, lazy_flags);

  for (const auto* r : {&full, &lazy}) {
    if (!*r) continue;
    const std::string& host = (*r)->host.str();
    bool inside = under(host, "/scratch/empty");
    for (std::string_view s : kSources) inside = inside || under(host, s);
    if (!inside || !clean(host)) fail("host path outside the view", guest_path, host);
    if (!clean((*r)->guest.str())) fail("guest path not canonical", guest_path, (*r)->guest.str());
  }
  if (lazy && lazy->plain && full && full->kind != EntryKind::kMissing &&
      lazy->host.str() != full->host.str()) {
    fail("lazy and full walks disagree", guest_path, lazy->host.str() + " vs " + full->host.str());
  }
  return 0;
}
