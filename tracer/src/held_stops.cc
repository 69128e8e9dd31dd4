// The tracer's StopControl: how a handler ends the stops it keeps
// (Tracee::held). Only the guest's emulated ptrace keeps any
// (syscalls/src/ptrace/, docs/architecture.md "ptrace inside a guest").
#include <sys/ptrace.h>

#include <cerrno>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracer.h"

namespace cocoon::tracer {

void Tracer::release(pid_t tid, int signal, bool step_all) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !t->held) return;
  t->held = false;
  t->step_all = step_all;
  if (t->entry_pending) {
    // Without seccomp the entry's handlers have not run yet: they run now,
    // on the registers the guest's tracer may have changed.
    t->entry_pending = false;
    auto regs = arch::SyscallRegs::load(tid);
    if (!regs) return resume(*t);
    return on_syscall_entry(*t, *regs);
  }
  resume(*t, signal);
}

void Tracer::finish_entry(pid_t tid, std::int64_t result) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !t->held) return;
  t->held = false;
  // A skipped call has no exit for the handlers (Dispatcher::on_entry).
  t->exit_handlers = 0;
  registry_->end_call(tid);
  auto regs = arch::SyscallRegs::load(tid);
  if (!regs) return resume(*t);
  regs->skip_with(result);
  if (!options_.use_seccomp) t->forced_result = result;
  if (auto r = regs->store(tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", tid, r.error());
  }
  resume(*t);
}

void Tracer::interrupt(pid_t tid) {
  if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0 && errno != ESRCH) {
    log().warn("PTRACE_INTERRUPT {}: errno {}", tid, errno);
  }
}

void Tracer::listen(pid_t tid) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !t->held) return;
  t->held = false;
  t->listening = true;
  if (ptrace(PTRACE_LISTEN, tid, 0, 0) != 0 && errno != ESRCH) {
    log().warn("PTRACE_LISTEN {}: errno {}", tid, errno);
  }
}

void Tracer::trace_exits(pid_t tid, bool on) {
  const unsigned long options =
      on ? ptrace_options_ | PTRACE_O_TRACEEXIT : ptrace_options_;
  if (ptrace(PTRACE_SETOPTIONS, tid, 0, options) != 0 && errno != ESRCH) {
    log().warn("PTRACE_SETOPTIONS {}: errno {}", tid, errno);
  }
}

}  // namespace cocoon::tracer
