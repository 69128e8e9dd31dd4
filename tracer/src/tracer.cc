#include "cocoon/tracer/tracer.h"

#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>
#include <utility>

#include "cocoon/arch/kernel.h"
#include "cocoon/tracer/launcher.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/seccomp_filter.h"
#include "cocoon/tracer/observer.h"
#include "kill_switch.h"
#include "notifier.h"
#include "observed_call.h"
#include "placement.h"
#include "proc_status.h"
#include "signal_watch.h"
#include "storm.h"

namespace cocoon::tracer {
namespace {

bool is_sigreturn(const arch::SyscallRegs& regs) {
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), regs.nr());
  return row != nullptr && (row->sys == arch::Sys::rt_sigreturn || row->sys == arch::Sys::sigreturn);
}

}  // namespace

Tracer::Tracer(TracerOptions options, HandlerList handlers,
               std::shared_ptr<ProcessRegistry> registry)
    : options_(options),
      registry_(registry ? std::move(registry) : std::make_shared<ProcessRegistry>()),
      dispatcher_(attach_observer(std::move(handlers), options_.observer.get())),
      kill_switch_(std::make_unique<KillSwitch>()),
      ptrace_options_(ptrace_options()),
      trace_data_(own_trace_data()),
      nr_seccomp_(arch::find_syscall(arch::Sys::seccomp).number(arch::host_arch())),
      nr_prctl_(arch::find_syscall(arch::Sys::prctl).number(arch::host_arch())) {
  if (options_.observer) options_.observer->set_registry(*registry_);
}

Tracer::~Tracer() = default;

std::expected<int, Error> Tracer::run(const std::vector<std::string>& argv) {
  if (!dispatcher_.conflict().empty()) return std::unexpected(Error{0, dispatcher_.conflict()});
  // Orphaned grandchildren are reparented to cocoon, so it reaps them and no
  // zombie outlives the run (prctl(2), PR_SET_CHILD_SUBREAPER).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  kill_switch_->arm(options_.die_with_parent);
  placement_ = std::make_unique<Placement>(options_.cpu_placement, mu_, tracees_);
  storms_ = std::make_unique<SignalStorms>();

  dispatcher_.on_start(*this);
  const LaunchSpec spec = command_spec(argv);
  auto launched = launch(spec);
  if (!launched) return std::unexpected(launched.error());
  enter_spec_ = spec;
  enter_spec_.notify_filter.clear();
  enter_spec_.hold_fifo.clear();
  enter_spec_.controlling_terminal = false;
  root_ = launched->pid;
  if (options_.on_launched) options_.on_launched(root_);
  // From here on the guest runs, as the same user: non-dumpable, cocoon
  // cannot be ptraced, read through process_vm_readv or /proc/PID/mem, or
  // robbed of its descriptors (pidfd_getfd) by a process without
  // CAP_SYS_PTRACE (ptrace_may_access(), kernel/ptrace.c); its /proc files
  // become root's. Not before: the child inherits the flag until its exec,
  // and cocoon's PTRACE_SEIZE and pidfd_getfd of it need it dumpable. cocoon
  // still reads its own /proc/self and traces and reads its tracees.
  if (prctl(PR_SET_DUMPABLE, 0) != 0) log().warn("prctl(PR_SET_DUMPABLE, 0): errno {}", errno);
  std::unique_lock lock(mu_);
  start_notifier(launched->listener);
  Tracee& root = adopt(root_, root_);
  placement_->update();
  if (!options_.use_seccomp) resume(root);  // the launcher left it stopped
  // Closed however the loop ends, so that no caller waits for it forever.
  struct MailboxCloser {
    Mailbox* m;
    ~MailboxCloser() {
      if (m != nullptr) m->close();
    }
  } closer{options_.mailbox.get()};
  if (options_.mailbox) options_.mailbox->open();

  lock.unlock();
  for (;;) {
    int status = 0;
    const bool deferred = !deferred_.empty();  // reaps counted already
    const pid_t tid = deferred ? deferred_.front().tid : wait_next(&status);
    if (deferred) {
      status = deferred_.front().status;
      deferred_.pop_front();
    }
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return std::unexpected(Error{errno, "waitpid"});
    }
    if (tid > 0 && !deferred && (WIFEXITED(status) || WIFSIGNALED(status))) {
      reaps_.fetch_add(1, std::memory_order_release);
    }
    const std::lock_guard guard(mu_);
    if (tid == 0) {
      storms_->enforce_deadlines();  // wait_next's timeout
    } else {
      handle(decode_wait_status(tid, status));
    }
    if (options_.mailbox) options_.mailbox->run_pending(*this);
    interrupt_signalled_holds();
    hold_deadline_ = storms_->next_deadline();
  }
  notifier_.reset();
  if (int sig = kill_switch_->fired(); sig != 0) return 128 + sig;
  if (options_.status_of_last_exit && last_exit_) return *last_exit_;
  return root_status_.value_or(125);
}

