// What an emulated tracee's stop looks like to its emulated tracer: the
// status word its wait4 returns, which of its waits select it, and which
// PTRACE_SETOPTIONS bits the emulation honours. Pure code, unit-tested
// (tests/unit/ptrace_stops_test.cc); docs/architecture.md, "ptrace inside a
// guest".
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace cocoon::syscalls {

// The ptrace-stops the emulation reports (ptrace(2), "Stopped states").
enum class StopKind : std::uint8_t {
  kNone,          // running, or a stop its tracer has not been told of yet
  kSignal,        // signal-delivery-stop
  kSyscallEntry,  // syscall-enter-stop (PTRACE_SYSCALL)
  kSyscallExit,   // syscall-exit-stop
  kExec,          // PTRACE_EVENT_EXEC stop (PTRACE_O_TRACEEXEC)
};

// The status word wait4 stores for `kind` (ptrace(2), "Stopped states";
// wait(2)): WIFSTOPPED with the signal in bits 8..15 and a ptrace event in
// 16..23. A syscall-stop is SIGTRAP, SIGTRAP|0x80 under
// PTRACE_O_TRACESYSGOOD; an exec event SIGTRAP | PTRACE_EVENT_EXEC << 8.
int stop_status(StopKind kind, int signal, std::uint64_t options);

// Whether wait4's pid argument `selector` (wait(2): -1 any child, > 0 that
// one) names the tracee `tid`. 0 and < -1 (a process group) are taken as
// "any": the emulation does not track the tracees' groups.
bool wait_selects(pid_t selector, pid_t tid);

// PTRACE_SETOPTIONS' answer for `options` before any is applied: 0, EINVAL
// for a bit the kernel does not know (ptrace_setoptions(), kernel/ptrace.c),
// or EPERM for one the emulation does not implement yet (the fork, clone,
// vfork, exit and seccomp events, PTRACE_O_SUSPEND_SECCOMP): refused as
// every ptrace request was before the emulation, never half applied.
int check_options(std::uint64_t options);

}  // namespace cocoon::syscalls
