// A process's emulated credentials and the kernel's rules for changing them
// (kernel/sys.c: __sys_setuid, __sys_setreuid, __sys_setresuid,
// __sys_setfsuid and the gid twins; kernel/groups.c). "Privileged" is what
// the kernel asks of CAP_SETUID / CAP_SETGID: cocoon's emulated root holds
// every capability and any other identity none, so it is euid == root_uid
// (0 in the first user namespace).
// The ids are the first user namespace's (identity/id_mapper.h): the calls
// map them in and out through the caller's user namespace.
// Pure: no syscalls, unit-tested against the rules.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace cocoon::syscalls {

struct Credentials {
  std::uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
  std::uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<std::uint32_t> groups;
  // Every capability in a user namespace the process just created,
  // whatever its ids (user_namespaces(7)); lost at execve unless euid is
  // then root there (in which case privileged() says so anyway).
  bool ns_caps = false;
  // The uid that is root in the process's user namespace (its 0, as the
  // first namespace numbers it): capabilities follow it (root_uid in
  // security/commoncap.c). kNoRootUid while that namespace maps no 0.
  // Kept current by IdentityState::of().
  std::uint32_t root_uid = 0;

  static Credentials of(std::uint32_t uid, std::uint32_t gid);
  bool privileged() const { return euid == root_uid || ns_caps; }
  // The filesystem capabilities (CAP_CHOWN, CAP_FOWNER, CAP_FSETID,
  // CAP_MKNOD...): dropped while fsuid is not root, even for root
  // (cap_emulate_setxuid() and the fsuid case of security/commoncap.c).
  bool fs_privileged() const { return euid == root_uid && fsuid == root_uid; }
  bool in_group(std::uint32_t gid) const;

  // Each returns 0 or the kernel's errno; on error nothing changes. A -1
  // argument (0xffffffff) means "unchanged" where the kernel says so.
  int setuid(std::uint32_t uid);
  int setreuid(std::uint32_t r, std::uint32_t e);
  int setresuid(std::uint32_t r, std::uint32_t e, std::uint32_t s);
  int setgid(std::uint32_t gid);
  int setregid(std::uint32_t r, std::uint32_t e);
  int setresgid(std::uint32_t r, std::uint32_t e, std::uint32_t s);
  // setfsuid(2) never fails: it returns the old fsuid, and changes it only
  // when allowed.
  std::uint32_t setfsuid(std::uint32_t uid);
  std::uint32_t setfsgid(std::uint32_t gid);
  int setgroups(std::vector<std::uint32_t> list);
  // execve(2): a set-user-ID (set-group-ID) program's owner (group), when
  // honoured, becomes the effective id; then "the effective user ID of the
  // process is copied to the saved set-user-ID" (and the group's twin), and
  // the fs ids follow the effective ones (credentials(7); bprm_fill_uid()
  // and commit_creds() in the kernel).
  void exec(std::optional<std::uint32_t> set_uid, std::optional<std::uint32_t> set_gid);
};

// NGROUPS_MAX of <linux/limits.h>.
inline constexpr std::size_t kNgroupsMax = 65536;
inline constexpr std::uint32_t kUnchanged = 0xffffffffu;
// (uid_t)-1 is no uid: a root_uid no euid can equal.
inline constexpr std::uint32_t kNoRootUid = 0xffffffffu;

}  // namespace cocoon::syscalls
