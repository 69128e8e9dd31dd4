#include "path_effects.h"

#include <fcntl.h>

#include <cerrno>

namespace cocoon::syscalls {

using arch::Effect;

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
      effect = writes ? Effect::kModify : Effect::kRead;
    }
  }
  if (effect == Effect::kRead || !r.mount.read_only) return 0;
  if (effect == Effect::kModify) return missing ? ENOENT : EROFS;
  if (!missing && effect == Effect::kCreate) return EEXIST;  // kReplace may replace it
  return EROFS;
}

}  // namespace cocoon::syscalls
