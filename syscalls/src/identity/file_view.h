// What the guest is told about a file: the host's statx of it with the
// OwnershipDb's record applied. Shared by FileOwners' calls on existing
// files and by the creations (file_creation.h), which ask it about the
// directory a new file goes into.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <expected>

#include "file_target.h"
#include "identity.h"

namespace cocoon::syscalls {

// The tracer's own statx of `t` (with STATX_BTIME, which records keep).
std::expected<struct statx, int> host_statx(const Target& t, unsigned mask = STATX_BASIC_STATS,
                                            int sync = 0);

FileKey key_of(const struct statx& sx);

// The record of the file `sx` describes, if any (a reused inode number's
// stale one is dropped).
const FileRecord* record_of(IdentityState& s, const struct statx& sx);

// What the guest is told about the file `sx` describes.
struct Shown {
  std::uint32_t uid, gid, mode;
  std::uint64_t rdev;
};
Shown shown(IdentityState& s, const struct statx& sx);

// struct stat of this arch from `sx`, with owner, mode and rdev `v`.
struct stat stat_of(const struct statx& sx, const Shown& v);

// Task `tid`'s umask (/proc/TID/status, Linux 4.7).
std::uint32_t process_umask(pid_t tid);

}  // namespace cocoon::syscalls
