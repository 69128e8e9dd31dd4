// The interface through which the tracer knows syscall handlers. Handlers
// live in syscalls/; tracer/ never includes them.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <expected>
#include <functional>
#include <string_view>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/decoded_call.h"
#include "cocoon/tracer/memory.h"
#include "cocoon/tracer/policy.h"

namespace cocoon::tracer {

struct Tracee;

// What a handler asks for at a syscall's entry.
struct Verdict {
  // kInstallFd, for a notified call only (SyscallStop::via): the call's
  // result is a new descriptor of the guest's, a copy of the tracer's
  // descriptor `value`, which the tracer then closes
  // (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND, Linux 5.14:
  // the guest installs it itself, under its own RLIMIT_NOFILE).
  // kHold, at a ptrace stop only: the task stays stopped at the entry (no
  // later handler runs); the handler ends the call later through
  // StopControl (finish_entry, or release to let it run). An
  // `interruptible` hold (hold_interruptible(): a call that sleeps
  // interruptibly natively, an emulated tracer's wait) is also ended by the
  // tracer when the task has a signal to take: the call then returns
  // -ERESTARTSYS, so the kernel restarts it after the signal's handler
  // (SA_RESTART) or fails it with EINTR, as natively, and the handler
  // hears of it first (SyscallHandler::on_hold_interrupted).
  enum class Kind : std::uint8_t { kResume, kSkip, kInstallFd, kHold };
  Kind kind = Kind::kResume;
  std::int64_t value = 0;  // the result of a skipped call (-errno for errors)
  bool want_exit = false;  // also stop at the syscall's exit (costs a stop)
  bool cloexec = false;    // kInstallFd: the guest's copy is close-on-exec
  bool interruptible = false;  // kHold: a signal ends it (above)