// The first command's launch: its filter from the policy (the notified
// rows in a second one when a listener can answer them).
LaunchSpec Tracer::command_spec(const std::vector<std::string>& argv) const {
  LaunchSpec spec;
  spec.argv = argv;
  spec.cwd = options_.cwd;
  spec.landlock_fd = options_.landlock_fd;
  spec.new_session = options_.new_session;
  spec.exec_failure = options_.exec_failure;
  spec.child_subreaper = options_.child_subreaper;
  spec.user_filters = options_.user_filters;
  spec.env = options_.env;
  spec.argv0 = options_.argv0;
  spec.rlimits = options_.rlimits;
  spec.hold_fifo = options_.hold_fifo;
  spec.stdio = options_.stdio;
  spec.controlling_terminal = options_.controlling_terminal;
  if (options_.use_seccomp) {
    const Policy& policy = dispatcher_.policy();
    spec.filter = build_filter(policy.without_notify(), trace_data_);
    spec.spec_allow = !options_.spec_mitigation;
    if (notifies()) spec.notify_filter = build_filter(policy, trace_data_);
  }
  return spec;
}

// The notifier thread on the command's listener (-1: none, the notified
// calls stop instead). Called under mu_.
void Tracer::start_notifier(int listener) {
  if (listener >= 0) {
    notifier_ = std::make_unique<Notifier>(
        listener,
        [this](const seccomp_notif& n, int fd, std::uint64_t seen) { return answer(n, fd, seen); },
        &reaps_);
    placement_->add_thread(notifier_->tid());
  } else if (notifies()) {
    log().debug("no seccomp listener: notified calls stop instead");
  }
}

// What the policy (the same one the filter was built from) decides for
// the call in `regs`, its arguments included (refused flags, traced values).
Decision Tracer::decision_for(const arch::SyscallRegs& regs) const {
  return dispatcher_.policy().decide(regs.abi(), regs.nr()).for_call([&regs](int i) { return regs.arg(i); });
}

bool Tracer::notifies() const {
  return options_.notify && !options_.observer && arch::can_restart_interrupted_syscalls() &&
         arch::can_notify(arch::kernel_features()) && dispatcher_.policy().notifies();
}

