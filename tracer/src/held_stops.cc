// The tracer's StopControl: how a handler ends the stops it keeps
// (Tracee::held). Only the guest's emulated ptrace keeps any
// (syscalls/src/ptrace/, docs/architecture.md "ptrace inside a guest").
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <utility>
#include <vector>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/siginfo.h"
#include "cocoon/tracer/tracer.h"
#include "proc_status.h"
#include "signal_watch.h"

namespace cocoon::tracer {

void Tracer::release(pid_t tid, int signal, bool step_all) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !t->held) return;
  t->step_all = step_all;
  t->step = Tracee::Step::kNone;
  let_go(*t, signal);
}

// A syscall instruction cannot be single-stepped by cocoon: under
// PTRACE_SINGLESTEP the call would get no syscall-entry stop without
// seccomp, and a seccomp stop's PTRACE_CONT would end the step with seccomp.
// So the call runs under PTRACE_SYSCALL and its handlers, and the step ends
// at its exit. Any other instruction steps under PTRACE_SYSEMU_SINGLESTEP:
// if another thread made it a syscall meanwhile, the kernel stops that call
// at its entry without running it (end_step()).
void Tracer::step(pid_t tid, int signal, bool in_syscall) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !t->held) return;
  bool over_call = in_syscall;
  if (!over_call) {
    const auto at = arch::stop_context(tid);
    errno = 0;
    const long word = at ? ptrace(PTRACE_PEEKTEXT, tid, at->ip, nullptr) : 0;
    over_call = at && errno == 0 &&
                arch::is_syscall_insn(arch::host_arch(), static_cast<std::uint32_t>(word));
  }
  t->step_all = false;
  t->step = over_call ? Tracee::Step::kSyscall : Tracee::Step::kInstruction;
  let_go(*t, signal);
}

// The step of a syscall ended at its exit (or, for an instruction stepped,
// at the entry of a call that will not run): the tracee gets the SIGTRAP
// the kernel sends after a stepped syscall; Tracer::handle() gives it the
// kernel's siginfo when it arrives.
void Tracer::end_step(Tracee& t) {
  t.step = Tracee::Step::kTrapSent;
  syscall(SYS_tgkill, t.tgid, t.tid, SIGTRAP);
}

// A signal-delivery stop ends a step under way, as natively (the
// tracer hears of the signal before the instruction runs). The SIGTRAP
// end_step() sent gets the kernel's siginfo for a stepped syscall, not
// the tgkill's SI_TKILL from cocoon: on x86 TRAP_BRKPT at the next
// instruction (user_single_step_report(), arch/x86/kernel/step.c); on
// arm64 the generic one's SI_USER with si_pid and si_uid 0
// (include/linux/ptrace.h, from report_syscall(), arch/arm64/kernel/
// ptrace.c).
void Tracer::step_signal(Tracee& t, int signal) {
  const bool sent = t.step == Tracee::Step::kTrapSent;
  t.step = Tracee::Step::kNone;
  if (!sent || signal != SIGTRAP) return;
  const auto at = arch::stop_context(t.tid);
  if (!at) return;
  siginfo_t info{};
  info.si_signo = SIGTRAP;
  if (arch::host_arch() == arch::Arch::kX86_64) {
    info.si_code = TRAP_BRKPT;
    info.si_addr = reinterpret_cast<void*>(at->ip);
  } else {
    info.si_code = SI_USER;  // si_pid and si_uid 0
  }
  set_siginfo(t.tid, info);
}

void Tracer::let_go(Tracee& t, int signal) {
  t.held = false;
  unwatch(t);
  if (t.seccomp_at_entry) return release_seccomp_at_entry(t);
  if (t.entry_pending) {
    // The entry's handlers have not run yet (without seccomp, or at a
    // guest filter's seccomp stop): they run now, on the registers the
    // guest's tracer may have changed.
    t.entry_pending = false;
    auto regs = arch::SyscallRegs::load(t.tid);
    if (!regs) return resume(t);
    // The guest's tracer skipped the call (number -1): the kernel skips
    // it with the result that tracer wrote (seccomp(2), SECCOMP_RET_TRACE;
    // syscall_trace_enter(), kernel/entry/common.c). No handler runs.
    if (regs->nr() == -1) {
      if (!options_.use_seccomp && t.guest_filters) keep_skipped_result(t, *regs);
      return resume(t);
    }
    return on_syscall_entry(t, *regs);
  }
  resume(t, signal);
}

void Tracer::finish_entry(pid_t tid, std::int64_t result) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !t->held) return;
  skip_held_entry(*t, result, false);
}