  static Verdict resume() { return {}; }
  static Verdict resume_to_exit() { return {Kind::kResume, 0, true}; }
  static Verdict skip(std::int64_t result) { return {Kind::kSkip, result, false}; }
  static Verdict deny(int err) { return skip(-static_cast<std::int64_t>(err)); }
  static Verdict install_fd(int fd, bool cloexec) { return {Kind::kInstallFd, fd, false, cloexec}; }
  static Verdict hold() { return {Kind::kHold, 0, false}; }
  static Verdict hold_interruptible() { return {Kind::kHold, 0, false, false, true}; }
};

// System calls a stopped task makes for a handler, as its own
// (StopControl::inject): a call the kernel allows only on the caller
// itself, such as landlock_restrict_self(2).
class TaskCalls {
 public:
  virtual ~TaskCalls() = default;
  // Runs syscall `nr` (the host ABI's number) with `args` in the task and
  // gives its result (-errno for the call's own errors), or cocoon's
  // failure to run it (ESRCH: the task died meanwhile; EDEADLK: a call the
  // run answers by notification, whose notifier needs the lock the
  // caller holds). It goes through cocoon's filter and the guest's own
  // as any call of the task's, but no handler sees it.
  virtual std::expected<std::int64_t, int> call(long nr, const std::array<std::uint64_t, 6>& args) = 0;
  // The task's stack pointer as the task left it: data for the calls goes
  // below it (StackScratch), where nothing of the task's own lives while
  // it is stopped in or just after a system call.
  virtual std::uint64_t sp() const = 0;
};

// What a handler may do with the stops it keeps (Tracee::held), and with
// tasks other than the one whose stop it is handling. Implemented by the
// tracer; called on the event loop's thread only (from a hook).
class StopControl {
 public:
  virtual ~StopControl() = default;
  // The task cocoon follows as `tid`, or null.
  virtual Tracee* find(pid_t tid) = 0;
  // Resumes a held task: `signal` is delivered at a signal-delivery stop
  // (ignored at other stops, as ptrace(2) allows); a held syscall entry
  // runs. `step_all` becomes its Tracee::step_all.
  virtual void release(pid_t tid, int signal, bool step_all) = 0;
  // Resumes a held task for one instruction (an emulated PTRACE_SINGLESTEP,
  // `signal` as for release()): the task then stops with SIGTRAP, a
  // signal-delivery stop of its own. A syscall instruction (or a task held
  // at a syscall entry: `in_syscall`) runs its call under cocoon's handlers
  // as any call, and the SIGTRAP comes at its exit, as the kernel reports a
  // step over a syscall (user_single_step_report(), arch/x86/kernel/step.c).
  virtual void step(pid_t tid, int signal, bool in_syscall) = 0;
  // Ends a syscall entry held by Verdict::hold(): the call does not run and
  // returns `result` (-errno for errors).
  virtual void finish_entry(pid_t tid, std::int64_t result) = 0;
  // PTRACE_INTERRUPT: a task blocked in a call restarts it (-ERESTARTSYS
  // with no handler run), so it stops at that call's entry again.
  virtual void interrupt(pid_t tid) = 0;
  // PTRACE_LISTEN on a held task in a PTRACE_EVENT_STOP: it stays stopped
  // and is no longer held; its next event stop comes to on_event_stop().
  virtual void listen(pid_t tid) = 0;
  // The event options a held task has beyond cocoon's own: `options` of
  // PTRACE_O_TRACEEXIT and PTRACE_O_TRACEVFORKDONE, added to cocoon's with
  // PTRACE_SETOPTIONS, which needs a ptrace-stop. Children it makes
  // afterwards inherit them (the kernel copies the options); their events
  // come to on_event_stop(). Others are ignored.
  //
  // A guest filter's SECCOMP_RET_TRACE comes to the handlers as an event
  // stop (on_event_stop() with PTRACE_EVENT_SECCOMP and the filter's data
  // as the message) before the call's own handlers run: with cocoon's
  // filter the kernel's seccomp stop, or cocoon's own run of the guest's
  // filters at a judged entry; without it that run at every entry
  // (src/guest_filters.cc).
  virtual void trace_events(pid_t tid, std::uint64_t options) = 0;
  // Whether a guest filter's SECCOMP_RET_TRACE must stop `tid` for every
  // call, also those cocoon's filter answers first (Tracee::judge_entries:
  // an emulated tracer's PTRACE_O_TRACESECCOMP where calls are notified).
  // Needs no stop: a running task is interrupted once, quietly, so that it
  // is resumed under PTRACE_SYSCALL.
  virtual void judge_entries(pid_t tid, bool on) = 0;
  // Whether cocoon's seccomp filter is on the guest's tasks (not
  // --no-seccomp, nor a run that fell back to it).
  virtual bool filtered() const = 0;
  // Has `t`, stopped at a syscall's entry (the handler's own stop), or at
  // a new task's first stop (on_clone), make the calls `calls` makes
  // through TaskCalls, then puts it back where it was: at the same entry,
  // the call not yet run, or at its first stop, with its own registers
  // (tracer/src/injection.cc; docs/internals/event-loop.md, "Calls of
  // cocoon's own in a task"). A signal that comes meanwhile is kept for
  // after. The failure (an errno) is cocoon's: ESRCH, the task died;
  // EAGAIN, it is at a stop no call can be made from.
  virtual std::expected<void, int> inject(Tracee& t,
                                          const std::function<void(TaskCalls&)>& calls) = 0;
};

// A ptrace event stop cocoon itself has nothing to do at (on_event_stop):
// a parent's PTRACE_EVENT_FORK/VFORK/CLONE (`message`: the new tid), a
// PTRACE_EVENT_EXIT (`message`: the wait status), a PTRACE_EVENT_VFORK_DONE
// (`message`: the vfork child's tid), a PTRACE_EVENT_STOP
// (group-stop, or interrupt-stop with SIGTRAP: `signal`), a
// PTRACE_EVENT_SECCOMP a guest's own filter asked for (`message`: its
// SECCOMP_RET_DATA; StopControl::trace_events()).
struct EventStop {
  int event = 0;  // PTRACE_EVENT_*
  int signal = 0;
  unsigned long message = 0;
};

// How a call reaches its handlers: at a ptrace stop (registers may be
// edited, the exit stop asked for); from a seccomp user notification
// (neither, but a new descriptor may be answered: Verdict::install_fd); or
// a notified call being settled at the signal-delivery stop that
// interrupted it before its receipt (the task is stopped; neither, nor a
// descriptor: a plain resume makes the call restart, notified again).
enum class Via : std::uint8_t { kStop, kNotification, kSettle };

// One stop of one syscall, as a handler sees it. `regs` edits are written
// back by the tracer after the handlers ran. `call`: the arguments as the
// translate phase decoded them (filled at entry; empty at the exit stop).
struct SyscallStop {
  Tracee& tracee;
  arch::SyscallRegs& regs;
  const arch::SyscallDesc& desc;
  const GuestMemory& memory;
  DecodedCall call{};
  Via via = Via::kStop;
};

class SyscallHandler {
 public:
  virtual ~SyscallHandler() = default;
  virtual std::string_view name() const = 0;

