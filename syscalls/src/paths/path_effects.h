// What a syscall's effect on a path means under a read-only mount.
#pragma once

#include <cstdint>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/vfs/resolver.h"

namespace cocoon::syscalls {

// 0 when the call may go ahead, else the errno the guest gets. Under a
// read-only mount a change is EROFS, after the checks the kernel makes
// first: a missing entry that is not being created is ENOENT, an existing
// one that mkdir/mknod/symlink/link would create is EEXIST (filename_create()
// in fs/namei.c looks up before mnt_want_write() reports); the new name of a
// rename (kReplace) may exist.
int effect_error(arch::Effect effect, std::uint64_t open_flags, const vfs::Resolved& r);

}  // namespace cocoon::syscalls
