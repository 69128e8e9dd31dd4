// One traced thread (a kernel task, identified by its tid) and the table of
// all of them. The event loop is their only owner.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "cocoon/cbpf/filter_stack.h"

namespace cocoon::tracer {

class NoteSink;

struct Tracee {
  pid_t tid = 0;
  pid_t tgid = 0;  // thread group (process) id
  // Its process: tgid, or tid while the thread group is not known yet.
  pid_t process() const { return tgid > 0 ? tgid : tid; }

  // Set between a syscall entry whose handlers asked for the exit stop and
  // that exit stop: which handlers (bit i: dispatcher chain index i), and the
  // entry's arguments, since the exit stop's registers may have lost them
  // (x0 / a0 hold the result on aarch64 / riscv64).
  std::uint32_t exit_handlers = 0;
  std::array<std::uint64_t, 6> entry_args{};
  // The same, as the guest passed them (before handlers rewrote them): put
  // back when the call is to be restarted (Dispatcher::on_exit).
  std::array<std::uint64_t, 6> guest_args{};
  long entry_nr = -1;
  // Without seccomp, a skipped syscall's result is written again at its exit
  // stop: not every arch keeps the value set at the entry stop.
  std::optional<std::int64_t> forced_result;
  // A call whose arg0 a handler changed where the kernel cannot take it at
  // the stop (riscv64 before 6.16): skipped, then run again from its
  // instruction with the new arg0 (tracer/src/rerun.cc). `at`: kSkipped,
  // the skip's exit stop is due; kRewound, the call's entry is due (also
  // after a restart); kRunning, it entered, its exit is due. The exit state
  // of its entry is kept here while other calls may come between (a signal
  // handler's).
  struct Rerun {
    enum class At : std::uint8_t { kSkipped, kRewound, kRunning };
    long nr = -1;
    std::uint64_t arg0 = 0, ip = 0;
    At at = At::kSkipped;
    std::uint32_t exit_handlers = 0;
    long entry_nr = -1;
    std::array<std::uint64_t, 6> entry_args{}, guest_args{};
    bool observe_exit = false;
  };
  std::optional<Rerun> rerun;
  // In a group-stop under PTRACE_LISTEN.
  bool listening = false;

  // A guest's emulated ptrace (syscalls/src/ptrace/) keeps the task in the
  // stop it is in: Tracer::resume() leaves it stopped until the handler
  // releases it (StopControl). Set by a hook for the stop it reports, or by
  // a Verdict::hold() at a syscall entry.
  bool held = false;
  // Held by Verdict::hold_interruptible(): a signal the task would take
  // ends the call (src/signal_watch.h).
  bool hold_interruptible = false;
  // Such a call ended by the tracer (skipped): at its exit stop the call's
  // number goes back and its result becomes -ERESTARTSYS, so the kernel's
  // signal code restarts it or makes it EINTR (arch_do_signal_or_restart()
  // reads the number and the result there: orig_ax on x86-64, syscallno
  // on arm64; riscv64 rewinds onto its ecall, which reads a7).
  std::optional<long> restart_nr;
  // A PTRACE_INTERRUPT cocoon made at that exit stop, whose interrupt-stop
  // is cocoon's own (Tracer::handle() resumes it unseen): it makes sure the
  // kernel enters its signal code on the way out (JOBCTL_TRAP_STOP sets
  // TIF_SIGPENDING), even if the signal was taken by another thread
  // meanwhile: with none, the no-handler path restarts the call, so
  // -ERESTARTSYS never reaches the guest.
  bool quiet_trap = false;
  // A PTRACE_INTERRUPT a handler made (StopControl::interrupt) whose trap
  // has not come. Any ptrace stop clears the kernel's JOBCTL_TRAP_STOP
  // (ptrace_stop(), kernel/signal.c), so one of cocoon's own stops (a
  // syscall or seccomp stop the guest's tracer does not see) would swallow
  // it: resume() interrupts again. Cleared by an interrupt- or group-stop,
  // or a stop a handler keeps.
  bool interrupt_pending = false;
  // Every syscall of the task stops at its entry and exit (PTRACE_SYSCALL,
  // whatever the filter traces) and the handlers hear of each
  // (SyscallHandler::on_syscall_report): an emulated PTRACE_SYSCALL.
  bool step_all = false;
  // With cocoon's filter: an emulated tracer asked for PTRACE_O_TRACESECCOMP
  // and the run answers calls that outrank a guest filter's
  // SECCOMP_RET_TRACE (a notification: USER_NOTIF comes before TRACE; an
  // errno of cocoon's filter), so the kernel would never make the guest's
  // stop for them. Every call then stops at its entry (PTRACE_SYSCALL), where
  // cocoon runs the guest's filters itself (guest_trace_at_entry(),
  // src/guest_filters.cc). Set through StopControl::trace_events().
  bool judge_entries = false;
  // Held at such an entry for the guest's tracer: released, the call goes
  // on to cocoon's filter as it is (its handlers have not run).
  bool seccomp_at_entry = false;
  // An emulated PTRACE_SINGLESTEP under way (StopControl::step): one
  // instruction under PTRACE_SYSEMU_SINGLESTEP (a syscall there is stopped
  // at its entry and never run, so no call escapes the handlers), or a
  // syscall instruction run under PTRACE_SYSCALL, its step ending at its
  // exit stop with a SIGTRAP cocoon sends (kTrapSent until it is seen).
  enum class Step : std::uint8_t { kNone, kInstruction, kSyscall, kTrapSent };
  Step step = Step::kNone;
  // Held before the entry's handlers ran (without seccomp at a
  // syscall-entry report; with it at a seccomp stop a guest's filter asked
  // for): they run when it is released, on the registers the guest's
  // tracer left.
  bool entry_pending = false;
  // With step_all, the arguments the current call ran with where a
  // handler rewrote the guest's (guest_args): put back at its exit stop,
  // so that the guest's tracer sees the guest's own there too.
  std::optional<std::array<std::uint64_t, 6>> ran_args;