// A signal that interrupted a notified call before the notifier received
// it left -ERESTARTSYS, which a handler without SA_RESTART would turn into
// EINTR, and a restart would queue the call again, where the next signal
// of a storm can interrupt it again before it is received, forever. So the
// call is answered here, at the signal-delivery stop, by the handlers that
// would have answered the notification (the task is stopped: its memory
// holds still); a call they let run as it is (FLAG_CONTINUE) is made to
// restart instead, as it would have run to the end under a ptrace stop
// (arch::settle_interrupted_syscall).
bool Tracer::settle_if_notified(Tracee& t) {
  const Policy& policy = dispatcher_.policy();
  bool answered = false;
  auto r = arch::settle_interrupted_syscall(
      t.tid, [&](const arch::SyscallRegs& call) -> std::optional<std::int64_t> {
        const Decision d = policy.decide(call.abi(), call.nr()).for_call(
            [&call](int i) { return call.arg(i); });
        if (d.action != Action::kNotify) return std::nullopt;
        arch::SyscallRegs regs = call;
        const Verdict v = dispatcher_.on_notification(t, regs, GuestMemory(t.tid), Via::kSettle);
        answered = v.kind == Verdict::Kind::kSkip;
        return answered ? v.value : arch::kRestartNoIntr;
      });
  if (!r && r.error() != ESRCH) log().warn("settling {}'s interrupted call: errno {}", t.tid, r.error());
  return answered && r.value_or(false);
}

// Any stop of a task from which a signal is held back (storm.h) ends the
// hold, except the entry of a call the notifier will answer: a signal
// pending then would interrupt it before it is received, and a call let
// run as it is would restart, be interrupted again, and never complete.
void Tracer::on_storm_stop(Tracee& t, const WaitEvent& ev) {
  bool entry = false, notified = false;
  if (ev.kind == EventKind::kSyscallStop) {
    if (auto regs = arch::SyscallRegs::load(t.tid); regs && regs->at_entry()) {
      entry = true;
      const Decision d = decision_for(*regs);
      notified = notifier_ && d.action == Action::kNotify;
      if (options_.use_seccomp) storms_->on_call(t.tid, is_sigreturn(*regs));  // else: below
    }
  }
  storms_->on_stop(t.tid, entry, notified);
}

// A notified call (Action::kNotify), on the notifier's thread. Its task is
// one cocoon follows, unless it died and its number went to a newcomer
// whose first stop has not been handled yet: then its ids come from /proc.
Verdict Tracer::answer(const seccomp_notif& n, int listener, std::uint64_t reaps_seen) {
  const std::lock_guard guard(mu_);
  const auto tid = static_cast<pid_t>(n.pid);
  Tracee stand_in;
  Tracee* t = tracees_.find(tid);
  if (t == nullptr) {
    stand_in.tid = tid;
    stand_in.tgid = read_tgid(tid).value_or(tid);
    t = &stand_in;
  }
  std::array<std::uint64_t, 6> args{};
  for (std::size_t i = 0; i < args.size(); ++i) args[i] = n.data.args[i];
  auto regs = arch::SyscallRegs::from_seccomp_data(n.data.arch, n.data.nr, args,
                                                   n.data.instruction_pointer);
  if (!regs) return Verdict::deny(ENOSYS);
  // The reap count vouches for the caller's number only if its task is one
  // cocoon traces (a task cloned with CLONE_UNTRACED is reaped by its
  // parent, uncounted) and no thread was ever made in the guest: an exec by
  // a thread other than the leader hands the leader's number to the execing
  // thread, with no reap (de_thread(), exchange_tids(): fs/exec.c), so the
  // leader's call could be read in the new image.
  if (t != &stand_in) storms_->on_call(tid, false);
  const bool vouched = t != &stand_in && !threads_seen_;
  const GuestMemory memory(
      tid, NotificationRef{listener, n.id, vouched ? &reaps_ : nullptr, reaps_seen});
  return dispatcher_.on_notification(*t, *regs, memory);
}

Tracee& Tracer::adopt(pid_t tid, pid_t tgid) {
  kill_switch_->add(tid);
  registry_->add(tid, tgid);
  return tracees_.add(tid, tgid);
}

