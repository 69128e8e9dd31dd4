// A call run again so that it gets the arg0 a handler chose, where the
// kernel offers no way to change arg0 at the stop: riscv64 before Linux
// 6.16 takes arg0 from orig_a0, which only PTRACE_SET_SYSCALL_INFO writes
// (docs/kernel-facts.md, "Registers per architecture"). The route
// (docs/internals/event-loop.md, "A call run again"):
//   1. at the entry, after the handlers: the call is skipped (number -1);
//   2. at the skip's exit stop: the ip goes back onto the syscall
//      instruction, with the number and the new arg0 in the registers the
//      instruction reads (arch::SyscallRegs::rerun_call); nothing runs;
//   3. the task runs the instruction again: the kernel copies a0 into
//      orig_a0, and the call's entry (the same ip, number and arg0) passes
//      without the handlers, which already ran;
//   4. at its exit stop the handlers' exits run as for any call. A restart
//      after a signal comes back to 3 (the kernel rewinds to the same
//      registers).
// Two stops more than a rewritten call elsewhere. Pointers in arg0 do not
// take this route: a signal handler run between 2 and 3 could overwrite
// what was written below the stack (paths have their own: paths.md).
#include <cerrno>
#include <utility>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracer.h"

namespace cocoon::tracer {
namespace {

// -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND (include/linux/errno.h):
// the kernel runs the call again from the same registers.
bool is_restart(std::int64_t v) { return v <= -512 && v >= -514; }

// What riscv64's arch_do_signal_or_restart() takes for a restart code in
// a0: those three and -ERESTART_RESTARTBLOCK (-516; -515 is ENOIOCTLCMD).
bool reads_as_restart(std::int64_t v) { return is_restart(v) || v == -516; }

// The entry's exit state, set aside while other calls may come between
// (a signal handler's, whose entries overwrite the Tracee's), and put back.
void set_aside(Tracee& t, Tracee::Rerun& r) {
  r.exit_handlers = std::exchange(t.exit_handlers, 0);
  r.observe_exit = std::exchange(t.observe_exit, false);
  r.entry_nr = t.entry_nr;
  r.entry_args = t.entry_args;
  r.guest_args = t.guest_args;
}

void put_back(Tracee& t, const Tracee::Rerun& r) {
  t.exit_handlers = r.exit_handlers;
  t.observe_exit = r.observe_exit;
  t.entry_nr = r.entry_nr;
  t.entry_args = r.entry_args;
  t.guest_args = r.guest_args;
}

}  // namespace

// Step 1. riscv64's signal code reads a0 at any return from an ecall
// (arch_do_signal_or_restart(), arch/riscv/kernel/signal.c): an arg0 that
// reads as -ERESTART* with a signal pending would be rewound once more, so
// such a value gets ENOSYS (a process group numbered 512-514 or 516).
Verdict Tracer::start_rerun(Tracee& t, arch::SyscallRegs& regs) {
  const std::uint64_t arg0 = regs.take_arg0();
  if (reads_as_restart(static_cast<std::int64_t>(arg0))) {
    t.exit_handlers = 0;
    return Verdict::deny(ENOSYS);
  }
  log().debug("{}: syscall {} skipped, to run again with arg0 {:#x}", t.tid, regs.nr(), arg0);
  t.rerun = Tracee::Rerun{.nr = regs.nr(), .arg0 = arg0, .ip = regs.ip()};
  return Verdict::skip(0);
}

// Step 3: whether this entry (a syscall-entry or seccomp stop) is the
// call run again, which the handlers have seen already.
bool Tracer::rerun_entered(Tracee& t, const arch::SyscallRegs& regs) {
  if (!t.rerun || t.rerun->at == Tracee::Rerun::At::kSkipped) return false;
  Tracee::Rerun& r = *t.rerun;
  if (regs.nr() != r.nr || regs.arg(0) != r.arg0 || regs.ip() != r.ip) return false;
  if (r.at == Tracee::Rerun::At::kRewound) {
    put_back(t, r);
    r.at = Tracee::Rerun::At::kRunning;
  }
  return true;  // kRunning too: the seccomp stop after the entry report
}

// Steps 2 and 4 at an exit stop: true when the stop is the rerun's own
// business (handled, the task resumed), false when the call's handlers'
// exits are to run as usual.
bool Tracer::rerun_at_exit(Tracee& t, const arch::SyscallRegs& regs) {
  Tracee::Rerun& r = *t.rerun;
  switch (r.at) {
    case Tracee::Rerun::At::kSkipped:
      if (auto ok = arch::SyscallRegs::rerun_call(t.tid, regs.abi(), r.nr, r.arg0); !ok) {
        if (ok.error() != ESRCH) log().warn("running {}'s call again: errno {}", t.tid, ok.error());
        t.rerun.reset();
        return false;
      }
      // Until the call enters again, a signal handler's calls may come
      // between: they must not see this call's exit state.
      set_aside(t, r);
      r.at = Tracee::Rerun::At::kRewound;
      resume(t);
      return true;
    case Tracee::Rerun::At::kRunning:
      if (is_restart(regs.result())) {
        // The kernel runs it again from the same registers: back to 3.
        set_aside(t, r);
        r.at = Tracee::Rerun::At::kRewound;
        resume(t);
        return true;
      }
      t.rerun.reset();
      return false;
    case Tracee::Rerun::At::kRewound:
      return false;  // the exit of a call made before the rerun entered
  }
  return false;
}

}  // namespace cocoon::tracer
