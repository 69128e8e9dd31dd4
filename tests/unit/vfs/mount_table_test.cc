// The mount table: validation messages, lookup, reverse translation, and the
// filesystem-aware set-up (add_mount).
#include "cocoon/vfs/mount_table.h"

#include <gtest/gtest.h>

#include "cocoon/vfs/mount_setup.h"
#include "fake_filesystem.h"

namespace cocoon::vfs {
namespace {

Mount bind(const std::string& source, const std::string& target, bool directory = true) {
  return Mount{GuestPath(target), HostPath(source), MountKind::kBind, false, directory};
}

std::string add_error(MountTable& t, Mount m) {
  auto r = t.add(std::move(m));
  return r ? "" : r.error();
}

TEST(MountTable, AddRefusesWithAMessageNamingTheCulprit) {
  MountTable t(HostPath("/r"));
  EXPECT_EQ(add_error(t, bind("/x", "rel/dir")), "mount target 'rel/dir' is not an absolute path");
  EXPECT_EQ(add_error(t, bind("/x", "/")), "mount target '/' is the guest root: choose it with -r");
  EXPECT_EQ(add_error(t, bind("x", "/a")), "source 'x' of mount '/a' is not an absolute path");
  EXPECT_EQ(add_error(t, bind("/x", "/a//b/")), "");
  EXPECT_EQ(add_error(t, bind("/f", "/etc/hosts", false)), "");
  EXPECT_EQ(add_error(t, bind("/x", "/etc/hosts/x")),
            "mount target '/etc/hosts/x' lies under '/etc/hosts', which is not a directory");
  // A file mount above a mount point hides it (add_mount() refuses a
  // file over a directory, which the table alone cannot see).
  EXPECT_EQ(add_error(t, bind("/f", "/a", false)), "");
  EXPECT_EQ(t.find("/a/b"), nullptr);
  EXPECT_EQ(add_error(t, Mount{GuestPath("/l"), HostPath(), MountKind::kSymlink}),
            "symlink '/l' has an empty target");
}

// mount(2) stacks: a second mount at a target goes on top and hides the
// first; one above a mount point hides what is mounted under it; an
// unmount of the top one reveals what it hid (mount_namespaces(7)).
TEST(MountTable, MountsStackAndUnmountRevealsTheOneBelow) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(bind("/tmpfs", "/tmp")));
  ASSERT_TRUE(t.add(Mount{GuestPath("/tmp/d"), HostPath("/dir"), MountKind::kDir}));
  ASSERT_TRUE(t.add(bind("/etc", "/tmp/d")));
  EXPECT_EQ(t.find("/tmp/d")->source.str(), "/etc");
  EXPECT_EQ(t.covering("/tmp/d/passwd").source.str(), "/etc");
  EXPECT_EQ(t.mounts().size(), 4u);
  EXPECT_FALSE(t.is_visible(t.mounts()[2]));
  EXPECT_EQ(t.to_guest("/dir"), std::nullopt);  // hidden
  EXPECT_EQ(t.to_guest("/etc/passwd"), GuestPath("/tmp/d/passwd"));

  MountTable below(HostPath("/r"));
  for (const Mount& m : t.without("/tmp/d")) {
    if (m.kind != MountKind::kRoot) {
      ASSERT_TRUE(below.add(m));
    }
  }
  EXPECT_EQ(below.find("/tmp/d")->source.str(), "/dir");
  EXPECT_TRUE(t.without("/").empty());
  EXPECT_TRUE(t.without("/nowhere").empty());
}

TEST(MountTable, AMountAboveHidesTheMountsUnderIt) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(bind("/f", "/a/b/file", false)));
  ASSERT_TRUE(t.add(bind("/x", "/a")));
  EXPECT_EQ(t.find("/a/b/file"), nullptr);
  EXPECT_EQ(t.covering("/a/b/file").source.str(), "/x");
  EXPECT_FALSE(t.is_mount_ancestor("/a/b"));
  EXPECT_EQ(t.mount_children("/a"), std::vector<std::string>{});
  // What is mounted after it stays visible; a file mount at the same
  // place as a directory one goes on top, not under it.
  ASSERT_TRUE(t.add(bind("/y", "/a/c")));
  ASSERT_TRUE(t.add(bind("/g", "/a/c", false)));
  EXPECT_FALSE(t.find("/a/c")->directory);
  EXPECT_EQ(add_error(t, bind("/z", "/a/c/in")),
            "mount target '/a/c/in' lies under '/a/c', which is not a directory");
  // Unmounting /a takes what was mounted on it since, and reveals the file.
  MountTable left(HostPath("/r"));
  for (const Mount& m : t.without("/a")) {
    if (m.kind != MountKind::kRoot) {
      ASSERT_TRUE(left.add(m));
    }
  }
  EXPECT_EQ(left.find("/a/b/file")->source.str(), "/f");
  EXPECT_EQ(left.find("/a/c"), nullptr);
  // --remount-ro changes the top mount, not the hidden one.
  ASSERT_TRUE(t.add(bind("/w", "/a")));
  EXPECT_TRUE(t.make_read_only("/a"));
  EXPECT_TRUE(t.find("/a")->read_only);
  EXPECT_FALSE(t.mounts()[2].read_only);
}

