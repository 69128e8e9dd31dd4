// Credentials' capability sets and securebits: the kernel's rules
// (capabilities(7); security/commoncap.c, kernel/capability.c), for the
// emulated credentials. Pure.
#include <linux/prctl.h>
#include <linux/securebits.h>

#include <cerrno>

#include "credentials.h"

namespace cocoon::syscalls {
namespace {

constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

// CAP_FS_SET (include/linux/capability.h): what the effective set loses
// while fsuid is not root. (Seen on Linux 6.18: root's setfsuid(1000)
// clears bits 0-4, 9, 27 and 32 of CapEff.)
constexpr std::uint64_t kFsSet = bit(CAP_CHOWN) | bit(CAP_DAC_OVERRIDE) | bit(CAP_DAC_READ_SEARCH) |
                                 bit(CAP_FOWNER) | bit(CAP_FSETID) | bit(CAP_LINUX_IMMUTABLE) |
                                 bit(CAP_MKNOD) | bit(CAP_MAC_OVERRIDE);

// cap_valid(): a capability the kernel knows.
bool valid(std::uint64_t cap) { return cap <= CAP_LAST_CAP; }
bool subset(std::uint64_t a, std::uint64_t b) { return (a & ~b) == 0; }

}  // namespace

// cap_emulate_setxuid(): leaving root altogether (no uid of the three is
// root any more) empties the permitted and effective sets unless
// SECBIT_KEEP_CAPS (PR_SET_KEEPCAPS) is set, and the ambient set always;
// the effective set empties when euid leaves root and becomes the
// permitted set when it comes back. SECBIT_NO_SETUID_FIXUP turns it off.
void Credentials::fix_caps_after_uids(std::uint32_t old_r, std::uint32_t old_e,
                                      std::uint32_t old_s) {
  if (securebits & SECBIT_NO_SETUID_FIXUP) return;
  if ((is_root(old_r) || is_root(old_e) || is_root(old_s)) && !is_root(ruid) && !is_root(euid) &&
      !is_root(suid)) {
    if (!(securebits & SECBIT_KEEP_CAPS)) caps.permitted = caps.effective = 0;
    caps.ambient = 0;
  }
  if (is_root(old_e) && !is_root(euid)) caps.effective = 0;
  if (!is_root(old_e) && is_root(euid)) caps.effective = caps.permitted;
}

void Credentials::fix_caps_after_fsuid(std::uint32_t old_fsuid) {
  if (securebits & SECBIT_NO_SETUID_FIXUP) return;
  if (is_root(old_fsuid) && !is_root(fsuid)) caps.effective &= ~kFsSet;
  if (!is_root(old_fsuid) && is_root(fsuid)) caps.effective |= caps.permitted & kFsSet;
}

// For a program without file capabilities (those recorded in the
// security.capability xattr are not looked at): root (an euid or ruid of
// root, unless SECBIT_NOROOT) gets P'(permitted) = P(inheritable) |
// P(bounding), and P'(effective) = P'(permitted) when the euid is root;
// anyone else only the ambient set, which a set-id exec clears. The
// bounding and inheritable sets stay; SECBIT_KEEP_CAPS is cleared.
bool Credentials::exec(std::optional<std::uint32_t> set_uid, std::optional<std::uint32_t> set_gid) {
  if (set_uid) euid = *set_uid;
  if (set_gid) egid = *set_gid;
  suid = fsuid = euid;
  sgid = fsgid = egid;
  const bool set_id = euid != ruid || egid != rgid;  // __is_setuid/__is_setgid
  const bool root_rules = !(securebits & SECBIT_NOROOT);
  const bool effective = root_rules && is_root(euid);
  caps.permitted = root_rules && (is_root(euid) || is_root(ruid))
                       ? caps.bounding | caps.inheritable
                       : 0;
  if (set_id) caps.ambient = 0;
  caps.permitted |= caps.ambient;
  caps.effective = effective ? caps.permitted : caps.ambient;
  securebits &= ~static_cast<std::uint32_t>(SECBIT_KEEP_CAPS);
  // bprm->secureexec: a set-id exec, or one that gave a non-root real
  // user more than its ambient set.
  return set_id || (!is_root(ruid) && (effective || !subset(caps.permitted, caps.ambient)));
}

void Credentials::enter_user_ns() {
  caps = CapSets{kAllCaps, kAllCaps, 0, kAllCaps, 0};
  securebits = 0;
}

// cap_capset(): the new inheritable set within the old inheritable and
// permitted ones (unless CAP_SETPCAP) and within the bounding set, the
// new permitted set within the old, the effective within the new
// permitted; the ambient set keeps what is still permitted and inheritable.
int Credentials::capset(std::uint64_t e, std::uint64_t p, std::uint64_t i) {
  if (!capable(CAP_SETPCAP) && !subset(i, caps.inheritable | caps.permitted)) return EPERM;
  if (!subset(i, caps.inheritable | caps.bounding)) return EPERM;
  if (!subset(p, caps.permitted) || !subset(e, p)) return EPERM;
  caps.effective = e;
  caps.permitted = p;
  caps.inheritable = i;
  caps.ambient &= p & i;
  return 0;
}

bool Credentials::prctl_option(int option) {
  switch (option) {
    case PR_CAPBSET_READ:
    case PR_CAPBSET_DROP:
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
    case PR_GET_SECUREBITS:
    case PR_SET_SECUREBITS:
    case PR_CAP_AMBIENT: return true;
    default: return false;
  }
}

// cap_task_prctl() and cap_prctl_drop(), security/commoncap.c.
std::int64_t Credentials::prctl(int option, std::uint64_t a2, std::uint64_t a3, std::uint64_t a4,
                                std::uint64_t a5) {
  constexpr std::uint32_t kAllBits = SECURE_ALL_BITS, kAllLocks = SECURE_ALL_LOCKS;
  switch (option) {
    case PR_CAPBSET_READ:
      if (!valid(a2)) return -EINVAL;
      return (caps.bounding >> a2) & 1;
    case PR_CAPBSET_DROP:
      if (!capable(CAP_SETPCAP)) return -EPERM;
      if (!valid(a2)) return -EINVAL;
      caps.bounding &= ~bit(static_cast<int>(a2));
      return 0;
    case PR_GET_KEEPCAPS: return (securebits & SECBIT_KEEP_CAPS) != 0;
    case PR_SET_KEEPCAPS:
      if (a2 > 1) return -EINVAL;
      if (securebits & SECBIT_KEEP_CAPS_LOCKED) return -EPERM;
      securebits = a2 ? securebits | SECBIT_KEEP_CAPS : securebits & ~SECBIT_KEEP_CAPS;
      return 0;
    case PR_GET_SECUREBITS: return securebits;
    case PR_SET_SECUREBITS:
      // No change of a locked bit, no unlocking, no unknown bit, and
      // CAP_SETPCAP for anything.
      if ((((securebits & kAllLocks) >> 1) & (securebits ^ a2)) != 0 ||
          (securebits & kAllLocks & ~a2) != 0 || (a2 & ~std::uint64_t{kAllLocks | kAllBits}) != 0 ||
          !capable(CAP_SETPCAP)) {
        return -EPERM;
      }
      securebits = static_cast<std::uint32_t>(a2);
      return 0;
    case PR_CAP_AMBIENT:
      if (a2 == PR_CAP_AMBIENT_CLEAR_ALL) {
        if (a3 | a4 | a5) return -EINVAL;
        caps.ambient = 0;
        return 0;
      }
      if (!valid(a3) || a4 || a5) return -EINVAL;
      if (a2 == PR_CAP_AMBIENT_IS_SET) return (caps.ambient >> a3) & 1;
      if (a2 == PR_CAP_AMBIENT_LOWER) {
        caps.ambient &= ~bit(static_cast<int>(a3));
        return 0;
      }
      if (a2 != PR_CAP_AMBIENT_RAISE) return -EINVAL;
      if (!((caps.permitted & caps.inheritable) >> a3 & 1) ||
          (securebits & SECBIT_NO_CAP_AMBIENT_RAISE)) {
        return -EPERM;
      }
      caps.ambient |= bit(static_cast<int>(a3));
      return 0;
    default: return -EINVAL;
  }
}

}  // namespace cocoon::syscalls