void Tracer::handle(const WaitEvent& ev) {
  // Polling only pays when cocoon and its guests run on different CPUs.
  // On one (taskset, or Placement's), a poll would only keep the guest it
  // waits for off that CPU.
  spin_ = !placement_->one_cpu() &&
          (ev.kind == EventKind::kSeccompStop || ev.kind == EventKind::kSyscallStop);
  log().trace("{}: {} (signal {}, event {})", ev.tid, event_kind_name(ev.kind), ev.signal,
              ev.ptrace_event);
  const bool death = ev.kind == EventKind::kExited || ev.kind == EventKind::kKilled;
  // A death of a child cocoon never followed (the mailbox's doorbell,
  // mailbox.cc) is not the guest's: the teaching view does not show it.
  if (options_.observer && (!death || tracees_.find(ev.tid) != nullptr)) {
    options_.observer->on_event(ev);
  }
  if (death) return on_death(ev);
  Tracee* t = tracees_.find(ev.tid);
  // A new child's first stop can arrive before its parent's clone event,
  // which then fills in the thread group (0 until then) and releases it.
  if (t == nullptr) {
    t = &adopt(ev.tid, 0);
    placement_->update();
    if (ev.kind == EventKind::kInterruptStop) {
      t->birth = Tracee::Birth::kHeld;
      return;
    }
  } else if (t->birth == Tracee::Birth::kAwaitFirstStop) {
    // Its first stop, normally; a signal could come first.
    const bool first_stop = ev.kind == EventKind::kInterruptStop;
    release_child(*t, false);
    if (first_stop) return on_first_stop(*t, ev);
  }
  if (ev.kind == EventKind::kInterruptStop || ev.kind == EventKind::kGroupStop) {
    const bool quiet = quiet_trap_stop(*t, ev);
    t->interrupt_pending = false;  // the trap an interrupt asked for
    if (quiet) return resume(*t);
  }
  if (storms_ && storms_->holding(t->tid)) on_storm_stop(*t, ev);
  if (on_event_stop(*t, ev)) return;
  switch (ev.kind) {
    case EventKind::kSeccompStop: return on_seccomp_stop(*t);
    case EventKind::kSyscallStop: return on_syscall_stop(*t);
    case EventKind::kCloneEvent: return on_clone_event(*t, ev.ptrace_event);
    case EventKind::kExecEvent: return on_exec_event(*t);
    case EventKind::kGroupStop:
      // PTRACE_LISTEN keeps it stopped (so job control sees a stopped job)
      // while still reporting SIGCONT or a new signal (ptrace(2), Linux 3.4).
      t->listening = true;
      if (ptrace(PTRACE_LISTEN, t->tid, 0, 0) != 0 && errno != ESRCH) {
        log().warn("PTRACE_LISTEN {}: {}", t->tid, errno);
      }
      return;
    case EventKind::kSignalStop: {
      if (ev.signal == SIGSYS && t->trap) sigsys_stop(*t);
      const bool answered = notifier_ && settle_if_notified(*t);
      // A guest debugger's single-step is never held back as a storm.
      const bool stepping = t->step != Tracee::Step::kNone;
      if (stepping) step_signal(*t, ev.signal);
      const int signal = dispatcher_.on_signal(*t, ev.signal);
      if (storms_ && !t->held && !t->step_all && !stepping) {
        storms_->on_signal_stop(t->tid, signal, answered);
      }
      return resume(*t, signal);
    }
    default:
      t->listening = false;
      return resume(*t);
  }
}

// The event stops cocoon has nothing of its own to do at go to the
// handlers first (SyscallHandler::on_event_stop); true if one keeps the
// task there.
bool Tracer::on_event_stop(Tracee& t, const WaitEvent& ev) {
  EventStop stop{ev.ptrace_event, ev.signal, 0};
  switch (ev.kind) {
    case EventKind::kExitEvent:
    case EventKind::kVforkDoneEvent:
      if (ptrace(PTRACE_GETEVENTMSG, t.tid, 0, &stop.message) != 0) return false;
      break;
    case EventKind::kGroupStop:
    case EventKind::kInterruptStop: break;
    default: return false;
  }
  t.listening = false;  // a new stop ends a PTRACE_LISTEN
  dispatcher_.on_event_stop(t, stop);
  return t.held;
}