  // A new task is announced twice: by its own first stop and by its
  // parent's clone event, in either order. Handlers hear of it
  // (on_clone) once both have arrived, while it is still in its first
  // stop: so it has run no instruction yet, and the kernel has already
  // written CLONE_CHILD_SETTID into its memory (schedule_tail(), before
  // the child's first return to user mode), which a handler may correct.
  enum class Birth : std::uint8_t {
    kBorn,            // running (or the command itself)
    kHeld,            // in its first stop; the parent's event not seen yet
    kAwaitFirstStop,  // the parent's event seen; its first stop not yet
  };
  Birth birth = Birth::kBorn;
  pid_t parent_tid = 0, parent_tgid = 0;  // who cloned it (0: the command)

  // Its wait status once it died (as waitpid() gave it to cocoon), for
  // the handlers' on_death.
  int death_status = 0;

  // The guest's own seccomp filters on this task, as cocoon copied them
  // when the kernel installed them (src/guest_filters.cc), shared with the
  // tasks that inherited them; null for most tasks. Evaluated at each
  // syscall entry without cocoon's filter (--no-seccomp), and with it for
  // a task under judge_entries.
  cbpf::Stack guest_filters;
  // Between the entry of a seccomp(2) or prctl(PR_SET_SECCOMP) installing
  // a filter and its exit: the stack it makes if the kernel accepts it,
  // and whether it is to be the whole thread group's (TSYNC).
  cbpf::Stack installing;
  bool installing_tsync = false;
  // This call's entry has been judged by guest_filters (a new entry
  // clears it): a stop the kernel's own run of them makes for it is not
  // the guest's again.
  bool guest_filters_ran = false;
  // A call the guest's filters trapped, for its SIGSYS's siginfo: the
  // call, the filter's data, the call's address and arch, and whether
  // cocoon sent the signal (else the kernel did, for an inert call).
  struct Trap {
    long nr = -1;
    std::uint16_t data = 0;
    std::uint64_t ip = 0;
    std::uint32_t audit_arch = 0;
    bool sent = false;
  };
  std::optional<Trap> trap;
  // A call the guest's filters kill for, run again once the task has a
  // filter that kills for it (Tracer::install_kill()): its number and
  // arguments, and whether it was put back on its instruction.
  struct KillRerun {
    long nr = -1;
    std::array<std::uint64_t, 6> args{};
    bool rewound = false;
  };
  std::optional<KillRerun> kill_rerun;
  // In SECCOMP_MODE_STRICT (syscalls/src/guard/strict_mode.h): the kernel's
  // without cocoon's filter, a filter of the same rule with it. A task in
  // it cannot clone or exec: nothing to inherit.
  bool strict_mode = false;

  // The teaching view (observer.h): where handlers' notes go during an
  // observed stop (null otherwise), and whether the observer wants this
  // call's exit stop.
  NoteSink* notes = nullptr;
  bool observe_exit = false;
};

class TraceeTable {
 public:
  Tracee& add(pid_t tid, pid_t tgid);
  Tracee* find(pid_t tid);
  void erase(pid_t tid);
  std::size_t size() const { return by_tid_.size(); }
  bool empty() const { return by_tid_.empty(); }

  template <typename F>
  void for_each(F&& f) {
    for (auto& [tid, t] : by_tid_) f(t);
  }

 private:
  std::unordered_map<pid_t, Tracee> by_tid_;
};

}  // namespace cocoon::tracer
