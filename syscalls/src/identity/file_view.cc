#include "file_view.h"

#include <sys/sysmacros.h>

#include <cerrno>

#include "proc_fields.h"

namespace cocoon::syscalls {

std::expected<struct statx, int> host_statx(const Target& t, unsigned mask, int sync) {
  struct statx sx {};
  const int flags = (t.follow ? 0 : AT_SYMLINK_NOFOLLOW) | sync;
  if (t.base.fd >= 0) {
    // The dirfd is open (it was duplicated): no EBADF to tell apart.
    const int empty = t.rel.empty() ? AT_EMPTY_PATH : 0;
    if (::statx(t.base.fd, t.rel.c_str(), flags | empty, mask | STATX_BTIME, &sx) != 0) {
      return std::unexpected(errno);
    }
    return sx;
  }
  if (::statx(AT_FDCWD, t.path.c_str(), flags, mask | STATX_BTIME, &sx) != 0) {
    return std::unexpected(guest_errno(t, errno));
  }
  return sx;
}

FileKey key_of(const struct statx& sx) {
  return {makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino};
}

const FileRecord* record_of(IdentityState& s, const struct statx& sx) {
  const bool has_btime = sx.stx_mask & STATX_BTIME;
  return s.db.find(key_of(sx), has_btime ? sx.stx_btime.tv_sec : 0,
                   has_btime ? sx.stx_btime.tv_nsec : 0);
}

Shown shown(IdentityState& s, const struct statx& sx) {
  const FileRecord* r = record_of(s, sx);
  if (r && r->mode_faked) return {r->uid, r->gid, r->mode, r->rdev};
  if (r) return {r->uid, r->gid, sx.stx_mode, makedev(sx.stx_rdev_major, sx.stx_rdev_minor)};
  Shown out{sx.stx_uid, sx.stx_gid, sx.stx_mode, makedev(sx.stx_rdev_major, sx.stx_rdev_minor)};
  if (!s.config.unknown_is_real) {
    out.uid = s.config.uid;
    out.gid = s.config.gid;
  }
  return out;
}

struct stat stat_of(const struct statx& sx, const Shown& v) {
  struct stat st {};
  st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  st.st_ino = sx.stx_ino;
  st.st_nlink = sx.stx_nlink;
  st.st_mode = v.mode;
  st.st_uid = v.uid;
  st.st_gid = v.gid;
  st.st_rdev = v.rdev;
  st.st_size = static_cast<off_t>(sx.stx_size);
  st.st_blksize = static_cast<blksize_t>(sx.stx_blksize);
  st.st_blocks = static_cast<blkcnt_t>(sx.stx_blocks);
  st.st_atim = {sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec};
  st.st_mtim = {sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec};
  st.st_ctim = {sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec};
  return st;
}

std::uint32_t process_umask(pid_t tid) {
  const auto umask = proc_field(tid, "status", "Umask:");
  return umask ? static_cast<std::uint32_t>(std::stoul(*umask, nullptr, 8)) : 022;
}

}  // namespace cocoon::syscalls
