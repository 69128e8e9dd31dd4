// /proc/PID/mounts and mountinfo of the guest's table.
#include "cocoon/vfs/mount_report.h"

#include <gtest/gtest.h>

namespace cocoon::vfs {
namespace {

TEST(MountReport, MountsAndMountinfoListTheGuestsTableParentsFirst) {
  MountTable t(HostPath("/srv/root"));
  ASSERT_TRUE(t.add(Mount{GuestPath("/mnt/data/in"), HostPath("/b"), MountKind::kBind}));
  ASSERT_TRUE(t.add(Mount{GuestPath("/mnt/data"), HostPath("/a"), MountKind::kBind, true}));
  ASSERT_TRUE(t.add(Mount{GuestPath("/proc"), HostPath("/proc"), MountKind::kProc}));
  ASSERT_TRUE(t.add(Mount{GuestPath("/my dir"), HostPath("/t"), MountKind::kTmpfs}));
  ASSERT_TRUE(t.add(Mount{GuestPath("/l"), HostPath(), MountKind::kSymlink, false, false, "/x"}));
  EXPECT_EQ(format_mounts(t),
            "cocoon-root / cocoon rw 0 0\n"
            "tmpfs /my\\040dir tmpfs rw 0 0\n"
            "proc /proc proc rw 0 0\n"
            "cocoon-bind /mnt/data cocoon ro 0 0\n"
            "cocoon-bind /mnt/data/in cocoon rw 0 0\n");
  EXPECT_EQ(format_mountinfo(t),
            "1 0 0:1 / / rw - cocoon cocoon-root rw\n"
            "2 1 0:2 / /my\\040dir rw - tmpfs tmpfs rw\n"
            "3 1 0:3 / /proc rw - proc proc rw\n"
            "4 1 0:4 / /mnt/data ro - cocoon cocoon-bind ro\n"
            "5 4 0:5 / /mnt/data/in rw - cocoon cocoon-bind rw\n");
}

}  // namespace
}  // namespace cocoon::vfs