void Tracer::on_death(const WaitEvent& ev) {
  log().debug("{} {} (code {}, signal {})", ev.tid, event_kind_name(ev.kind), ev.code, ev.signal);
  kill_switch_->remove(ev.tid);
  if (storms_) storms_->forget(ev.tid);
  if (Tracee* t = tracees_.find(ev.tid)) {
    t->death_status = ev.kind == EventKind::kExited
                          ? ev.code << 8
                          : ev.signal | (ev.core_dumped ? WCOREFLAG : 0);
    unwatch(*t);
    dispatcher_.on_death(*t);
    release_orphans(*t);  // they inherit from the dead task: its values go after
    // A leader's death is reported once its threads are gone
    // (delay_group_leader(), kernel/exit.c): the process's end.
    if (t->tgid == ev.tid && ev.kind == EventKind::kExited) last_exit_ = ev.code;
  }
  registry_->died(ev.tid);
  tracees_.erase(ev.tid);
  placement_->update();
  if (!entered_.empty()) on_entered_death(ev);
  if (ev.tid != root_) return;
  root_status_ = ev.kind == EventKind::kExited ? ev.code : 128 + ev.signal;
  if (options_.kill_on_exit) kill_switch_->kill_all();
}

// After a syscall stop, polls for a short while before blocking. A stop is
// a round trip between the tracee's CPU and cocoon's; when cocoon blocks in
// waitpid its vCPU may halt, and on a VM whose guest kernel does no halt
// polling waking it again goes through the host (tens of µs when the host
// is busy: docs/benchmark.md). Syscall stops come in bursts (a find stops
// at every path call), so polling catches the next one with cocoon's vCPU
// awake: find with path translation went from 41x to 19x native in the slow
// regime (20 µs of polling: 27x; 200 µs: no better than 50). After process
// events (fork, exec, exit) the guest has real work to do, and polling
// would only take a CPU from it (300 x /bin/true: 1.27x -> 1.34x).
//
// While a signal is held back from a task (storm.h) the loop must wake by
// the hold's deadline even if no event comes: it polls, sleeping 100 µs
// between polls, and returns 0 at the deadline.
pid_t Tracer::wait_next(int* status) {
  if (hold_deadline_ != Clock::time_point::max()) {
    constexpr auto kNap = std::chrono::microseconds(100);
    for (;;) {
      const pid_t tid = waitpid(-1, status, __WALL | WNOHANG);
      if (tid != 0) return tid;
      const auto now = Clock::now();
      if (now >= hold_deadline_) return 0;
      std::this_thread::sleep_for(std::min<Clock::duration>(kNap, hold_deadline_ - now));
    }
  }
  if (spin_) {
    constexpr auto kSpin = std::chrono::microseconds(50);
    const auto until = std::chrono::steady_clock::now() + kSpin;
    do {
      const pid_t tid = waitpid(-1, status, __WALL | WNOHANG);
      if (tid != 0) return tid;  // an event, or an error (ECHILD: all gone)
    } while (std::chrono::steady_clock::now() < until);
  }
  return waitpid(-1, status, __WALL);
}

