// The kernel's rules for changing credentials (kernel/sys.c), as the
// emulation applies them: root may do anything, others only shuffle among
// their real, effective and saved ids.
#include "identity/credentials.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace cocoon::syscalls {
namespace {

constexpr std::uint32_t X = kUnchanged;

TEST(Credentials, RootSetuidSetsAllFour) {
  Credentials c = Credentials::of(0, 0);
  EXPECT_EQ(c.setuid(1000), 0);
  EXPECT_EQ(c.ruid, 1000u);
  EXPECT_EQ(c.euid, 1000u);
  EXPECT_EQ(c.suid, 1000u);
  EXPECT_EQ(c.fsuid, 1000u);
  EXPECT_FALSE(c.capable(CAP_SETUID));
  EXPECT_EQ(c.caps.permitted, 0u);
  EXPECT_EQ(c.setuid(0), EPERM);  // no way back
  EXPECT_EQ(c.setuid(X), EINVAL);
}

// In a user namespace root is whoever its 0 maps to (root_uid), not uid 0
// of the first namespace; with no 0 mapped, nobody is: an exec there
// gives capabilities to root_uid alone.
TEST(Credentials, RootIsTheNamespacesRootUid) {
  Credentials c = Credentials::of(65534, 65534);
  EXPECT_FALSE(c.capable(CAP_SETUID));
  c.enter_user_ns();  // unshare(CLONE_NEWUSER): every capability there
  EXPECT_TRUE(c.capable(CAP_SETUID));
  c.root_uid = kNoRootUid;
  c.exec(std::nullopt, std::nullopt);  // lost at exec: not its root
  EXPECT_FALSE(c.capable(CAP_SETUID));
  c.enter_user_ns();
  c.root_uid = 65534;  // its uid_map makes it root there
  c.exec(std::nullopt, std::nullopt);
  EXPECT_TRUE(c.capable(CAP_SETUID));
  EXPECT_TRUE(c.fs_privileged());
  Credentials first_root = Credentials::of(0, 0);
  first_root.root_uid = kNoRootUid;
  first_root.exec(std::nullopt, std::nullopt);
  EXPECT_FALSE(first_root.capable(CAP_SETUID));
  EXPECT_EQ(first_root.setuid(5), EPERM);
}

TEST(Credentials, UnprivilegedSetuidOnlyToRealOrSaved) {
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.setresuid(1, 2, 3), 0);
  EXPECT_EQ(c.setuid(3), 0);  // the saved id
  EXPECT_EQ(c.euid, 3u);
  EXPECT_EQ(c.ruid, 1u);
  EXPECT_EQ(c.suid, 3u);
  EXPECT_EQ(c.setuid(2), EPERM);  // the old effective id is gone
  EXPECT_EQ(c.setuid(1), 0);
}

TEST(Credentials, SetreuidMovesSavedWithEffective) {
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.setresuid(1, 2, 3), 0);
  // Unprivileged: the real id may become the effective one, the effective
  // id any of the three; the real id set, the saved id follows the new
  // effective one.
  EXPECT_EQ(c.setreuid(2, 1), 0);
  EXPECT_EQ(c.ruid, 2u);
  EXPECT_EQ(c.euid, 1u);
  EXPECT_EQ(c.suid, 1u);
  EXPECT_EQ(c.setreuid(3, X), EPERM);
  // Only the effective id, set to the real one: the saved id stays.
  EXPECT_EQ(c.setreuid(X, 2), 0);
  EXPECT_EQ(c.euid, 2u);
  EXPECT_EQ(c.suid, 1u);
  // The effective id set to another than the real one: saved follows.
  EXPECT_EQ(c.setreuid(X, 1), 0);
  EXPECT_EQ(c.suid, 1u);
  EXPECT_EQ(c.fsuid, 1u);
}

TEST(Credentials, SetresuidUnprivilegedChecksEach) {
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.setresuid(1, 2, 3), 0);
  EXPECT_EQ(c.setresuid(3, 1, 2), 0);
  EXPECT_EQ(c.setresuid(X, 4, X), EPERM);
  EXPECT_EQ(c.euid, 1u);  // nothing changed by the refused call
  EXPECT_EQ(c.fsuid, 1u);
}

