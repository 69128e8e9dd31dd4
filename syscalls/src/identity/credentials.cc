#include "credentials.h"

#include <algorithm>
#include <cerrno>

namespace cocoon::syscalls {
namespace {

// The id triple and fs id of one kind (uid or gid), so the rules are
// written once for both.
struct Ids {
  std::uint32_t& r;
  std::uint32_t& e;
  std::uint32_t& s;
  std::uint32_t& fs;
  bool privileged;

  bool is_one_of_res(std::uint32_t v) const { return v == r || v == e || v == s; }

  // __sys_setuid(): privileged sets all four; otherwise only euid (and
  // fsuid), to the real or saved id.
  int set(std::uint32_t v) {
    if (v == kUnchanged) return EINVAL;
    if (privileged) {
      r = e = s = fs = v;
      return 0;
    }
    if (v != r && v != s) return EPERM;
    e = fs = v;
    return 0;
  }

  // __sys_setreuid(): the new real id may be the old real or effective one,
  // the new effective id any of the three; the saved id follows the new
  // effective id when the real id is set or the effective one differs from
  // the old real one.
  int set_re(std::uint32_t nr, std::uint32_t ne) {
    if (!privileged) {
      if (nr != kUnchanged && nr != r && nr != e) return EPERM;
      if (ne != kUnchanged && !is_one_of_res(ne)) return EPERM;
    }
    const std::uint32_t old_r = r;
    if (nr != kUnchanged) r = nr;
    if (ne != kUnchanged) e = ne;
    if (nr != kUnchanged || (ne != kUnchanged && ne != old_r)) s = e;
    fs = e;
    return 0;
  }

  // __sys_setresuid(): unprivileged, each new id must be one of the old
  // three.
  int set_res(std::uint32_t nr, std::uint32_t ne, std::uint32_t ns) {
    if (!privileged) {
      for (std::uint32_t v : {nr, ne, ns}) {
        if (v != kUnchanged && !is_one_of_res(v)) return EPERM;
      }
    }
    if (nr != kUnchanged) r = nr;
    if (ne != kUnchanged) e = ne;
    if (ns != kUnchanged) s = ns;
    fs = e;
    return 0;
  }

  // __sys_setfsuid(): returns the old fsuid; changes it to one of the four
  // ids, or to anything when privileged.
  std::uint32_t set_fs(std::uint32_t v) {
    const std::uint32_t old = fs;
    if (v != kUnchanged && (privileged || is_one_of_res(v) || v == fs)) fs = v;
    return old;
  }
};

}  // namespace

bool Credentials::in_group(std::uint32_t gid) const {
  if (gid == fsgid) return true;
  for (std::uint32_t g : groups) {
    if (g == gid) return true;
  }
  return false;
}

Credentials Credentials::of(std::uint32_t uid, std::uint32_t gid, std::uint64_t bounding) {
  Credentials c;
  c.ruid = c.euid = c.suid = c.fsuid = uid;
  c.rgid = c.egid = c.sgid = c.fsgid = gid;
  c.groups = {gid};
  c.caps.bounding = bounding;
  if (uid == c.root_uid) c.caps.permitted = c.caps.effective = bounding;
  return c;
}

// The uid calls ask CAP_SETUID, and then move the capabilities as the ids
// moved (fix_caps_after_uids); the gid calls ask CAP_SETGID and leave the
// capabilities alone.
int Credentials::setuid(std::uint32_t uid) {
  const std::uint32_t old[3] = {ruid, euid, suid};
  const int err = Ids{ruid, euid, suid, fsuid, capable(CAP_SETUID)}.set(uid);
  if (err == 0) fix_caps_after_uids(old[0], old[1], old[2]);
  return err;
}
int Credentials::setreuid(std::uint32_t r, std::uint32_t e) {
  const std::uint32_t old[3] = {ruid, euid, suid};
  const int err = Ids{ruid, euid, suid, fsuid, capable(CAP_SETUID)}.set_re(r, e);
  if (err == 0) fix_caps_after_uids(old[0], old[1], old[2]);
  return err;
}
int Credentials::setresuid(std::uint32_t r, std::uint32_t e, std::uint32_t s) {
  const std::uint32_t old[3] = {ruid, euid, suid};
  const int err = Ids{ruid, euid, suid, fsuid, capable(CAP_SETUID)}.set_res(r, e, s);
  if (err == 0) fix_caps_after_uids(old[0], old[1], old[2]);
  return err;
}
std::uint32_t Credentials::setfsuid(std::uint32_t uid) {
  const std::uint32_t old = Ids{ruid, euid, suid, fsuid, capable(CAP_SETUID)}.set_fs(uid);
  fix_caps_after_fsuid(old);
  return old;
}
int Credentials::setgid(std::uint32_t gid) { return Ids{rgid, egid, sgid, fsgid, capable(CAP_SETGID)}.set(gid); }
int Credentials::setregid(std::uint32_t r, std::uint32_t e) {
  return Ids{rgid, egid, sgid, fsgid, capable(CAP_SETGID)}.set_re(r, e);
}
int Credentials::setresgid(std::uint32_t r, std::uint32_t e, std::uint32_t s) {
  return Ids{rgid, egid, sgid, fsgid, capable(CAP_SETGID)}.set_res(r, e, s);
}
std::uint32_t Credentials::setfsgid(std::uint32_t gid) {
  return Ids{rgid, egid, sgid, fsgid, capable(CAP_SETGID)}.set_fs(gid);
}

// setgroups(2) (kernel/groups.c): CAP_SETGID is checked first, then at
// most NGROUPS_MAX; the list is kept sorted (groups_sort(), for
// in_group_p's binary search), which getgroups(2) then shows.
int Credentials::setgroups(std::vector<std::uint32_t> list) {
  if (!capable(CAP_SETGID)) return EPERM;
  if (list.size() > kNgroupsMax) return EINVAL;
  std::sort(list.begin(), list.end());
  groups = std::move(list);
  return 0;
}

}  // namespace cocoon::syscalls