// With the filter, a seccomp stop is the entry of a call the policy
// traces, or of one the guest's own filter returned SECCOMP_RET_TRACE for
// (a tracer gets those whichever filter asked: kernel/seccomp.c; the
// data tells them apart: guest_seccomp_stop()). Without it only the
// guest's filter makes them, after the syscall-entry stop of the same
// call has been handled (ptrace's entry report comes before seccomp:
// syscall_trace_enter(), kernel/entry/common.c), so its handlers do not
// run again; no guest tracer can have asked for it (TRACESECCOMP is
// refused without the filter).
void Tracer::on_seccomp_stop(Tracee& t) {
  auto regs = arch::SyscallRegs::load(t.tid);
  if (!regs) {
    if (regs.error() != ESRCH) log().warn("reading registers of {}: errno {}", t.tid, regs.error());
    return resume(t);
  }
  if (!options_.use_seccomp) {
    // A call a handler answered (number -1) keeps its answer; the guest's
    // filter saw -1, not the call. A call whose entry cocoon judged by the
    // guest's filters (src/guest_filters.cc) was reported then, if at all.
    if (regs->nr() == -1 || t.guest_filters_ran) return resume(t);
    return no_seccomp_tracer(t, *regs);
  }
  if (t.rerun && rerun_entered(t, *regs)) return resume(t);
  // The guest's filters already stopped this call at its judged entry
  // (guest_trace_at_entry()), and its tracer changed it into a call they
  // trace again: the kernel lets that second TRACE through
  // (__seccomp_filter(), recheck_after_trace). cocoon's own policy decides.
  if (t.judge_entries && t.guest_filters_ran && regs->seccomp_data() != trace_data_) {
    return on_syscall_entry(t, *regs);
  }
  if (regs->seccomp_data() != trace_data_) {
    if (guest_seccomp_stop(t, regs->seccomp_data())) return;
    return no_seccomp_tracer(t, *regs);
  }
  on_syscall_entry(t, *regs);
}

// The guest's filter said SECCOMP_RET_TRACE and no tracer of the guest's
// own asked for the stop (PTRACE_O_TRACESECCOMP): the kernel fails the
// call with ENOSYS without running it (__seccomp_filter(),
// kernel/seccomp.c: "ENOSYS these calls if there is no tracer attached").
// cocoon, the real tracer, answers so. Without cocoon's filter the call's
// exit stop follows (PTRACE_SYSCALL), whose handlers see that result.
void Tracer::no_seccomp_tracer(Tracee& t, arch::SyscallRegs& regs) {
  regs.skip_with(-ENOSYS);
  if (!options_.use_seccomp) t.forced_result = -ENOSYS;
  if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
  resume(t);
}

// A seccomp stop a filter of the guest's asked for (its data is not
// cocoon's: own_trace_data()), whether or not cocoon's traces the call
// too. The handlers hear of it as the guest's PTRACE_EVENT_SECCOMP (its
// data as the message) before any of the call's handlers run, so a guest's
// tracer that keeps it (Tracee::held) sees the guest's own registers, as
// the kernel's order has the guest's filter's stop before the call runs;
// the call's handlers run when it is released (let_go()), on the registers
// that tracer left.
bool Tracer::guest_seccomp_stop(Tracee& t, std::uint16_t data) {
  dispatcher_.on_event_stop(t, EventStop{PTRACE_EVENT_SECCOMP, 0, data});
  if (!t.held) return false;
  t.entry_pending = true;
  return true;
}

// A task under an emulated PTRACE_SYSCALL (Tracee::step_all) reports its
// entry before any handler runs, so its tracer sees the guest's registers.
// With seccomp the call's seccomp stop, if the filter traces it, comes after
// this entry stop (syscall_trace_enter(), kernel/entry/common.c) and runs
// the handlers on whatever the guest's tracer left in the registers.
void Tracer::on_syscall_stop(Tracee& t) {
  auto regs = arch::SyscallRegs::load(t.tid);
  if (!regs) return resume(t);
  if (!regs->at_entry()) {
    if (t.kill_rerun && !t.kill_rerun->rewound) return kill_rerun(t, *regs);
    return on_syscall_exit(t, *regs);
  }
  if (t.rerun && rerun_entered(t, *regs)) return resume(t);
  // Any call of a task given a filter that kills (install_kill()): the
  // kernel kills for it.
  if (t.kill_rerun) return resume(t);
  t.guest_filters_ran = false;  // a new call
  if (t.step == Tracee::Step::kInstruction) {
    // Under PTRACE_SYSEMU_SINGLESTEP: a call the kernel stopped before it
    // ran, and will not run (Tracer::step()). The step ends here.
    end_step(t);
    return resume(t);
  }
  if (t.step_all) {
    dispatcher_.on_syscall_report(t, true);
    if (options_.use_seccomp) return resume(t);
    if (t.held) {
      t.entry_pending = true;
      return;
    }
  }
  if (t.judge_entries && !t.step_all && guest_trace_at_entry(t, *regs)) return;
  if (options_.use_seccomp && !t.step_all && t.exit_handlers == 0 && !t.observe_exit) {
    // Not a stop the loop asked for (a task released from step_all):
    // the filter decides this call.
    return resume(t);
  }
  on_syscall_entry(t, *regs);
}

