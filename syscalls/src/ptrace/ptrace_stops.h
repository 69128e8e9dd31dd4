// What an emulated tracee's stop looks like to its emulated tracer: the
// status word its wait4 returns, which of its waits select it, and which
// PTRACE_SETOPTIONS bits the emulation honours. Pure code, unit-tested
// (tests/unit/syscalls/ptrace_stops_test.cc); docs/internals/ptrace.md.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace cocoon::syscalls {

// The ptrace-stops the emulation reports (ptrace(2), "Stopped states"),
// and a traced task's death, which its tracer's wait reports too.
enum class StopKind : std::uint8_t {
  kNone,          // running (or listening), or dead and reaped
  kSignal,        // signal-delivery-stop; value: the signal
  kSyscallEntry,  // syscall-enter-stop (PTRACE_SYSCALL)
  kSyscallExit,   // syscall-exit-stop
  kEvent,         // PTRACE_EVENT_EXEC/FORK/VFORK/CLONE/EXIT stop; value: the event
  kEventStop,     // PTRACE_EVENT_STOP (group-stop or interrupt-stop); value: the signal
  kDeath,         // dead, its tracer not its parent; value: the wait status
};

// The status word wait4 stores for a stop of `kind` with `value` (above)
// (ptrace(2), "Stopped states"; wait(2)): WIFSTOPPED with the signal in
// bits 8..15 and a ptrace event in 16..23. A syscall-stop is SIGTRAP,
// SIGTRAP|0x80 under PTRACE_O_TRACESYSGOOD; an event SIGTRAP | event << 8;
// a group-stop is reported as PTRACE_EVENT_STOP only to a tracer that
// used PTRACE_SEIZE (`seized`), as the bare signal otherwise; a death is
// its own wait status.
int stop_status(StopKind kind, int value, std::uint64_t options, bool seized);

// Whether wait4's pid argument `selector` (wait(2): -1 any child, > 0 that
// one) names the tracee `tid`. 0 and < -1 (a process group) are taken as
// "any": the emulation does not track the tracees' groups.
bool wait_selects(pid_t selector, pid_t tid);

// PTRACE_SETOPTIONS' (and PTRACE_SEIZE's) answer for `options` before any
// is applied: 0, `unknown` (EINVAL for SETOPTIONS, EIO for SEIZE) for a bit
// the kernel does not know (ptrace_setoptions(), ptrace_attach(),
// kernel/ptrace.c), or EPERM for one the emulation does not implement
// (PTRACE_O_SUSPEND_SECCOMP): refused as every ptrace request was before
// the emulation, never half applied.
int check_options(std::uint64_t options, int unknown);

// The PTRACE_O_TRACE* option that asks for the PTRACE_EVENT_* `event`
// (ptrace(2)), 0 for another.
std::uint64_t option_of_event(int event);

// Whether PTRACE_GETEVENTMSG at a stop of PTRACE_EVENT_* `event` gives a
// task's pid, which the kernel gives in its tracer's PID namespace
// (ptrace_event_pid(), include/linux/ptrace.h: the new child of FORK,
// VFORK and CLONE, the vfork child at VFORK_DONE, the former tid at EXEC);
// EXIT gives a wait status, SECCOMP the filter's data.
bool event_message_is_pid(int event);

// Whether a task may PTRACE_ATTACH or PTRACE_SEIZE another, as
// __ptrace_may_access() and Yama decide (kernel/ptrace.c,
// security/yama/yama_lsm.c; Documentation/admin-guide/LSM/Yama.rst):
// 0 or EPERM. Ids as /proc/PID/status gives them (real, effective, saved,
// fs).
struct AttachFacts {
  std::uint32_t caller_uid = 0, caller_gid = 0;       // the caller's real ids
  std::uint32_t target_uids[3]{}, target_gids[3]{};   // real, effective, saved
  // CAP_SYS_PTRACE over the target's credentials, and over its memory
  // (the check of a target that is not dumpable): guard/ptrace_cap.h.
  bool caller_cap_over_creds = false;
  bool caller_cap_over_memory = false;
  // Same user namespace, the target's permitted set within the caller's.
  bool caps_cover = true;
  bool target_dumpable = true;         // get_dumpable() == SUID_DUMP_USER
  bool target_descends = false;        // the caller is one of its ancestors
  int yama_scope = 0;                  // ptrace_scope; 0 without Yama
};
int may_attach(const AttachFacts& facts);

}  // namespace cocoon::syscalls
