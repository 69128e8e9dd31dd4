// For live unit tests of handlers: forks a child that stops at every call
// of syscall `nr`, or of each of `nrs` (trace_syscalls), and runs `child` (whose return is
// its exit status), and dispatches each of those stops through
// `dispatcher` as the tracer does: the entry, the answer of a skipped
// call, the exit stop when a handler asks for it. `ready(pid)` runs
// before the child goes on. The child's exit status, or -1.
#pragma once

#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <vector>

#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/tracee.h"
#include "trace_one_syscall.h"

namespace cocoon::testing {

template <typename Ready, typename Child>
int dispatch_child(tracer::Dispatcher& dispatcher, const std::vector<std::uint32_t>& nrs,
                   Ready&& ready, Child&& child) {
  int go[2];
  if (pipe(go) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    char c;
    if (read(go[0], &c, 1) != 1) _exit(120);
    if (!trace_syscalls(nrs)) _exit(121);
    _exit(child());
  }
  close(go[0]);
  const long options = PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD;
  if (ptrace(PTRACE_SEIZE, pid, 0, options) != 0) return -1;
  ready(pid);
  if (write(go[1], "x", 1) != 1) return -1;
  close(go[1]);
  tracer::Tracee t;
  t.tid = t.tgid = pid;
  int status = 0;
  while (waitpid(pid, &status, __WALL) == pid && !WIFEXITED(status) && !WIFSIGNALED(status)) {
    int sig = 0;
    bool to_exit = false;
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
      auto regs = arch::SyscallRegs::load(pid);
      if (!regs) return -1;
      const tracer::Verdict v = dispatcher.on_entry(t, *regs);
      if (v.kind == tracer::Verdict::Kind::kSkip) regs->skip_with(v.value);
      to_exit = v.want_exit;
      if (!regs->store(pid)) return -1;
    } else if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
      auto regs = arch::SyscallRegs::load(pid);
      if (!regs) return -1;
      dispatcher.on_exit(t, *regs);
      if (!regs->store(pid)) return -1;
    } else if (status >> 16 == 0) {
      sig = WSTOPSIG(status);
    }
    ptrace(to_exit ? PTRACE_SYSCALL : PTRACE_CONT, pid, 0, sig);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

template <typename Ready, typename Child>
int dispatch_child(tracer::Dispatcher& dispatcher, long nr, Ready&& ready, Child&& child) {
  return dispatch_child(dispatcher, std::vector{static_cast<std::uint32_t>(nr)}, ready, child);
}

}  // namespace cocoon::testing
