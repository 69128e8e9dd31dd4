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
  EXPECT_EQ(add_error(t, bind("/y", "/a/b")), "mount target '/a/b' is given twice (/x and /y)");
  EXPECT_EQ(add_error(t, bind("/f", "/etc/hosts", false)), "");
  EXPECT_EQ(add_error(t, bind("/x", "/etc/hosts/x")),
            "mount target '/etc/hosts/x' lies under '/etc/hosts', which is not a directory");
  EXPECT_EQ(add_error(t, bind("/f", "/a", false)),
            "mount target '/a/b' lies under '/a', which is not a directory");
  EXPECT_EQ(add_error(t, Mount{GuestPath("/l"), HostPath(), MountKind::kSymlink}),
            "symlink '/l' has an empty target");
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
  EXPECT_EQ(add_mount(*t, fs_, {.kind = MountKind::kSymlink, .target = "/lib",
                                .symlink_target = "/etc"}),
            true);
  EXPECT_NE(t->find("/lib"), nullptr);
}

}  // namespace
}  // namespace cocoon::vfs
