#include "ptrace/ptrace.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "ptrace/proc_tasks.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// The registers' layouts the requests copy are the host's: a caller on the
// host's own ABI (x86-64, aarch64, riscv64) has its ptrace emulated; an
// i386 caller's stays refused by Containment.
bool emulated_abi(arch::Arch abi) { return abi == arch::host_arch(); }

}  // namespace

Decision Ptrace::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (!emulated_abi(abi)) return Decision::allow();
  // wait4 and waitid stop always: a tracer's wait must see the stops
  // cocoon keeps, which the kernel reports to cocoon alone. A process that
  // traces nothing pays the stop and runs its wait unchanged.
  if (arch::is_any(row.sys, {arch::Sys::ptrace, arch::Sys::wait4, arch::Sys::waitid})) {
    return Decision::trace();
  }
  // A filter the guest installs is copied by the tracer at these calls'
  // entries and kept at their exits (Tracer::filter_entry): a guest
  // tracer's PTRACE_O_TRACESECCOMP may need it later (Tracee::judge_entries).
  // Without cocoon's filter every call stops anyway.
  if (row.sys == arch::Sys::seccomp) return Decision::allow().tracing_values(0, {SECCOMP_SET_MODE_FILTER});
  if (row.sys == arch::Sys::prctl) return Decision::allow().tracing_values(0, {PR_SET_SECCOMP});
  return Decision::allow();
}

Verdict Ptrace::on_entry(tracer::SyscallStop& stop) {
  if (stop.desc.sys == arch::Sys::ptrace) return request(stop);
  if (stop.desc.sys == arch::Sys::wait4 || stop.desc.sys == arch::Sys::waitid) return wait(stop);
  return Verdict::resume();
}

// Whether a child of `tracer` that the wait selects and that is not an
// emulated tracee is a zombie already: the kernel's wait reaps it at once,
// so it must not be kept (children as /proc/PID/task/TID/children lists
// them, proc(5)).
bool Ptrace::has_zombie(pid_t tracer, pid_t selector) const {
  for (pid_t thread : proc_tasks::threads_of(tracer)) {
    for (pid_t child : proc_tasks::children_of(tracer, thread)) {
      if (tracees_.contains(child) || !wait_selects(selector, child)) continue;
      if (proc_tasks::is_zombie(child)) return true;
    }
  }
  return false;
}

bool Ptrace::traces_any(pid_t tracer, pid_t selector) const {
  for (const auto& [tid, e] : tracees_) {
    if (e.tracer == tracer && wait_selects(selector, tid)) return true;
  }
  return false;
}

// The wait4 or waitid in `stop` as the emulation reads it; nullopt for one
// it leaves to the kernel (a waitid by pidfd, or one the kernel refuses).
// A process group is taken as "any" (wait_selects()).
std::optional<HeldWait> Ptrace::read_wait(const tracer::SyscallStop& stop, bool* nohang) const {
  HeldWait w{stop.tracee.tgid};
  const auto& r = stop.regs;
  std::uint64_t options = 0;
  if (stop.desc.sys == arch::Sys::wait4) {
    w.selector = static_cast<pid_t>(r.arg(0));
    w.out_addr = r.arg(1);
    options = r.arg(2);
  } else {
    const auto id = static_cast<pid_t>(r.arg(1));
    switch (r.arg(0)) {
      case P_ALL: w.selector = -1; break;
      case P_PID:
        if (id <= 0) return std::nullopt;  // EINVAL
        w.selector = id;
        break;
      case P_PGID: w.selector = 0; break;
      default: return std::nullopt;
    }
    options = r.arg(3);
    if ((options & (WEXITED | WSTOPPED | WCONTINUED)) == 0) return std::nullopt;  // EINVAL
    w.waitid = true;
    w.out_addr = r.arg(2);
    w.no_wait = (options & WNOWAIT) != 0;
  }
  *nohang = (options & WNOHANG) != 0;
  return w;
}