TEST(MountTable, CoveringIsTheLongestComponentPrefix) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(bind("/d", "/mnt/data")));
  ASSERT_TRUE(t.add(bind("/i", "/mnt/data/sub/in")));
  EXPECT_EQ(t.covering("/mnt/data/sub/in/x").source.str(), "/i");
  EXPECT_EQ(t.covering("/mnt/data/sub").source.str(), "/d");
  EXPECT_EQ(t.covering("/mnt/database").source.str(), "/r");
  EXPECT_EQ(t.covering("/").kind, MountKind::kRoot);
  EXPECT_TRUE(t.is_mount_ancestor("/mnt/data/sub"));
  EXPECT_FALSE(t.is_mount_ancestor("/mnt/data/sub/in"));
  EXPECT_EQ(t.mount_children("/mnt/data"), std::vector<std::string>{"sub"});
  EXPECT_EQ(t.mount_children("/"), std::vector<std::string>{"mnt"});
}

TEST(MountTable, ReverseTranslation) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(bind("/srv/data", "/mnt/data")));
  ASSERT_TRUE(t.add(bind("/srv/hosts", "/etc/hosts", false)));
  EXPECT_EQ(t.to_guest("/r/etc/passwd"), GuestPath("/etc/passwd"));
  EXPECT_EQ(t.to_guest("/r"), GuestPath("/"));
  EXPECT_EQ(t.to_guest("/srv/data/sub"), GuestPath("/mnt/data/sub"));
  EXPECT_EQ(t.to_guest("/srv/hosts"), GuestPath("/etc/hosts"));
  EXPECT_EQ(t.to_guest("/srv/hostsx"), std::nullopt);
  EXPECT_EQ(t.to_guest("/var/log"), std::nullopt);
  // Under the bind's target the root's own tree is shadowed: invisible.
  EXPECT_EQ(t.to_guest("/r/mnt/data/x"), std::nullopt);
}

TEST(MountTable, SameHostTreeTwiceShortestGuestTargetWins) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(bind("/srv/data", "/mnt/long/data")));
  ASSERT_TRUE(t.add(bind("/srv/data", "/b")));
  ASSERT_TRUE(t.add(bind("/srv/data", "/a")));
  EXPECT_EQ(t.to_guest("/srv/data/x"), GuestPath("/a/x"));
}

TEST(MountTable, RootSlashReverseTranslatesEverything) {
  MountTable t(HostPath("/"));
  ASSERT_TRUE(t.add(Mount{GuestPath("/proc"), HostPath("/proc"), MountKind::kProc}));
  ASSERT_TRUE(t.add(bind("/", "/host")));
  EXPECT_EQ(t.to_guest("/etc/passwd"), GuestPath("/etc/passwd"));
  EXPECT_EQ(t.to_guest("/proc/1/cwd"), GuestPath("/proc/1/cwd"));
}

TEST(MountTable, DescribeListsEveryMountSorted) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(Mount{GuestPath("/z"), HostPath("/srv/z"), MountKind::kBind, true}));
  ASSERT_TRUE(t.add(Mount{GuestPath("/l"), HostPath(), MountKind::kSymlink, false, false, "/z"}));
  EXPECT_EQ(t.describe(),
            "GUEST                   KIND      MODE SOURCE\n"
            "/                       root      rw   /r\n"
            "/l                      symlink   rw   -> /z\n"
            "/z                      bind      ro   /srv/z\n");
}

TEST(MountTable, LinksInGuestTerms) {
  MountTable t(HostPath("/r"));
  ASSERT_TRUE(t.add(Mount{GuestPath("/a"), HostPath("/srv/a")}));
  ASSERT_TRUE(t.add(Mount{GuestPath("/inside"), HostPath("/r/x")}));
  const Mount& root = t.root();
  const Mount& a = *t.find("/a");
  EXPECT_FALSE(link_in_guest_terms(a, "/srv/a/sub"));  // off until set
  t.set_links_in_guest_terms();
  EXPECT_EQ(link_in_guest_terms(a, "/srv/a/sub"), "/a/sub");
  EXPECT_EQ(link_in_guest_terms(a, "/srv/a"), "/a");
  EXPECT_FALSE(link_in_guest_terms(a, "/srv/ab"));     // not under the source
  EXPECT_FALSE(link_in_guest_terms(a, "/r/etc"));      // another tree
  EXPECT_FALSE(link_in_guest_terms(a, "sub"));         // relative
  EXPECT_EQ(link_in_guest_terms(root, "/r/usr/lib"), "/usr/lib");
  EXPECT_EQ(link_in_guest_terms(root, "/r"), "/");
  // A bind whose source lies in the root's: PRoot takes its links for the
  // rootfs's, so the bind's own rule is off.
  EXPECT_FALSE(t.find("/inside")->links_in_guest_terms);
  // The host's "/" as the root: nothing changes, and binds keep theirs.
  MountTable host(HostPath("/"));
  ASSERT_TRUE(host.add(Mount{GuestPath("/a"), HostPath("/srv/a")}));
  host.set_links_in_guest_terms();
  EXPECT_FALSE(link_in_guest_terms(host.root(), "/etc"));
  EXPECT_FALSE(host.find("/a")->links_in_guest_terms);
}

