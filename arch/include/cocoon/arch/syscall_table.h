// The one table of Linux system calls cocoon knows, generated at build time
// from arch/syscalls.tbl and checked against each arch's kernel headers.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "cocoon/arch/arch.h"

namespace cocoon::arch {

// What an argument means to cocoon; handlers and the filter select syscalls by
// role, so a new path syscall needs only a table row.
enum class ArgRole : std::uint8_t {
  kOther = 0,   // nothing cocoon interprets
  kPath,        // const char* path name in guest memory
  kDirfd,       // directory fd a relative kPath is resolved against
  kAtFlags,     // AT_* flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH...)
  kPid,         // a process or thread id
  kUid,         // a user id
  kGid,         // a group id
  kFdIn,        // an fd the call uses
  kFdOut,       // pointer to fds the kernel writes (pipe2, socketpair)
  kSockaddr,    // const struct sockaddr* (AF_UNIX names are paths)
};

// What the result means.
enum class RetRole : std::uint8_t { kOther = 0, kFd, kPid, kUid, kGid };

inline constexpr int kMaxArgs = 6;
inline constexpr std::int16_t kAbsent = -1;

struct SyscallDesc {
  std::string_view name;
  std::array<std::int16_t, kArchCount> nr;  // kAbsent where the arch lacks it
  std::array<ArgRole, kMaxArgs> args;
  std::array<std::string_view, kMaxArgs> arg_names;  // the kernel's parameter names
  std::uint8_t arg_count;
  RetRole ret;
  // The kernel version that added it, as major*100+minor, when newer than the
  // headers the table was checked against (0 otherwise).
  std::uint16_t since;

  int number(Arch a) const { return nr[static_cast<std::size_t>(a)]; }
  bool exists_on(Arch a) const { return number(a) != kAbsent; }
  bool has_role(ArgRole role) const;
  // Index of the first argument with `role`, or -1.
  int arg_index(ArgRole role) const;
};

// Every row, in table order.
std::span<const SyscallDesc> all_syscalls();
// nullptr when unknown.
const SyscallDesc* find_syscall(std::string_view name);
const SyscallDesc* find_syscall(Arch a, long nr);
// One past the largest number any row has on `a` (sizes per-arch lookup tables).
int max_syscall_number(Arch a);

std::string_view role_name(ArgRole r);
std::string_view ret_role_name(RetRole r);

}  // namespace cocoon::arch