// A wait by a tracer of emulated tracees: the earliest stop it has not been
// told of, as the kernel reports a ptrace stop to its tracer (ptrace(2),
// "Stopped states"; WUNTRACED is not needed for a tracee). With none,
// WNOHANG and a wait that selects no emulated tracee run as they are (the
// kernel does not see cocoon's stops as the tracer's: 0, or another
// child's change), and a blocking wait is kept at its entry until a stop
// comes (keep()) or a child it selects dies (on_death()), as PRoot does.
// rusage is left as it was.
Verdict Ptrace::wait(tracer::SyscallStop& stop) {
  bool nohang = false;
  const auto w = read_wait(stop, &nohang);
  if (!w || !traces_any(w->tracer, w->selector)) return Verdict::resume();
  EmulatedTracee* first = nullptr;
  pid_t first_tid = 0;
  for (auto& [tid, e] : tracees_) {
    if (e.tracer != w->tracer || e.stop == StopKind::kNone || e.reported || e.unborn) continue;
    if (!wait_selects(w->selector, tid) || (first != nullptr && first->order < e.order)) continue;
    first = &e;
    first_tid = tid;
  }
  if (first != nullptr) return Verdict::skip(report(stop.memory, *w, first_tid, *first));
  if (nohang || has_zombie(w->tracer, w->selector)) return Verdict::resume();
  waits_[stop.tracee.tid] = *w;
  return Verdict::hold_interruptible();
}

// Writes what the wait returns for `tid`'s stop: wait4's status word, or
// waitid's siginfo (CLD_TRAPPED, si_status the stop's signal and event:
// wait_task_stopped(); for a death CLD_EXITED/KILLED/DUMPED:
// wait_task_zombie(), kernel/exit.c). Returns the call's result. A death
// reported (without WNOWAIT) is forgotten, as the kernel releases a
// traced task that is not its tracer's child once its tracer reaped it.
std::int64_t Ptrace::report(const tracer::GuestMemory& memory, const HeldWait& w, pid_t tid,
                            EmulatedTracee& e) {
  const int status = stop_status(e.stop, e.value, e.options, e.seized);
  const bool death = e.stop == StopKind::kDeath;
  const pid_t seen = seen_by(w.tracer, tid);
  if (w.waitid) {
    siginfo_t info{};
    info.si_signo = SIGCHLD;
    info.si_pid = seen;
    info.si_uid = proc_tasks::uid_of(tid);
    if (!death) {
      info.si_code = CLD_TRAPPED;
      info.si_status = status >> 8;
    } else if (WIFEXITED(status)) {
      info.si_code = CLD_EXITED;
      info.si_status = WEXITSTATUS(status);
    } else {
      info.si_code = WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
      info.si_status = WTERMSIG(status);
    }
    if (w.out_addr != 0 && !memory.write(w.out_addr, std::as_bytes(std::span(&info, 1)))) {
      return -EFAULT;
    }
  } else if (w.out_addr != 0 && !memory.write(w.out_addr, std::as_bytes(std::span(&status, 1)))) {
    return -EFAULT;
  }
  if (!w.no_wait) {
    e.reported = true;
    if (death) tracees_.erase(tid);  // `e` is gone from here on
  }
  return w.waitid ? 0 : seen;
}

// The number the task `real` has in the PID namespace of the process
// `tracer`, as the kernel gives a tracer its tracees' pids (task_pid_vnr()
// in wait_task_stopped() and wait_task_zombie(), kernel/exit.c;
// ptrace_event_pid(), include/linux/ptrace.h); the host's number without
// a PID namespace. A tracee is in its tracer's namespace or one below
// (a task the tracer cannot name cannot be attached, and a child is born
// in its parent's namespace or below), so it has a number there: a dead
// one its retired number until reaped, a child not numbered yet by Pids
// (its parent's fork event comes before its birth) the next one.
pid_t Ptrace::seen_by(pid_t tracer, pid_t real) const {
  const std::shared_ptr<PidNamespace> ns = pids_ ? pids_->pid_ns(tracer) : nullptr;
  if (!ns) return real;
  if (auto v = ns->group_virtual_of(real)) return *v;
  return ns->member(real);
}