void Tracer::on_syscall_exit(Tracee& t, arch::SyscallRegs& regs) {
  if (t.rerun && rerun_at_exit(t, regs)) return;
  if (t.restart_nr) restart_interrupted(t, regs);
  if (t.forced_result) {
    regs.set_result(*t.forced_result);
    t.forced_result.reset();
  }
  if (t.installing) filter_exit(t, regs);
  const auto stopped_at = t.observe_exit ? Clock::now() : Clock::time_point{};
  if (t.exit_handlers != 0) dispatcher_.on_exit(t, regs);
  if (t.observe_exit) {
    t.observe_exit = false;
    options_.observer->on_exit(t, regs, stopped_at);
  }
  registry_->end_call(t.tid);
  if (t.ran_args) put_back_guest_args(t, regs);
  if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
  if (t.step_all) dispatcher_.on_syscall_report(t, false);
  if (t.step == Tracee::Step::kSyscall) end_step(t);
  resume(t);
}

// The same Policy decides here as in the filter: without seccomp every call
// reaches this point, with it only the traced ones do.
void Tracer::on_syscall_entry(Tracee& t, arch::SyscallRegs& regs) {
  // Every traced call's entry: the row lookup only once a signal was seen.
  if (storms_ && storms_->tracking()) storms_->on_call(t.tid, is_sigreturn(regs));
  if (!options_.use_seccomp) {
    // The guest's own filters judge the guest's registers first (only a
    // task that installed some has any: the one cost for the rest is this
    // test). A call strict mode kills (the kernel, after this stop) runs
    // no handler: natively it never runs.
    if (t.strict_mode && !arch::strict_mode_allows(regs.abi(), regs.nr())) return resume(t);
    if (t.guest_filters && judged_by_guest_filters(t, regs)) return;
  }
  // The filter a call installs is copied before it runs (with cocoon's
  // filter the Ptrace handler traces these calls for it).
  if (regs.nr() == nr_seccomp_ || regs.nr() == nr_prctl_) filter_entry(t, regs);
  ObservedCall observed(options_.observer.get(), t, regs);
  const Decision d = decision_for(regs);
  if (d.action != Action::kAllow) {
    log().debug("{}: syscall {} ({}) arg0 {:#x} at {:#x}: {}", t.tid, regs.nr(), arch::name(regs.abi()),
                regs.arg(0), regs.ip(), action_name(d.action));
  }
  Verdict v = Verdict::resume();
  t.ran_args.reset();
  switch (d.action) {
    case Action::kAllow: break;
    case Action::kErrno: v = Verdict::skip(-static_cast<std::int64_t>(d.err)); break;
    case Action::kKill: kill(t.tid, SIGKILL); return;  // SIGKILL ends the whole process
    case Action::kTrace:
    case Action::kNotify:  // without a listener, a notified call stops
      v = dispatcher_.on_entry(t, regs);
      if (v.kind == Verdict::Kind::kSkip) put_back_skipped_args(t, regs);
      if (t.step_all) note_rewritten_args(t, regs);  // guest_args are this call's
      if (v.kind == Verdict::Kind::kResume && regs.arg0_pending()) v = start_rerun(t, regs);
      break;
  }
  if (t.exit_handlers == 0) registry_->end_call(t.tid);  // no exit stop for this call
  if (v.kind == Verdict::Kind::kSkip) {
    regs.skip_with(v.value);
    if (!options_.use_seccomp && !t.rerun) t.forced_result = v.value;
    if (!options_.use_seccomp && !t.rerun && t.guest_filters) quiet_skip(t, regs, v.value);
  }
  if (v.kind == Verdict::Kind::kHold) hold(t, v);  // resume() leaves it stopped
  observed.finish(regs, v);
  if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
  resume(t);
}

