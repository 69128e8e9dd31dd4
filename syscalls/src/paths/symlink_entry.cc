#include "symlink_entry.h"

#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <span>

#include "paths.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// What lstat(2) of the entry shows: a symlink (mode 0777, as every symlink),
// its size the length of its body, owned and timed like the root directory.
struct stat link_stat(const vfs::Resolved& r, const vfs::MountTable& table) {
  struct stat root {};
  ::stat(table.root().source.c_str(), &root);
  struct stat st {};
  st.st_dev = root.st_dev;
  st.st_ino = std::hash<std::string>{}(r.guest.str()) | 1;
  st.st_mode = S_IFLNK | 0777;
  st.st_nlink = 1;
  st.st_uid = root.st_uid;
  st.st_gid = root.st_gid;
  st.st_size = static_cast<off_t>(r.mount.symlink_target.size());
  st.st_blksize = root.st_blksize;
  st.st_atim = st.st_mtim = st.st_ctim = root.st_mtim;
  return st;
}

template <typename T>
Verdict reply_struct(tracer::SyscallStop& stop, std::uint64_t addr, const T& value) {
  if (!stop.memory.write(addr, std::as_bytes(std::span(&value, 1)))) return Verdict::deny(EFAULT);
  return Verdict::skip(0);
}

Verdict reply_statx(tracer::SyscallStop& stop, std::uint64_t addr, const struct stat& st) {
  struct statx sx {};
  sx.stx_mask = STATX_BASIC_STATS;
  sx.stx_blksize = static_cast<__u32>(st.st_blksize);
  sx.stx_nlink = 1;
  sx.stx_uid = st.st_uid;
  sx.stx_gid = st.st_gid;
  sx.stx_mode = static_cast<__u16>(st.st_mode);
  sx.stx_ino = st.st_ino;
  sx.stx_size = static_cast<__u64>(st.st_size);
  sx.stx_mtime = {st.st_mtim.tv_sec, static_cast<__u32>(st.st_mtim.tv_nsec), 0};
  sx.stx_atime = sx.stx_ctime = sx.stx_mtime;
  sx.stx_dev_major = major(st.st_dev);
  sx.stx_dev_minor = minor(st.st_dev);
  return reply_struct(stop, addr, sx);
}

}  // namespace

std::optional<Verdict> answer_symlink_entry(tracer::SyscallStop& stop, const arch::PathSpec& arg,
                                            const vfs::Resolved& r, const vfs::MountTable& table) {
  if (r.mount.kind != vfs::MountKind::kSymlink || r.kind != vfs::EntryKind::kSymlink) {
    return std::nullopt;
  }
  using arch::ArgRole;
  const arch::SyscallDesc& row = stop.desc;
  const auto& regs = stop.regs;
  if (arch::is_any(row.sys, {arch::Sys::readlink, arch::Sys::readlinkat})) {
    return reply_readlink(stop, arg, r.mount.symlink_target);
  }
  if (const int buf = row.arg_index(ArgRole::kStatBuf); buf >= 0) {
    return reply_struct(stop, regs.arg(buf), link_stat(r, table));
  }
  if (const int buf = row.arg_index(ArgRole::kStatxBuf); buf >= 0) {
    return reply_statx(stop, regs.arg(buf), link_stat(r, table));
  }
  // No extended attributes: none to read (xattr(7): ENODATA), an empty list.
  const bool reads = arg.effect == arch::Effect::kRead;
  if (reads && row.has_role(ArgRole::kXattrName)) return Verdict::deny(ENODATA);
  if (row.has_role(ArgRole::kXattrList)) return Verdict::skip(0);
  if (reads) return Verdict::deny(ENOENT);
  return Verdict::deny(EROFS);
}

}  // namespace cocoon::syscalls
