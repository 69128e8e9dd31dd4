// The resolver over a real temporary tree, with HostFilesystem's openat2
// walk and with its per-name walk (both must agree), and checked against the
// kernel itself: with no bind, resolving in a root is what openat2(2) with
// RESOLVE_IN_ROOT does.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cocoon/vfs/mount_setup.h"
#include "cocoon/vfs/resolver.h"

namespace cocoon::vfs {
namespace {

namespace stdfs = std::filesystem;

class HostTree : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-vfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    for (auto d : {"root/etc", "root/usr/lib", "root/home/u", "root/mnt", "data/sub", "inner/x"}) {
      stdfs::create_directories(top_ / d);
    }
    for (auto f : {"root/etc/passwd", "root/usr/lib/libc.so", "hosts", "data/sub/f"}) {
      std::ofstream(top_ / f) << "x";
    }
    stdfs::create_directory_symlink("usr/lib", top_ / "root/lib");
    stdfs::create_directory_symlink("/etc", top_ / "root/abs");
    stdfs::create_directory_symlink("../../../../../../etc", top_ / "root/esc");
    stdfs::create_symlink("loop2", top_ / "root/loop1");
    stdfs::create_symlink("loop1", top_ / "root/loop2");
    stdfs::create_directory_symlink("../../etc", top_ / "data/up");
    auto t = make_mount_table(fs_, (top_ / "root").string());
    ASSERT_TRUE(t) << t.error();
    table_.emplace(std::move(*t));
    table_->set_placeholder(HostPath((top_ / "empty").string()));
  }
  void TearDown() override { stdfs::remove_all(top_); }

  void mount(const std::string& source, const std::string& target, bool ro = false) {
    auto r = add_mount(*table_, fs_, {.source = (top_ / source).string(), .target = target,
                                      .read_only = ro});
    ASSERT_TRUE(r && *r) << (r ? "skipped" : r.error());
  }
  // "guest -> host relative to the tree" or "errno N".
  std::string show(const std::string& p, ResolveFlags f = {}) {
    auto r = Resolver(*table_, fs_).resolve(GuestPath(p), GuestPath("/"), f);
    if (!r) return "errno " + std::to_string(r.error());
    return r->guest.str() + " -> " + stdfs::path(r->host.str()).lexically_relative(top_).string();
  }
  static std::string err(int e) { return "errno " + std::to_string(e); }

  stdfs::path top_;
  HostFilesystem fs_{GetParam()};
  std::optional<MountTable> table_;
};

TEST_P(HostTree, RootfsSymlinks) {
  EXPECT_EQ(show("/lib/libc.so"), "/usr/lib/libc.so -> root/usr/lib/libc.so");
  EXPECT_EQ(show("/abs/passwd"), "/etc/passwd -> root/etc/passwd");
  EXPECT_EQ(show("/esc/passwd"), "/etc/passwd -> root/etc/passwd");
  EXPECT_EQ(show("/loop1"), err(ELOOP));
  EXPECT_EQ(show("/usr/lib/libc.so/x"), err(ENOTDIR));
  EXPECT_EQ(show("/usr/nope/libc.so"), err(ENOENT));
  EXPECT_EQ(show("/usr/lib/new"), "/usr/lib/new -> root/usr/lib/new");
}

TEST_P(HostTree, BindsNestedFileAndOntoMissingPaths) {
  mount("data", "/mnt/data");
  mount("inner", "/mnt/data/sub/in");
  mount("hosts", "/etc/hosts", true);
  mount("data", "/opt/a/b");
  EXPECT_EQ(show("/mnt/data/sub/f"), "/mnt/data/sub/f -> data/sub/f");
  EXPECT_EQ(show("/mnt/data/sub/in/x"), "/mnt/data/sub/in/x -> inner/x");
  EXPECT_EQ(show("/mnt/data/up/passwd"), "/etc/passwd -> root/etc/passwd");
  EXPECT_EQ(show("/mnt/data/../../etc"), "/etc -> root/etc");
  EXPECT_EQ(show("/opt/a/b/sub/f"), "/opt/a/b/sub/f -> data/sub/f");
  EXPECT_EQ(show("/opt/a"), "/opt/a -> empty/opt/a");
  EXPECT_EQ(table_->synthetic_children("/", fs_), std::vector<std::string>{"opt"});
  EXPECT_EQ(table_->synthetic_children("/mnt/data/sub", fs_), std::vector<std::string>{"in"});
  auto hosts = Resolver(*table_, fs_).resolve(GuestPath("/etc/hosts"), GuestPath("/"));
  ASSERT_TRUE(hosts);
  EXPECT_TRUE(hosts->mount.read_only);
  EXPECT_EQ(hosts->kind, EntryKind::kOther);
  EXPECT_EQ(table_->to_guest((top_ / "inner/x").string()), GuestPath("/mnt/data/sub/in/x"));
}

