// openat2(2)'s RESOLVE_* flags and /proc magic links, in guest terms.
#include <gtest/gtest.h>

#include "cocoon/vfs/resolver.h"
#include "fake_filesystem.h"

namespace cocoon::vfs {
namespace {

class FlagsTest : public ::testing::Test {
 protected:
  FlagsTest() : table_(HostPath("/r")) {
    fs_.dir("/r/home/u/sub");
    fs_.file("/r/home/u/f");
    fs_.link("/r/home/u/abs", "/etc");
    fs_.link("/r/home/u/rel", "sub");
    fs_.link("/r/home/u/up", "../../etc");
    fs_.dir("/r/etc");
    fs_.dir("/srv/data/d");
    fs_.link("/srv/data/toabs", "/etc");
    fs_.link("/proc/self", "123");
    fs_.link("/proc/123/cwd", "/r/home/u");
    fs_.link("/proc/123/root", "/");
    fs_.link("/proc/123/fd/0", "pipe:[5]");
    fs_.link("/proc/123/fd/1", "/r/home/u/f");
    EXPECT_TRUE(table_.add(Mount{GuestPath("/home/u/data"), HostPath("/srv/data")}));
    EXPECT_TRUE(table_.add(Mount{GuestPath("/proc"), HostPath("/proc"), MountKind::kProc}));
  }
  std::string show(const std::string& p, ResolveFlags f, const std::string& base = "/home/u") {
    auto r = Resolver(table_, fs_).resolve(GuestPath(p), GuestPath(base), f);
    if (!r) return "errno " + std::to_string(r.error());
    return r->guest.str() + " -> " + r->host.str() + (r->magic_link ? " (magic)" : "");
  }
  static std::string err(int e) { return "errno " + std::to_string(e); }

  testing::FakeFilesystem fs_;
  MountTable table_;
};

TEST_F(FlagsTest, Beneath) {
  const ResolveFlags f{.beneath = true};
  EXPECT_EQ(show("sub/../f", f), "/home/u/f -> /r/home/u/f");
  EXPECT_EQ(show("rel", f), "/home/u/sub -> /r/home/u/sub");
  EXPECT_EQ(show("/etc", f), err(EXDEV));
  EXPECT_EQ(show("..", f), err(EXDEV));
  EXPECT_EQ(show("abs", f), err(EXDEV));
  EXPECT_EQ(show("up", f), err(EXDEV));
}

TEST_F(FlagsTest, InRoot) {
  const ResolveFlags f{.in_root = true};
  EXPECT_EQ(show("/sub", f), "/home/u/sub -> /r/home/u/sub");
  EXPECT_EQ(show("../../f", f), "/home/u/f -> /r/home/u/f");
  // abs -> /etc resolves against the base: /home/u/etc, missing.
  EXPECT_EQ(show("abs", f), "/home/u/etc -> /r/home/u/etc");
  EXPECT_EQ(show("up/x", f), err(ENOENT));  // ../../etc -> /home/u/etc
}

TEST_F(FlagsTest, NoSymlinks) {
  const ResolveFlags f{.no_symlinks = true};
  EXPECT_EQ(show("rel/", f), err(ELOOP));
  EXPECT_EQ(show("rel", f), err(ELOOP));
  EXPECT_EQ(show("rel", {.follow_last = false, .no_symlinks = true}), "/home/u/rel -> /r/home/u/rel");
  EXPECT_EQ(show("sub", f), "/home/u/sub -> /r/home/u/sub");
}

TEST_F(FlagsTest, NoXdevAtTableMounts) {
  const ResolveFlags f{.no_xdev = true};
  EXPECT_EQ(show("data/d", f), err(EXDEV));
  EXPECT_EQ(show("sub", f), "/home/u/sub -> /r/home/u/sub");
  EXPECT_EQ(show("d", f, "/home/u/data"), "/home/u/data/d -> /srv/data/d");
  EXPECT_EQ(show("..", f, "/home/u/data"), err(EXDEV));
  // nd_jump_root(): an absolute path argument may start on another mount,
  // an absolute symlink may not.
  EXPECT_EQ(show("/etc", f, "/home/u/data"), "/etc -> /r/etc");
  EXPECT_EQ(show("toabs", f, "/home/u/data"), err(EXDEV));
  EXPECT_EQ(show("/etc", f), "/etc -> /r/etc");
}

TEST_F(FlagsTest, MagicLinks) {
  EXPECT_EQ(show("/proc/self/cwd/sub", {}), "/home/u/sub -> /r/home/u/sub");
  EXPECT_EQ(show("/proc/123/fd/1", {}), "/proc/123/fd/1 -> /proc/123/fd/1 (magic)");
  EXPECT_EQ(show("/proc/123/fd/1/x", {}), err(ENOTDIR));
  EXPECT_EQ(show("/proc/123/fd/0/x", {}), err(ENOTDIR));
  // A process's root is the guest's "/" (guests never chroot for real).
  EXPECT_EQ(show("/proc/123/root/x", {}), "/x -> /r/x");
  EXPECT_EQ(show("/proc/123/cwd", {.no_magiclinks = true}), err(ELOOP));
  EXPECT_EQ(show("/proc/123/cwd", {.in_root = true}, "/"), err(EXDEV));
  EXPECT_EQ(show("/proc/self/x", {.no_magiclinks = true}), "/proc/123/x -> /proc/123/x");
  EXPECT_EQ(show("/proc/123/cwd", {.follow_last = false, .no_magiclinks = true}),
            "/proc/123/cwd -> /proc/123/cwd");
}

// A trailing slash follows the last link and asks for a directory
// (path_resolution(7)), as lstat("/proc/self/cwd/") and
// open("/proc/PID/fd/N/") do: the directory the link stands for, or
// ENOTDIR for what is not one.
TEST_F(FlagsTest, MagicLinkWithTrailingSlash) {
  const ResolveFlags nofollow{.follow_last = false};
  EXPECT_EQ(show("/proc/self/cwd/", nofollow), "/home/u -> /r/home/u");
  EXPECT_EQ(show("/proc/123/cwd/", {}), "/home/u -> /r/home/u");
  EXPECT_EQ(show("/proc/123/root/", nofollow), "/ -> /r");
  EXPECT_EQ(show("/proc/123/fd/1/", nofollow), err(ENOTDIR));
  EXPECT_EQ(show("/proc/123/fd/0/", {}), err(ENOTDIR));
  EXPECT_EQ(show("/proc/123/cwd/", {.no_magiclinks = true}), err(ELOOP));
}

TEST(ProcMagicLink, Patterns) {
  EXPECT_TRUE(is_proc_magic_link("/self/cwd"));
  EXPECT_TRUE(is_proc_magic_link("12/fd/3"));
  EXPECT_TRUE(is_proc_magic_link("/12/task/13/exe"));
  EXPECT_TRUE(is_proc_magic_link("/thread-self/ns/mnt"));
  EXPECT_FALSE(is_proc_magic_link("/self"));
  EXPECT_FALSE(is_proc_magic_link("/12/fd"));
  EXPECT_FALSE(is_proc_magic_link("/12/status"));
  EXPECT_FALSE(is_proc_magic_link("/sys/fs/cwd"));
}

}  // namespace
}  // namespace cocoon::vfs
