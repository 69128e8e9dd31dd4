#include "ptrace/ptrace_stops.h"

#include <sys/ptrace.h>

#include <cerrno>
#include <csignal>

namespace cocoon::syscalls {
namespace {

// The options the emulation implements (ptrace.h's PTRACE_O_*).
constexpr std::uint64_t kImplemented =
    PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
// Every option the kernel knows (PTRACE_O_MASK, include/uapi/linux/ptrace.h).
constexpr std::uint64_t kKnown = 0x000000ff | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP;

constexpr int stopped(int signal_and_event) { return (signal_and_event << 8) | 0x7f; }

}  // namespace

int stop_status(StopKind kind, int signal, std::uint64_t options) {
  switch (kind) {
    case StopKind::kNone: return 0;
    case StopKind::kSignal: return stopped(signal);
    case StopKind::kSyscallEntry:
    case StopKind::kSyscallExit:
      return stopped((options & PTRACE_O_TRACESYSGOOD) != 0 ? SIGTRAP | 0x80 : SIGTRAP);
    case StopKind::kExec: return stopped(SIGTRAP | PTRACE_EVENT_EXEC << 8);
  }
  return 0;
}

bool wait_selects(pid_t selector, pid_t tid) {
  return selector > 0 ? selector == tid : true;
}

int check_options(std::uint64_t options) {
  if ((options & ~kKnown) != 0) return EINVAL;
  if ((options & ~kImplemented) != 0) return EPERM;
  return 0;
}

}  // namespace cocoon::syscalls