// `tracee` enters a stop its tracer is to hear of: cocoon keeps it there
// (and its exit and vfork-done events are traced if its tracer asked:
// PTRACE_SETOPTIONS needs a stop), and the tracer hears of it (announce()).
//
// Any stop clears a pending PTRACE_INTERRUPT's trap (ptrace_stop(),
// kernel/signal.c): the tracer hears of this one instead.
void Ptrace::keep(tracer::Tracee& tracee, EmulatedTracee& e, StopKind kind, int value) {
  e.stop = kind;
  e.value = value;
  e.interrupted = false;
  tracee.interrupt_pending = false;
  tracee.held = true;
  sync_events(tracee.tid, e);
  announce(tracee.tid, e);
}

// The events cocoon does not ask for itself (PTRACE_EVENT_EXIT and
// VFORK_DONE) are on in its options for a held tracee exactly when its
// tracer asked for them.
void Ptrace::sync_events(pid_t tid, EmulatedTracee& e) {
  const std::uint64_t want = e.options & (PTRACE_O_TRACEEXIT | PTRACE_O_TRACEVFORKDONE);
  if (want == e.events) return;
  control_->trace_events(tid, want);
  e.events = want;
}

// Where the run notifies common calls, a tracee whose tracer asked for
// PTRACE_O_TRACESECCOMP has its entries judged by cocoon (Tracee::
// judge_entries); set whenever its options are (SEIZE, SETOPTIONS, an
// auto-attached child), cleared when it is no longer traced.
void Ptrace::sync_judging(pid_t tid, const EmulatedTracee* e) {
  if (!notifies_calls_) return;
  control_->judge_entries(tid, e != nullptr && (e->options & PTRACE_O_TRACESECCOMP) != 0);
}

// `tid`'s new stop (or death) is reported next after those before it: a
// waiting tracer gets it now, and the tracer's process gets SIGCHLD as
// from the kernel (do_notify_parent_cldstop(), do_notify_parent(),
// kernel/signal.c), which debuggers wait for (gdb sleeps in sigsuspend
// between its waits).
void Ptrace::announce(pid_t tid, EmulatedTracee& e) {
  e.reported = false;
  e.order = next_order_++;
  kill(e.tracer, SIGCHLD);
  for (auto it = waits_.begin(); it != waits_.end(); ++it) {
    if (it->second.tracer != e.tracer || !wait_selects(it->second.selector, tid)) continue;
    const auto [waiter, w] = *it;
    waits_.erase(it);
    control_->finish_entry(waiter, report(tracer::GuestMemory(waiter), w, tid, e));
    return;
  }
}

// A tracee died: a wait kept for it runs as it is, and finds the zombie
// (cocoon has reaped the ptrace side; the kernel now reports the death to
// the real parent, which the tracer is: wait_task_zombie(), kernel/exit.c).
void Ptrace::release_waits(pid_t tracer, pid_t tid) {
  for (auto it = waits_.begin(); it != waits_.end();) {
    if (it->second.tracer != tracer || !wait_selects(it->second.selector, tid)) {
      ++it;
      continue;
    }
    const pid_t waiter = it->first;
    it = waits_.erase(it);
    if (tracer::Tracee* t = control_->find(waiter)) control_->release(waiter, 0, t->step_all);
  }
}

// A held wait ended by a signal (Verdict::hold_interruptible()): it is the
// kernel's again, to restart or fail with EINTR.
void Ptrace::on_hold_interrupted(const tracer::Tracee& tracee) { waits_.erase(tracee.tid); }

