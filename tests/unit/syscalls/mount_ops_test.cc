// What mount(2), umount2(2), pivot_root(2) and chroot(2) do to an emulated
// mount namespace's table, as bwrap uses them: tables from tables, no
// process involved (placeholders go to a temporary directory).
#include "namespaces/mount_ops.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace cocoon::syscalls {
namespace {

class MountOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mount-ops-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ops_ = std::make_unique<MountOps>(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string host_of(const vfs::MountTable& t, const std::string& guest) {
    const vfs::Mount* m = t.find(guest);
    return m ? m->source.str() : "(none)";
  }
  std::string dir_;
  std::unique_ptr<MountOps> ops_;
};

TEST_F(MountOpsTest, BwrapsSequence) {
  vfs::MountTable host(vfs::HostPath("/"));
  // mount tmpfs on /tmp, bind newroot on itself, pivot_root("/tmp", "oldroot")
  auto t = ops_->add(host, vfs::Mount{vfs::GuestPath("/tmp"), vfs::HostPath("/scratch/t"),
                                      vfs::MountKind::kTmpfs, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->bind(**t, "/tmp/newroot", vfs::HostPath("/scratch/t/newroot"), true, "/tmp/newroot", true);
  ASSERT_TRUE(t);
  t = ops_->pivot(**t, "/tmp", "/tmp/oldroot");
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)->root().source.str(), "/scratch/t");
  EXPECT_EQ(host_of(**t, "/oldroot"), "/");
  EXPECT_EQ(host_of(**t, "/newroot"), "/scratch/t/newroot");
  // the old root bound recursively at /newroot, then read-only
  t = ops_->bind(**t, "/oldroot", vfs::HostPath("/"), true, "/newroot", true);
  ASSERT_TRUE(t);
  t = ops_->remount(**t, "/newroot", true);
  ASSERT_TRUE(t);
  EXPECT_TRUE((*t)->find("/newroot")->read_only);
  // proc at /newroot/proc, then the old root detached
  t = ops_->add(**t, vfs::Mount{vfs::GuestPath("/newroot/proc"), vfs::HostPath("/proc"),
                                vfs::MountKind::kProc, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->unmount(**t, "/oldroot");
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)->find("/oldroot"), nullptr);
  // pivot_root(".", ".") from /newroot: the old root is dropped
  t = ops_->pivot(**t, "/newroot", "/newroot");
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)->root().source.str(), "/");
  EXPECT_TRUE((*t)->root().read_only);
  EXPECT_EQ(host_of(**t, "/proc"), "/proc");
  EXPECT_EQ((*t)->mounts().size(), 2u);
}

// mount(2) on a mount point stacks; umount2(2) takes the top one off and
// shows the one below again, with what was mounted under it.
TEST_F(MountOpsTest, UnmountRevealsTheMountBelow) {
  vfs::MountTable host(vfs::HostPath("/"));
  auto t = ops_->add(host, vfs::Mount{vfs::GuestPath("/mnt"), vfs::HostPath("/a"),
                                      vfs::MountKind::kBind, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->add(**t, vfs::Mount{vfs::GuestPath("/mnt/sub"), vfs::HostPath("/s"),
                                vfs::MountKind::kBind, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->add(**t, vfs::Mount{vfs::GuestPath("/mnt"), vfs::HostPath("/b"),
                                vfs::MountKind::kBind, false, true, {}});
  ASSERT_TRUE(t);
  EXPECT_EQ(host_of(**t, "/mnt"), "/b");
  EXPECT_EQ(host_of(**t, "/mnt/sub"), "(none)");  // under the hidden one
  // A remount changes the top one only.
  t = ops_->remount(**t, "/mnt", true);
  ASSERT_TRUE(t);
  t = ops_->unmount(**t, "/mnt");
  ASSERT_TRUE(t);
  EXPECT_EQ(host_of(**t, "/mnt"), "/a");
  EXPECT_FALSE((*t)->find("/mnt")->read_only);
  EXPECT_EQ(host_of(**t, "/mnt/sub"), "/s");
  t = ops_->unmount(**t, "/mnt");
  ASSERT_TRUE(t);
  EXPECT_EQ(ops_->unmount(**t, "/mnt").error(), EINVAL);
  EXPECT_EQ((*t)->mounts().size(), 1u);
}

// chroot(2) into a directory whose mount hid others: they stay hidden.
TEST_F(MountOpsTest, ChrootLeavesHiddenMountsOut) {
  vfs::MountTable host(vfs::HostPath("/"));
  auto t = ops_->add(host, vfs::Mount{vfs::GuestPath("/srv/r/x"), vfs::HostPath("/x"),
                                      vfs::MountKind::kBind, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->add(**t, vfs::Mount{vfs::GuestPath("/srv"), vfs::HostPath("/data"),
                                vfs::MountKind::kBind, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->rooted(**t, "/srv/r", vfs::HostPath("/data/r"));
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)->root().source.str(), "/data/r");
  EXPECT_EQ((*t)->find("/x"), nullptr);
}

TEST_F(MountOpsTest, ErrorsAreTheKernels) {
  vfs::MountTable host(vfs::HostPath("/"));
  EXPECT_EQ(ops_->unmount(host, "/").error(), EBUSY);
  EXPECT_EQ(ops_->unmount(host, "/usr").error(), EINVAL);         // not a mount point
  EXPECT_EQ(ops_->remount(host, "/usr", true).error(), EINVAL);
  EXPECT_EQ(ops_->pivot(host, "/usr", "/usr/old").error(), EINVAL);  // new_root not a mount
}

TEST_F(MountOpsTest, ChrootKeepsWhatIsUnderTheDirectory) {
  vfs::MountTable host(vfs::HostPath("/"));
  auto t = ops_->add(host, vfs::Mount{vfs::GuestPath("/srv/root/proc"), vfs::HostPath("/proc"),
                                      vfs::MountKind::kProc, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->add(**t, vfs::Mount{vfs::GuestPath("/mnt"), vfs::HostPath("/data"),
                                vfs::MountKind::kBind, false, true, {}});
  ASSERT_TRUE(t);
  t = ops_->rooted(**t, "/srv/root", vfs::HostPath("/srv/root"));
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)->root().source.str(), "/srv/root");
  EXPECT_EQ(host_of(**t, "/proc"), "/proc");
  EXPECT_EQ((*t)->find("/mnt"), nullptr);  // out of reach
}

}  // namespace
}  // namespace cocoon::syscalls
