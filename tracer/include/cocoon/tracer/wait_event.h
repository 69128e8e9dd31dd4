// Decoding a waitpid() status into what happened to a tracee. Pure: unit-tested
// from status words without any process (ptrace(2), "Stopped states").
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace cocoon::tracer {

enum class EventKind : std::uint8_t {
  kExited,          // WIFEXITED: code
  kKilled,          // WIFSIGNALED: signal, core_dumped
  kSeccompStop,     // PTRACE_EVENT_SECCOMP: a filter returned SECCOMP_RET_TRACE
  kSyscallStop,     // SIGTRAP|0x80 (PTRACE_O_TRACESYSGOOD): entry or exit
  kCloneEvent,      // PTRACE_EVENT_FORK/VFORK/CLONE: new tid via GETEVENTMSG
  kExecEvent,       // PTRACE_EVENT_EXEC: former tid via GETEVENTMSG
  kVforkDoneEvent,  // PTRACE_EVENT_VFORK_DONE
  kExitEvent,       // PTRACE_EVENT_EXIT
  kGroupStop,       // PTRACE_EVENT_STOP with a stop signal (SEIZE only)
  kInterruptStop,   // PTRACE_EVENT_STOP with SIGTRAP: new child, INTERRUPT, or
                    // the end of a LISTEN on SIGCONT
  kSignalStop,      // signal-delivery-stop: signal to inject on resume
  kUnknown,
};

struct WaitEvent {
  EventKind kind = EventKind::kUnknown;
  pid_t tid = 0;
  int code = 0;     // exit code for kExited
  int signal = 0;   // kKilled, kGroupStop, kSignalStop
  bool core_dumped = false;
  int ptrace_event = 0;  // PTRACE_EVENT_* for the event kinds
};

WaitEvent decode_wait_status(pid_t tid, int status);

// A wait status another task reported while the loop waited for one task's
// stops (an injection, src/injection.h), kept for the loop in order; a
// death among them was counted in Tracer::reaps_ when it was reaped.
struct DeferredWait {
  pid_t tid = 0;
  int status = 0;
};

const char* event_kind_name(EventKind k);

}  // namespace cocoon::tracer