// A task under an emulated PTRACE_SYSCALL: whether its handlers rewrote
// the guest's arguments (a path into cocoon's scratch copy), which the
// exit stop would otherwise show to the guest's tracer.
void Tracer::note_rewritten_args(Tracee& t, const arch::SyscallRegs& regs) {
  std::array<std::uint64_t, 6> ran{};
  for (int i = 0; i < 6; ++i) ran[static_cast<std::size_t>(i)] = regs.arg(i);
  t.ran_args.reset();
  if (ran != t.guest_args) t.ran_args = ran;
}

// The guest's arguments go back where a handler's still stand. The kernel
// leaves argument registers as they were on x86-64 and i386, so the guest
// itself sees its own values again, as natively; arm64 and riscv64 hold
// the result in the first one (Dispatcher's restart_with_guest_args()).
void Tracer::put_back_guest_args(Tracee& t, arch::SyscallRegs& regs) {
  const int first = regs.abi() == arch::Arch::kX86_64 || regs.abi() == arch::Arch::kI386 ? 0 : 1;
  for (int i = first; i < 6; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    if ((*t.ran_args)[idx] != t.guest_args[idx]) regs.set_arg(i, t.guest_args[idx]);
  }
  t.ran_args.reset();
}

// A call a handler answered (skipped) after a translating handler
// rewrote its arguments (a pid made the host's) leaves them as the guest
// gave them: the kernel keeps the argument registers across a call on
// x86-64 and i386 (all but rax, rcx and r11), and compiled code may reuse
// one after an inline syscall. arm64 and riscv64 return the result in
// arg0's register.
void Tracer::put_back_skipped_args(const Tracee& t, arch::SyscallRegs& regs) {
  const int first = regs.abi() == arch::Arch::kX86_64 || regs.abi() == arch::Arch::kI386 ? 0 : 1;
  for (int i = first; i < 6; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    if (regs.arg(i) != t.guest_args[idx]) regs.set_arg(i, t.guest_args[idx]);
  }
}

void Tracer::resume(Tracee& t, int signal) {
  if (t.held) return;  // a handler releases it (StopControl)
  const bool want_exit = !options_.use_seccomp || t.exit_handlers != 0 || t.observe_exit ||
                         t.rerun || t.installing || t.judge_entries || t.forced_result ||
                         t.restart_nr ||
                         t.step_all || t.step == Tracee::Step::kSyscall ||
                         (storms_ && storms_->holding(t.tid));
  // PTRACE_SYSEMU_SINGLESTEP (x86 and arm64: 32), which glibc names only
  // on x86.
  constexpr long kSysemuSingleStep = 32;
  long request = want_exit ? long{PTRACE_SYSCALL} : long{PTRACE_CONT};
  if (t.step == Tracee::Step::kInstruction) request = kSysemuSingleStep;
  if (ptrace(static_cast<__ptrace_request>(request), t.tid, 0, signal) != 0 && errno != ESRCH) {
    log().warn("resuming {}: errno {}", t.tid, errno);
  }
  // A stop of cocoon's own took the trap a handler's interrupt asked for.
  if (t.interrupt_pending && ptrace(PTRACE_INTERRUPT, t.tid, 0, 0) != 0 && errno != ESRCH) {
    log().warn("PTRACE_INTERRUPT {}: errno {}", t.tid, errno);
  }
}

}  // namespace cocoon::tracer
