// The ids in a new image's auxiliary vector (getauxval(3)). The kernel puts
// AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE on the stack from the real
// credentials (create_elf_tables(), fs/binfmt_elf.c), and ld.so and libc
// take them from there (glibc's secure mode, getauxval): a process whose
// ids cocoon emulates must find the emulated ones, as it does from
// getuid(2).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cocoon/tracer/memory.h"

namespace cocoon::syscalls {

struct AuxvIds {
  std::uint64_t uid = 0, euid = 0, gid = 0, egid = 0;
  bool secure = false;
};

// `saved` (the vector as /proc/PID/auxv holds it: key/value pairs of the
// image's word, 8 bytes or 4 for a compat one, up to AT_NULL) with the ids
// replaced; nullopt when it is not such a vector or nothing changes.
std::optional<std::string> auxv_with_ids(std::string_view saved, const AuxvIds& ids);

// Writes the ids into the vector on the stack of `tid`, which has just
// exec'd (its exec event: nothing of the image has run). The vector is
// found as the kernel's saved copy holds it, from the stack's start
// (/proc/TID/stat's startstack: argc, then argv, envp, auxv). Best effort:
// a vector not found is left as the kernel wrote it.
void write_auxv_ids(pid_t tid, const tracer::GuestMemory& memory, const AuxvIds& ids);

}  // namespace cocoon::syscalls
