#include "path_effects.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace cocoon::syscalls {

using arch::Effect;

namespace {

// What open(2) of an existing entry gets from the mount, in the kernel's
// order: O_CREAT or a write on a directory is EISDIR whatever the mount
// (do_open(), may_open() in fs/namei.c), left to the kernel; a device on
// a nodev mount is EACCES for any access (may_open_dev()); and only a
// regular file opened for writing asks the mount for write access
// (do_dentry_open() skips special_file()s), so a FIFO, socket or device
// on a read-only mount opens for writing.
int open_error(bool writes, const vfs::Resolved& r) {
  if (r.kind == vfs::EntryKind::kDirectory) return 0;
  const bool ro = writes && r.mount.read_only;
  if (!ro && !r.mount.no_devices) return 0;
  struct stat st {};
  if (::stat(r.host.c_str(), &st) != 0) return ro ? EROFS : 0;  // the kernel answers the rest
  if (r.mount.no_devices && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) return EACCES;
  if (ro && S_ISREG(st.st_mode)) return EROFS;
  return 0;
}

}  // namespace

int effect_error(Effect effect, std::uint64_t open_flags, const vfs::Resolved& r) {
  const bool missing = r.kind == vfs::EntryKind::kMissing;
  if (effect == Effect::kOpenFlags) {
    const bool writes = (open_flags & O_ACCMODE) != O_RDONLY || (open_flags & O_TRUNC) != 0;
    const bool creates = (open_flags & O_CREAT) != 0;
    if (missing) {
      if (!creates) return 0;  // the kernel says ENOENT, with nothing to change
      effect = Effect::kCreate;
    } else if (creates && (open_flags & O_EXCL) != 0) {
      return 0;  // EEXIST from the kernel
    } else {
      return open_error(writes, r);
    }
  }
  if (effect == Effect::kRead || !r.mount.read_only) return 0;
  if (effect == Effect::kModify) return missing ? ENOENT : EROFS;
  if (!missing && effect == Effect::kCreate) return EEXIST;  // kReplace may replace it
  return EROFS;
}

}  // namespace cocoon::syscalls
