// A process's emulated credentials and the kernel's rules for changing them
// (kernel/sys.c: __sys_setuid, __sys_setreuid, __sys_setresuid,
// __sys_setfsuid and the gid twins; kernel/groups.c), with its capability
// sets and securebits and their rules (capabilities(7); security/commoncap.c,
// kernel/capability.c: capabilities.cc). A privileged call asks the
// capability the kernel asks (capable()): the effective set, in the
// process's own user namespace.
// The ids are the first user namespace's (identity/id_mapper.h): the calls
// map them in and out through the caller's user namespace.
// Pure: no syscalls, unit-tested against the rules.
#pragma once

#include <linux/capability.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace cocoon::syscalls {

// Every capability the kernel headers name (CAP_LAST_CAP), bit N for
// capability N, as /proc/PID/status and capget(2) show them.
inline constexpr std::uint64_t kAllCaps = (std::uint64_t{1} << (CAP_LAST_CAP + 1)) - 1;

// The five sets of capabilities(7).
struct CapSets {
  std::uint64_t permitted = 0, effective = 0, inheritable = 0, bounding = kAllCaps, ambient = 0;
  friend bool operator==(const CapSets&, const CapSets&) = default;
};

struct Credentials {
  std::uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
  std::uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<std::uint32_t> groups;
  // In the process's own user namespace (a namespace it creates or joins
  // gives it every one: user_namespaces(7)).
  CapSets caps;
  // SECBIT_* of <linux/securebits.h> (PR_SET_SECUREBITS, PR_SET_KEEPCAPS).
  std::uint32_t securebits = 0;
  // The uid that is root in the process's user namespace (its 0, as the
  // first namespace numbers it): capabilities follow it (root_uid in
  // security/commoncap.c). kNoRootUid while that namespace maps no 0.
  // Kept current by IdentityState::of().
  std::uint32_t root_uid = 0;

  // A process started as uid/gid with the bounding set `bounding`: root's
  // permitted and effective sets are that bounding set (an exec as root:
  // capabilities(7)), anyone else's empty.
  static Credentials of(std::uint32_t uid, std::uint32_t gid, std::uint64_t bounding = kAllCaps);
  // CAP_* in the effective set.
  bool capable(int cap) const {
    return cap >= 0 && cap <= CAP_LAST_CAP && ((caps.effective >> cap) & 1) != 0;
  }
  // The filesystem capabilities root's own file operations use (CAP_CHOWN,
  // CAP_DAC_OVERRIDE, CAP_FOWNER): the effective set loses them while
  // fsuid is not root, even for root (the fsuid case of
  // cap_task_fix_setuid(), security/commoncap.c).
  bool fs_privileged() const {
    return capable(CAP_CHOWN) && capable(CAP_DAC_OVERRIDE) && capable(CAP_FOWNER);
  }
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
  // The capabilities change as "Transformation of capabilities during
  // execve()" says (capabilities(7); cap_bprm_creds_from_file(), no file
  // capabilities). Returns whether the exec is a secure one (AT_SECURE:
  // bprm->secureexec).
  bool exec(std::optional<std::uint32_t> set_uid, std::optional<std::uint32_t> set_gid);

  // A user namespace created or joined: every capability in it, securebits
  // cleared (set_cred_user_ns(), kernel/user_namespace.c).
  void enter_user_ns();
  // capset(2)'s rules (cap_capset(), security/commoncap.c); 0 or EPERM.
  int capset(std::uint64_t effective, std::uint64_t permitted, std::uint64_t inheritable);
  // prctl(2)'s capability options: PR_CAPBSET_READ/DROP, PR_GET/SET_KEEPCAPS,
  // PR_GET/SET_SECUREBITS, PR_CAP_AMBIENT (cap_task_prctl()); the call's
  // result, or -errno.
  std::int64_t prctl(int option, std::uint64_t a2, std::uint64_t a3, std::uint64_t a4,
                     std::uint64_t a5);
  // The prctl options prctl() answers.
  static bool prctl_option(int option);

 private:
  bool is_root(std::uint32_t uid) const { return uid == root_uid; }
  // cap_task_fix_setuid() after a change of the uid triple (from `old`) or
  // of the fsuid (from `old_fsuid`).
  void fix_caps_after_uids(std::uint32_t old_r, std::uint32_t old_e, std::uint32_t old_s);
  void fix_caps_after_fsuid(std::uint32_t old_fsuid);
};

// NGROUPS_MAX of <linux/limits.h>.
inline constexpr std::size_t kNgroupsMax = 65536;
inline constexpr std::uint32_t kUnchanged = 0xffffffffu;
// (uid_t)-1 is no uid: a root_uid no euid can equal.
inline constexpr std::uint32_t kNoRootUid = 0xffffffffu;

}  // namespace cocoon::syscalls
