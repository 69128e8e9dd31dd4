// `--symlink TARGET GUEST` entries exist only in the mount table: no host
// file backs them. Calls that look at the link itself (not through it) are
// answered by the tracer: readlink gives TARGET, the lstat family a symlink
// owned like the root directory, the l*xattr calls "no attributes", and a
// change is EROFS (the entry is part of the view, like a mount point).
#pragma once

#include <optional>

#include "cocoon/tracer/handler.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/vfs/resolver.h"

namespace cocoon::syscalls {

// nullopt when `r` is not such an entry seen without following. `arg` is
// the path argument `r` came from; the answer's buffers are found by the
// row's roles (statbuf, statxbuf, xattr, xattrlist).
std::optional<tracer::Verdict> answer_symlink_entry(tracer::SyscallStop& stop,
                                                    const arch::PathSpec& arg,
                                                    const vfs::Resolved& r,
                                                    const vfs::MountTable& table);

}  // namespace cocoon::syscalls
