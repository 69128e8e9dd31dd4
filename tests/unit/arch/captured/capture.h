// One register capture made by capture/regcapture.c on a real kernel: the
// NT_PRSTATUS image at the seccomp stop and at the exit stop of
// getppid(expected_args...), next to what PTRACE_GET_SYSCALL_INFO reported.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace cocoon::arch::captured {

struct Stop {
  unsigned op;  // PTRACE_SYSCALL_INFO_SECCOMP (3) or _EXIT (2)
  std::uint32_t audit_arch;
  std::uint64_t ip, sp;
  long long nr;
  std::array<std::uint64_t, 6> args;
  long long rval;
  unsigned is_error;
  long regset_nr;  // NT_ARM_SYSTEM_CALL on aarch64, -1 elsewhere
  std::size_t words;
  std::array<std::uint64_t, 64> image;
};

struct Capture {
  const char* machine;  // uname -m
  const char* kernel;   // uname -r
  std::array<std::uint64_t, 6> expected_args;
  long long ppid;
  Stop entry;
  Stop exit;
};

}  // namespace cocoon::arch::captured