TEST(Credentials, SetfsuidReturnsTheOldAndNeverFails) {
  Credentials c = Credentials::of(5, 5);
  EXPECT_EQ(c.setfsuid(7), 5u);  // not allowed: unchanged
  EXPECT_EQ(c.fsuid, 5u);
  Credentials r = Credentials::of(0, 0);
  EXPECT_EQ(r.setfsuid(7), 0u);
  EXPECT_EQ(r.fsuid, 7u);
  EXPECT_EQ(r.setfsuid(X), 7u);  // a query
}

// Root with a non-zero fsuid has lost its filesystem capabilities (chown,
// fowner, fsetid, mknod), and gets them back with fsuid 0.
TEST(Credentials, FsuidDropsTheFilesystemCapabilities) {
  Credentials r = Credentials::of(0, 0);
  EXPECT_TRUE(r.fs_privileged());
  EXPECT_EQ(r.setfsuid(1000), 0u);
  EXPECT_TRUE(r.capable(CAP_SETUID));
  EXPECT_FALSE(r.fs_privileged());
  // CAP_FS_SET's bits, as Linux 6.18 clears them from CapEff.
  EXPECT_EQ(r.caps.effective ^ r.caps.permitted, 0x10800021full);
  EXPECT_EQ(r.setfsuid(0), 1000u);
  EXPECT_TRUE(r.fs_privileged());
  EXPECT_TRUE(r.in_group(0));
  EXPECT_FALSE(r.in_group(5));
}

TEST(Credentials, GroupsNeedPrivilege) {
  Credentials r = Credentials::of(0, 0);
  EXPECT_EQ(r.setgroups({2, 1, 2}), 0);
  EXPECT_EQ(r.groups, (std::vector<std::uint32_t>{1, 2, 2}));  // sorted, as groups_sort()
  EXPECT_EQ(r.setgid(9), 0);
  EXPECT_EQ(r.egid, 9u);
  Credentials u = Credentials::of(1000, 100);
  EXPECT_EQ(u.setgroups({}), EPERM);
  EXPECT_EQ(u.setgroups(std::vector<std::uint32_t>(kNgroupsMax + 1)), EPERM);  // before EINVAL
  EXPECT_EQ(u.setgid(0), EPERM);
  EXPECT_EQ(u.setresgid(100, 100, 100), 0);
}

// execve(2): the saved ids become the effective ones and the fs ids follow
// them, so a process that was (1000, 42, 7) with fsuid 7 comes out of an
// exec as (1000, 42, 42), fsuid 42: it can no longer go back to 7.
TEST(Credentials, ExecCopiesTheEffectiveIdsToTheSavedAndFsIds) {
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.setresgid(100, 50, 5), 0);
  ASSERT_EQ(c.setresuid(1000, 42, 7), 0);
  c.setfsuid(7);
  c.setfsgid(5);
  c.exec(std::nullopt, std::nullopt);
  EXPECT_EQ(c.ruid, 1000u);
  EXPECT_EQ(c.euid, 42u);
  EXPECT_EQ(c.suid, 42u);
  EXPECT_EQ(c.fsuid, 42u);
  EXPECT_EQ(c.rgid, 100u);
  EXPECT_EQ(c.egid, 50u);
  EXPECT_EQ(c.sgid, 50u);
  EXPECT_EQ(c.fsgid, 50u);
  EXPECT_EQ(c.setuid(7), EPERM);
}

// A set-user-ID program of uid 0 run by 1000: effective, saved and fs ids
// are 0 (so the process is privileged), the real one stays; likewise the
// group of a set-group-ID one.
TEST(Credentials, ExecOfASetIdProgramTakesItsOwner) {
  Credentials c = Credentials::of(1000, 1000);
  c.exec(0, 50);
  EXPECT_EQ(c.ruid, 1000u);
  EXPECT_EQ(c.euid, 0u);
  EXPECT_EQ(c.suid, 0u);
  EXPECT_EQ(c.fsuid, 0u);
  EXPECT_TRUE(c.capable(CAP_SETUID));
  EXPECT_EQ(c.rgid, 1000u);
  EXPECT_EQ(c.egid, 50u);
  EXPECT_EQ(c.sgid, 50u);
  EXPECT_EQ(c.fsgid, 50u);
}

}  // namespace
}  // namespace cocoon::syscalls
