// For live unit tests: makes the calling (child) process stop at every call
// of syscall `nr` (or of each of `nrs`) through seccomp (SECCOMP_RET_TRACE, so its tracer needs
// PTRACE_O_TRACESECCOMP) and run every other one. false when the filter
// could not be installed.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cocoon::testing {

inline bool trace_syscalls(const std::vector<std::uint32_t>& nrs) {
  std::vector<sock_filter> prog{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr))};
  for (std::uint32_t nr : nrs) {
    prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
  }
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0;
}

inline bool trace_one_syscall(std::uint32_t nr) { return trace_syscalls({nr}); }

}  // namespace cocoon::testing
