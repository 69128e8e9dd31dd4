#include "ptrace/ptrace_stops.h"

#include <sys/ptrace.h>

#include <cerrno>
#include <csignal>

namespace cocoon::syscalls {
namespace {

// The options the emulation implements (ptrace.h's PTRACE_O_*).
constexpr std::uint64_t kImplemented = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
                                       PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                                       PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
                                       PTRACE_O_TRACEVFORKDONE | PTRACE_O_TRACESECCOMP |
                                       PTRACE_O_EXITKILL;
// Every option the kernel knows (PTRACE_O_MASK, include/uapi/linux/ptrace.h).
constexpr std::uint64_t kKnown = 0x000000ff | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP;

constexpr int stopped(int signal_and_event) { return (signal_and_event << 8) | 0x7f; }

}  // namespace

int stop_status(StopKind kind, int value, std::uint64_t options, bool seized) {
  switch (kind) {
    case StopKind::kNone: return 0;
    case StopKind::kSignal: return stopped(value);
    case StopKind::kSyscallEntry:
    case StopKind::kSyscallExit:
      return stopped((options & PTRACE_O_TRACESYSGOOD) != 0 ? SIGTRAP | 0x80 : SIGTRAP);
    case StopKind::kEvent: return stopped(SIGTRAP | value << 8);
    case StopKind::kEventStop:
      return seized ? stopped(value | PTRACE_EVENT_STOP << 8) : stopped(value);
    case StopKind::kDeath: return value;
  }
  return 0;
}

bool wait_selects(pid_t selector, pid_t tid) {
  return selector > 0 ? selector == tid : true;
}

int check_options(std::uint64_t options, int unknown) {
  if ((options & ~kKnown) != 0) return unknown;
  if ((options & ~kImplemented) != 0) return EPERM;
  return 0;
}

std::uint64_t option_of_event(int event) {
  switch (event) {
    case PTRACE_EVENT_FORK: return PTRACE_O_TRACEFORK;
    case PTRACE_EVENT_VFORK: return PTRACE_O_TRACEVFORK;
    case PTRACE_EVENT_CLONE: return PTRACE_O_TRACECLONE;
    case PTRACE_EVENT_EXEC: return PTRACE_O_TRACEEXEC;
    case PTRACE_EVENT_EXIT: return PTRACE_O_TRACEEXIT;
    case PTRACE_EVENT_VFORK_DONE: return PTRACE_O_TRACEVFORKDONE;
    case PTRACE_EVENT_SECCOMP: return PTRACE_O_TRACESECCOMP;
    default: return 0;
  }
}

bool event_message_is_pid(int event) {
  switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_VFORK_DONE:
    case PTRACE_EVENT_EXEC: return true;
    default: return false;
  }
}

int may_attach(const AttachFacts& f) {
  const bool cap = f.caller_cap_over_creds;
  bool same = true;
  for (int i = 0; i < 3; ++i) {
    same = same && f.target_uids[i] == f.caller_uid && f.target_gids[i] == f.caller_gid;
  }
  if (!same && !cap) return EPERM;
  if (!f.target_dumpable && !f.caller_cap_over_memory) return EPERM;
  if (!f.caps_cover && !cap) return EPERM;  // the capability module's rule
  // Yama: 1 restricts to descendants, 2 to CAP_SYS_PTRACE, 3 forbids.
  switch (f.yama_scope) {
    case 0: return 0;
    case 1: return f.target_descends || cap ? 0 : EPERM;
    case 2: return cap ? 0 : EPERM;
    default: return EPERM;
  }
}

}  // namespace cocoon::syscalls
