#include "cocoon/tracer/wait_event.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

#include <csignal>

namespace cocoon::tracer {
namespace {

// With PTRACE_SEIZE, group-stops report as PTRACE_EVENT_STOP whose stop signal
// is one of the four stopping signals; any other signal (SIGTRAP) is an
// interrupt or a new child's first stop (ptrace(2), "Group-stop").
bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

WaitEvent decode_event_stop(WaitEvent ev, int status) {
  const int sig = WSTOPSIG(status);
  ev.ptrace_event = status >> 16;
  switch (ev.ptrace_event) {
    case PTRACE_EVENT_SECCOMP: ev.kind = EventKind::kSeccompStop; break;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: ev.kind = EventKind::kCloneEvent; break;
    case PTRACE_EVENT_EXEC: ev.kind = EventKind::kExecEvent; break;
    case PTRACE_EVENT_VFORK_DONE: ev.kind = EventKind::kVforkDoneEvent; break;
    case PTRACE_EVENT_EXIT: ev.kind = EventKind::kExitEvent; break;
    case PTRACE_EVENT_STOP:
      ev.signal = sig;
      ev.kind = is_stop_signal(sig) ? EventKind::kGroupStop : EventKind::kInterruptStop;
      break;
    default: ev.kind = EventKind::kUnknown; break;
  }
  return ev;
}

}  // namespace

WaitEvent decode_wait_status(pid_t tid, int status) {
  WaitEvent ev;
  ev.tid = tid;
  if (WIFEXITED(status)) {
    ev.kind = EventKind::kExited;
    ev.code = WEXITSTATUS(status);
    return ev;
  }
  if (WIFSIGNALED(status)) {
    ev.kind = EventKind::kKilled;
    ev.signal = WTERMSIG(status);
    ev.core_dumped = WCOREDUMP(status);
    return ev;
  }
  if (!WIFSTOPPED(status)) return ev;
  if (status >> 16 != 0) return decode_event_stop(ev, status);
  const int sig = WSTOPSIG(status);
  if (sig == (SIGTRAP | 0x80)) {
    ev.kind = EventKind::kSyscallStop;
    return ev;
  }
  ev.kind = EventKind::kSignalStop;
  ev.signal = sig;
  return ev;
}

const char* event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::kExited: return "exited";
    case EventKind::kKilled: return "killed";
    case EventKind::kSeccompStop: return "seccomp-stop";
    case EventKind::kSyscallStop: return "syscall-stop";
    case EventKind::kCloneEvent: return "clone-event";
    case EventKind::kExecEvent: return "exec-event";
    case EventKind::kVforkDoneEvent: return "vfork-done";
    case EventKind::kExitEvent: return "exit-event";
    case EventKind::kGroupStop: return "group-stop";
    case EventKind::kInterruptStop: return "interrupt-stop";
    case EventKind::kSignalStop: return "signal-stop";
    case EventKind::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace cocoon::tracer