// Ends a held syscall entry as a skip returning `result`; with `restart`
// as interrupt_entry() ends it instead (`result` unused).
void Tracer::skip_held_entry(Tracee& t, std::int64_t result, bool restart) {
  t.held = false;
  unwatch(t);
  // A skipped call has no exit for the handlers (Dispatcher::on_entry).
  t.exit_handlers = 0;
  registry_->end_call(t.tid);
  auto regs = arch::SyscallRegs::load(t.tid);
  if (!regs) return resume(t);
  put_back_skipped_args(t, *regs);  // the guest_args of the held entry
  if (restart) result = prepare_restart(t, *regs);
  regs->skip_with(result);
  if (!options_.use_seccomp) t.forced_result = result;
  // Without cocoon's filter the guest's own filters meet the skip's -1
  // after this stop: a number they answer quietly runs instead.
  if (!options_.use_seccomp && t.guest_filters) quiet_skip(t, *regs, result);
  if (auto r = regs->store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
  resume(t);
}

// A syscall entry a handler keeps (Verdict::hold): an interruptible one is
// watched for signals from now on.
void Tracer::hold(Tracee& t, const Verdict& v) {
  t.held = true;
  t.hold_interruptible = v.interruptible;
  if (!v.interruptible) return;
  if (!signal_watch_) signal_watch_ = std::make_unique<SignalWatch>();
  signal_watch_->watch(t.tid);
}

// An interruptible hold ended (released, finished, interrupted, or its
// task died): no longer watched.
void Tracer::unwatch(Tracee& t) {
  if (t.hold_interruptible && signal_watch_) signal_watch_->forget(t.tid);
  t.hold_interruptible = false;
}

// After each event: when the watch rang, every interruptible hold whose
// task has a signal to take is ended (interrupt_entry()).
void Tracer::interrupt_signalled_holds() {
  if (!signal_watch_ || !signal_watch_->rung()) return;
  tracees_.for_each([&](Tracee& t) {
    if (t.held && t.hold_interruptible && signal_deliverable(t.tid).value_or(false)) {
      interrupt_entry(t);
    }
  });
}

// The held call ends as the kernel ends an interrupted one: skipped here,
// at its exit stop given back its number and -ERESTARTSYS
// (on_syscall_exit()); the signal then comes as any signal does (its
// signal-delivery stop, then the kernel's restart or EINTR:
// handle_signal(), arch/x86/kernel/signal.c). Its arguments are the
// guest's again (put_back_skipped_args()), so a restart is the guest's
// own call, translated anew. The restart takes arg0 from orig_x0 on
// arm64 and orig_a0 on riscv64: a translated arg0 the stop wrote there
// (riscv64 from Linux 6.16) is put back first, while the number is still
// the call's (store() writes no arg0 of a skipped call). The skip's
// result is the guest's arg0 too: on arm64 (6.12 under qemu) the restart
// was measured to take the x0 the skip left, not the entry's orig_x0.
void Tracer::interrupt_entry(Tracee& t) {
  dispatcher_.on_hold_interrupted(t);
  log().debug("{}: held syscall interrupted by a signal", t.tid);
  skip_held_entry(t, 0, true);
}

// The restart's part of interrupt_entry(), on the entry's registers:
// remembers the number, puts a translated arg0 back (riscv64), and
// returns the skip's placeholder result.
std::int64_t Tracer::prepare_restart(Tracee& t, arch::SyscallRegs& regs) {
  const auto guest_arg0 = t.guest_args[0];
  if (regs.abi() == arch::Arch::kRiscv64 && regs.arg(0) != guest_arg0) {
    regs.set_arg(0, guest_arg0);
    if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
      log().warn("writing arg0 of {}: errno {}", t.tid, r.error());
    }
  }
  t.restart_nr = regs.nr();
  return static_cast<std::int64_t>(guest_arg0);
}

// At the exit stop of a call interrupt_entry() ended: its number back,
// -ERESTARTSYS as its result, and a PTRACE_INTERRUPT made while it is
// stopped, so that the kernel runs its signal code on the way out whatever
// became of the signal (Tracee::quiet_trap).
void Tracer::restart_interrupted(Tracee& t, arch::SyscallRegs& regs) {
  constexpr std::int64_t kErestartsys = 512;  // include/linux/errno.h
  regs.set_nr(*t.restart_nr);
  regs.set_result(-kErestartsys);
  t.restart_nr.reset();
  t.forced_result.reset();
  if (ptrace(PTRACE_INTERRUPT, t.tid, 0, 0) == 0) t.quiet_trap = true;
}

// Whether this interrupt- or group-stop is the trap restart_interrupted()
// asked for: cocoon's alone (resumed unseen), unless a handler's
// interrupt is merged into it. Either stop ends the wait for it.
bool Tracer::quiet_trap_stop(Tracee& t, const WaitEvent& ev) {
  return std::exchange(t.quiet_trap, false) && !t.interrupt_pending &&
         ev.kind == EventKind::kInterruptStop;
}

void Tracer::interrupt(pid_t tid) {
  if (Tracee* t = tracees_.find(tid)) t->interrupt_pending = true;
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

void Tracer::trace_events(pid_t tid, std::uint64_t options) {
  constexpr std::uint64_t kExtra = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEVFORKDONE;
  const unsigned long all = ptrace_options_ | (options & kExtra);
  if (ptrace(PTRACE_SETOPTIONS, tid, 0, all) != 0 && errno != ESRCH) {
    log().warn("PTRACE_SETOPTIONS {}: errno {}", tid, errno);
  }
}

// Without cocoon's filter every entry stops and is judged anyway. A task
// that is not held may be running, maybe never stopping (its calls all
// allowed or notified): a PTRACE_INTERRUPT gives it a stop of cocoon's,
// not reported to its emulated tracer (Ptrace reports an interrupt-stop
// only after its own PTRACE_INTERRUPT), after which resume() uses
// PTRACE_SYSCALL.
void Tracer::judge_entries(pid_t tid, bool on) {
  Tracee* t = tracees_.find(tid);
  if (t == nullptr || !options_.use_seccomp || t->judge_entries == on) return;
  t->judge_entries = on;
  // Held, or in its first stop (an auto-attached child), it is resumed
  // by cocoon, under PTRACE_SYSCALL from now on.
  if (on && !t->held && t->birth == Tracee::Birth::kBorn) interrupt(tid);
}

}  // namespace cocoon::tracer