class MountSetupTest : public ::testing::Test {
 protected:
  MountSetupTest() {
    fs_.dir("/r/usr/lib");
    fs_.link("/r/lib", "usr/lib");
    fs_.file("/r/etc/passwd");
    fs_.dir("/srv/mods");
    fs_.link("/srv/link", "mods");
    fs_.file("/srv/file");
  }
  testing::FakeFilesystem fs_;
};

TEST_F(MountSetupTest, SourcesAreCanonicalTargetsResolvedInTheGuest) {
  auto t = make_mount_table(fs_, "/r/./usr/..");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root().source.str(), "/r");
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/srv/link", .target = "/lib/modules"}), true);
  const Mount* m = t->find("/usr/lib/modules");  // through /lib -> usr/lib
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->source.str(), "/srv/mods");
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/srv/file", .target = "/new/dir/f"}), true);
  EXPECT_NE(t->find("/new/dir/f"), nullptr);
}

TEST_F(MountSetupTest, MissingSourcesAndKindMismatches) {
  auto t = make_mount_table(fs_, "/r");
  ASSERT_TRUE(t);
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/nope", .target = "/x"}).error(),
            "mount source '/nope': No such file or directory");
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/nope", .target = "/x", .optional = true}), false);
  EXPECT_EQ(t->mounts().size(), 1u);
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/srv/mods", .target = "/etc/passwd"}).error(),
            "cannot mount '/srv/mods' on '/etc/passwd': a directory over a non-directory");
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/srv/file", .target = "/etc"}).error(),
            "cannot mount '/srv/file' on '/etc': a non-directory over a directory");
  EXPECT_EQ(make_mount_table(fs_, "/r/etc/passwd").error(),
            "root '/r/etc/passwd' is not a directory");
}

// A bind of the host's /proc (PRoot's -R, `-b /proc`) is the proc
// filesystem --proc mounts: its magic links are told apart by that.
TEST_F(MountSetupTest, BindOfHostProcIsProc) {
  fs_.dir("/proc/1");
  auto t = make_mount_table(fs_, "/r");
  ASSERT_TRUE(t);
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/proc/", .target = "/proc"}), true);
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/proc/1", .target = "/one"}), true);
  EXPECT_EQ(add_mount(*t, fs_, {.source = "/srv/mods", .target = "/mods"}), true);
  ASSERT_NE(t->find("/proc"), nullptr);
  EXPECT_EQ(t->find("/proc")->kind, MountKind::kProc);
  EXPECT_EQ(t->find("/one")->kind, MountKind::kBind);
  EXPECT_EQ(t->find("/mods")->kind, MountKind::kBind);
}

TEST_F(MountSetupTest, SymlinkIsCreatedAtThePathItself) {
  auto t = make_mount_table(fs_, "/r");
  ASSERT_TRUE(t);
  // /lib -> usr/lib is not followed: the link is there already (symlink(2)).
  EXPECT_EQ(add_mount(*t, fs_, {.kind = MountKind::kSymlink, .target = "/lib",
                                .symlink_target = "/etc"}).error(),
            "Can't make symlink at /lib: File exists");
  EXPECT_EQ(add_mount(*t, fs_, {.kind = MountKind::kSymlink, .target = "/lib/x",
                                .symlink_target = "/etc"}),
            true);
  EXPECT_NE(t->find("/usr/lib/x"), nullptr);
  EXPECT_EQ(add_mount(*t, fs_, {.kind = MountKind::kSymlink, .target = "/usr/lib/x",
                                .symlink_target = "/etc"}).error(),
            "Can't make symlink at /usr/lib/x: File exists");
}

// A bind through a --symlink lands where the link points, on top of what
// is there (bwrap's `--dir /d --symlink d /l --bind SRC /l`).
TEST_F(MountSetupTest, BindThroughASymlinkStacksOnItsTarget) {
  auto t = make_mount_table(fs_, "/r");
  ASSERT_TRUE(t);
  ASSERT_EQ(add_mount(*t, fs_, {.kind = MountKind::kSymlink, .target = "/l",
                                .symlink_target = "usr"}),
            true);
  ASSERT_EQ(add_mount(*t, fs_, {.source = "/srv/mods", .target = "/l"}), true);
  ASSERT_EQ(add_mount(*t, fs_, {.source = "/srv/link", .target = "/l"}), true);
  EXPECT_EQ(t->find("/usr")->source.str(), "/srv/mods");
  EXPECT_EQ(t->mounts().size(), 4u);
  EXPECT_EQ(t->find("/l")->kind, MountKind::kSymlink);
}

}  // namespace
}  // namespace cocoon::vfs