void Ptrace::on_syscall_report(tracer::Tracee& tracee, bool at_entry) {
  auto it = tracees_.find(tracee.tid);
  if (it == tracees_.end()) return;
  keep(tracee, it->second, at_entry ? StopKind::kSyscallEntry : StopKind::kSyscallExit, 0);
}

// Without PTRACE_O_TRACEEXEC the kernel sends a tracee it did not seize a
// plain SIGTRAP after a successful execve (ptrace(2), "execve(2) under
// ptrace"), which then stops it as any signal does; cocoon sends the same
// signal.
void Ptrace::on_exec(tracer::Tracee& tracee, const tracer::GuestMemory& memory) {
  (void)memory;
  auto it = tracees_.find(tracee.tid);
  if (it == tracees_.end() || it->second.stop == StopKind::kDeath) return;
  EmulatedTracee& e = it->second;
  if ((e.options & PTRACE_O_TRACEEXEC) == 0) {
    if (!e.seized) syscall(SYS_tgkill, tracee.tgid, tracee.tid, SIGTRAP);
    return;
  }
  e.event_msg = static_cast<unsigned long>(seen_by(e.tracer, tracee.tid));  // the former thread id
  keep(tracee, e, StopKind::kEvent, PTRACE_EVENT_EXEC);
}

// A signal for an emulated tracee is its tracer's first (ptrace(2),
// "Signal-delivery-stop"); SIGKILL never stops.
int Ptrace::on_signal(tracer::Tracee& tracee, int signal) {
  auto it = tracees_.find(tracee.tid);
  if (it == tracees_.end() || it->second.stop == StopKind::kDeath || signal == SIGKILL) {
    return signal;
  }
  keep(tracee, it->second, StopKind::kSignal, signal);
  return signal;
}

// A child's death ends a wait kept for it, a tracee's or not: the
// kernel's wait then reaps it. A tracee that is not its tracer's child
// (nor the process of one: a thread) has its death reported by the
// emulation (report_death()).
void Ptrace::on_death(const tracer::Tracee& tracee) {
  waits_.erase(tracee.tid);
  if (auto it = tracees_.find(tracee.tid); it != tracees_.end()) {
    EmulatedTracee& e = it->second;
    const pid_t tracer = e.tracer;
    if (e.attacher != 0) control_->finish_entry(e.attacher, 0);  // attached, as natively
    e.attacher = 0;
    if (tracee.tid != tracee.tgid || tracee.parent_tgid != tracer) {
      report_death(tracee, e);
    } else {
      tracees_.erase(it);
      zombies_[tracee.tid] = tracer;
      release_waits(tracer, tracee.tid);
    }
  } else if (tracee.tid == tracee.tgid && tracee.parent_tgid != 0) {
    release_waits(tracee.parent_tgid, tracee.tid);
  }
  if (tracee.tid == tracee.tgid) tracer_gone(tracee.tgid);
}

// The tracer's process is gone: its tracees are killed under
// PTRACE_O_EXITKILL, else detached and resumed (exit_ptrace(),
// kernel/ptrace.c), a kept signal delivered.
void Ptrace::tracer_gone(pid_t tracer) {
  std::erase_if(zombies_, [tracer](const auto& z) { return z.second == tracer; });
  std::vector<std::pair<pid_t, EmulatedTracee>> gone;
  for (const auto& [tid, e] : tracees_) {
    if (e.tracer == tracer) gone.emplace_back(tid, e);
  }
  for (const auto& [tid, e] : gone) {
    tracees_.erase(tid);
    if (e.stop == StopKind::kDeath) continue;  // its number may be another's now
    if ((e.options & PTRACE_O_EXITKILL) != 0) kill(tid, SIGKILL);
    if (e.events != 0 && e.stop != StopKind::kNone) control_->trace_events(tid, 0);
    sync_judging(tid, nullptr);  // running or not
    control_->release(tid, e.stop == StopKind::kSignal ? e.value : 0, false);
  }
}

}  // namespace cocoon::syscalls