TEST_P(HostTree, FastAndSlowWalksAgree) {
  HostFilesystem slow(false);
  const std::string root = (top_ / "root").string();
  std::vector<std::string_view> cases[] = {{"usr", "lib", "libc.so"}, {"usr", "lib", "new"},
                                      {"usr", "nope", "x"},      {"lib", "libc.so"},
                                      {"etc", "passwd", "x"},    {"usr", "lib"}};
  for (const auto& names : cases) {
    auto a = fs_.walk(HostPath(root), names);
    auto b = slow.walk(HostPath(root), names);
    ASSERT_EQ(a.has_value(), b.has_value()) << names[0] << "/" << names[1];
    if (a) {
      EXPECT_EQ(a->dirs, b->dirs);
      EXPECT_EQ(a->stop, b->stop);
    } else {
      EXPECT_EQ(a.error(), b.error());
    }
  }
}

// plain_walk: openat2 with RESOLVE_NO_SYMLINKS says what the per-name
// reference says, on a real tree (symlinks in the middle and at the end,
// missing names, a file in the middle).
TEST_P(HostTree, PlainWalkAgreesWithThePerNameReference) {
  using PW = Filesystem::PlainWalk;
  HostFilesystem slow(false);
  const HostPath root((top_ / "root").string());
  const struct {
    std::vector<std::string_view> names;
    bool follow;
    PW want;
  } cases[] = {
      {{"usr", "lib", "libc.so"}, true, PW::kExists},  {{"usr", "lib", "new"}, true, PW::kMissing},
      {{"usr", "nope", "x"}, false, PW::kMissing},     {{"lib", "libc.so"}, true, PW::kUnsure},
      {{"lib"}, false, PW::kExists},                   {{"lib"}, true, PW::kUnsure},
      {{"etc", "passwd", "x"}, false, PW::kUnsure},    {{"loop1"}, false, PW::kExists},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(fs_.plain_walk(root, c.names, c.follow), c.want) << c.names[0] << " " << c.follow;
    EXPECT_EQ(slow.plain_walk(root, c.names, c.follow), c.want) << c.names[0] << " " << c.follow;
  }
}

// The kernel as the oracle: openat2(root, p, O_PATH|..., RESOLVE_IN_ROOT).
std::string kernel_resolve(const std::string& root, const std::string& p, bool follow) {
  const int dir = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, dir, p.c_str(), &how, sizeof how);
  const int e = errno;
  ::close(dir);
  if (fd < 0) return "errno " + std::to_string(e);
  char buf[4096];
  const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf);
  ::close(static_cast<int>(fd));
  return stdfs::path(std::string(buf, n)).lexically_relative(stdfs::path(root).parent_path()).string();
}

TEST_P(HostTree, AgreesWithOpenat2InRoot) {
  const std::string root = (top_ / "root").string();
  for (std::string p : {"/lib/libc.so", "/abs/passwd", "/esc/passwd", "/loop1", "/usr/lib/libc.so/",
                        "/usr/nope/x", "/../../etc/./passwd", "/lib/../etc", "/usr/lib/new",
                        "usr/lib/", "/lib", "/etc/passwd/..", "//usr//lib//libc.so"}) {
    for (bool follow : {true, false}) {
      auto r = Resolver(*table_, fs_).resolve(GuestPath(p), GuestPath("/"), {.follow_last = follow});
      std::string ours = !r                                ? "errno " + std::to_string(r.error())
                         : r->kind == EntryKind::kMissing ? "errno " + std::to_string(ENOENT)
                                                          : stdfs::path(r->host.str()).lexically_relative(top_).string();
      EXPECT_EQ(ours, kernel_resolve(root, p, follow)) << p << (follow ? "" : " (nofollow)");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Walks, HostTree, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "openat2" : "per_name"; });

}  // namespace
}  // namespace cocoon::vfs
