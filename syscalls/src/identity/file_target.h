// Where FileOwners finds the guest's file for the tracer's own calls (statx,
// fchmodat, mknodat, listxattr...): decoded from the call's row in
// arch/syscalls.tbl (its path with dirfd, follow mode and AT_EMPTY_PATH, or
// its fd), as Paths translated the path (tracer::DecodedCall).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "cocoon/tracer/handler.h"
#include "paths/guest_fds.h"
#include "owned_fd.h"

namespace cocoon::syscalls {

// Where the tracer finds the guest's file for its own calls: the path the
// kernel is handed (the decoded call's, when Paths translated it; else the
// guest's own), relative ones anchored at the tracee's cwd or dirfd
// through /proc, an fd through its magic link.
struct Target {
  std::string path;
  bool follow = true;
  // "/proc/TID/fd/N" when `path` goes through the guest's fd N: if that
  // is not open, the kernel's fdget() fails first, with EBADF, where the
  // tracer's lookup of the missing link only says ENOENT.
  std::string fd_link;
  // The same file for statx, faster: the guest's dirfd N duplicated
  // (GuestFds) and the non-empty path relative to it. Absent (-1) for an
  // absolute path, one relative to the cwd, an fd itself (closing a
  // duplicate of the file flushes it: GuestFds), or when no duplicate was
  // had.
  OwnedFd base;
  std::string rel;
};

// The file a call acts on: its row's path `i` (SyscallDesc::paths), or for
// the f* calls its fd argument. `io`: a call the kernel resolves its fd for
// with fdget(), which an O_PATH descriptor fails with EBADF (fchown, fchmod,
// f*xattr: fs/open.c, fs/xattr.c), unlike fstat's fdget_raw().
std::expected<Target, int> target(GuestFds& fds, tracer::SyscallStop& stop, bool io, int i = 0);

// A name as the tracer's *at() calls take it: the guest's duplicated
// dirfd, or AT_FDCWD with an absolute path. An empty name is the dirfd
// itself (AT_EMPTY_PATH).
struct At {
  int dirfd;
  std::string name;
};
At entry_at(const Target& t);
// The directory the entry `t` names goes in (or is in).
At parent_at(const Target& t);
std::string_view without_trailing_slashes(std::string_view p);

// The errno the guest gets for `err` from a call on `t`: ENOENT through a
// guest fd that is not open is EBADF (lstat of the magic link itself says
// whether the fd exists).
int guest_errno(const Target& t, int err);

// struct xattr_args (include/uapi/linux/xattr.h, Linux 6.13): the
// *xattrat calls pass it in memory, the others in the registers after the
// name, setxattr(path, name, value, size, flags), which the kernel turns
// into the same struct (fs/xattr.c).
struct XattrArgs {
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint32_t flags = 0;
};

// nullopt when the kernel is to answer: unreadable or invalid arguments.
std::optional<XattrArgs> xattr_args(const tracer::SyscallStop& stop);

}  // namespace cocoon::syscalls