  // What this handler needs for `row` entered through `abi`: allow (not
  // interested), trace (stop and call on_entry), trace only when an
  // argument is not 0 (on_entry may still see it 0, when another handler
  // traces every call), notify, or a constant answer the filter gives
  // without any stop; and, when on_entry is called, in which Phase
  // (translate, emulate, fix up: at most one handler emulates a row, which
  // build_policy() checks). Asked once per run, to build the Policy.
  //
  // notify (Action::kNotify) promises that on_entry, for this row, only
  // reads the arguments and the guest's memory (and /proc), writes the
  // guest's memory only to answer, and returns skip/deny or a plain
  // resume: no register edit, no exit stop, no ptrace request (it may run
  // on another thread than the one that traces). Then the call costs no
  // ptrace stop when no other handler traces it. The same on_entry also
  // runs at ptrace stops (no listener, or another handler traces the row):
  // SyscallStop::via says which.
  virtual Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const = 0;

  // Called at the entry of a traced syscall (seccomp stop, or syscall-entry
  // stop without seccomp), in the phase decision() gave; a skip ends the
  // entry (no later handler runs).
  virtual Verdict on_entry(SyscallStop& stop) = 0;
  // Called at the exit when on_entry asked for it (fix-ups first, the
  // translating handlers last); `regs` holds the result, and the entry's
  // arguments are in tracee.entry_args.
  virtual void on_exit(SyscallStop& stop) { (void)stop; }
  // Called once per new task, when both its parent's fork/vfork/clone
  // event and its own first stop have arrived (no extra stop), before the
  // child runs its first instruction: state a process inherits, and
  // corrections to what the kernel wrote into the child's memory
  // (Tracee::Birth). `parent` may be a stand-in holding only the ids when
  // the parent died in between.
  virtual void on_clone(const Tracee& parent, const Tracee& child) {
    (void)parent;
    (void)child;
  }
  // Called at the PTRACE_EVENT_EXEC stop of every tracee (no extra stop):
  // the new image is in place, its registers and stack readable. `tracee`
  // already has the tid the process keeps. A handler may keep the task in
  // this stop (Tracee::held).
  virtual void on_exec(Tracee& tracee, const GuestMemory& memory) {
    (void)tracee;
    (void)memory;
  }
  // Called at a signal-delivery stop (no extra stop: ptrace reports every
  // signal anyway) with the signal about to be delivered; returns the one
  // to deliver instead (0 suppresses it). The siginfo is the handler's to
  // read and rewrite (tracer/siginfo.h). A handler may keep the task in
  // this stop (Tracee::held): the signal then is the one it releases it
  // with.
  virtual int on_signal(Tracee& tracee, int signal) {
    (void)tracee;
    return signal;
  }
  // Called once, before the command starts: the tracer's StopControl, which
  // outlives the handlers' use of it.
  virtual void on_start(StopControl& control) { (void)control; }
  // Called at each syscall-entry and syscall-exit stop of a task with
  // Tracee::step_all, before the entry's handlers run (so the registers
  // are the guest's) and after the exit's have run. May hold the task
  // (Tracee::held).
  virtual void on_syscall_report(Tracee& tracee, bool at_entry) {
    (void)tracee;
    (void)at_entry;
  }
  // Called at an event stop (EventStop), before cocoon resumes the task
  // (or, for a group-stop, listens). A handler may keep the task in this
  // stop (Tracee::held). A parent's clone event comes before the child's
  // on_clone.
  virtual void on_event_stop(Tracee& tracee, const EventStop& stop) {
    (void)tracee;
    (void)stop;
  }
  // Called when a task has died (its exit reported to cocoon).
  virtual void on_death(const Tracee& tracee) { (void)tracee; }
  // Called when the tracer ends a call held by Verdict::hold_interruptible()
  // because the task has a signal to take: the call is no longer the
  // handler's (it restarts, or fails with EINTR).
  virtual void on_hold_interrupted(const Tracee& tracee) { (void)tracee; }
};

}  // namespace cocoon::tracer
