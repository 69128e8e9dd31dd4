// The emulated tracees' event stops (ptrace.h): the fork, vfork and clone
// events with the new task auto-attached, the exit event, PTRACE_EVENT_STOP
// (group-stop, interrupt-stop), and the report of a death. Each is the
// real stop cocoon sees for the same reason (cocoon seizes every task with
// the fork events on, and asks for the exit event where an emulated tracer
// did), kept for the emulated tracer: docs/internals/ptrace.md.
#include <sys/ptrace.h>

#include <csignal>

#include "ptrace/ptrace.h"

namespace cocoon::syscalls {

void Ptrace::on_event_stop(tracer::Tracee& tracee, const tracer::EventStop& stop) {
  if (stop.event == PTRACE_EVENT_FORK || stop.event == PTRACE_EVENT_VFORK ||
      stop.event == PTRACE_EVENT_CLONE) {
    return on_birth(tracee, stop);
  }
  auto it = tracees_.find(tracee.tid);
  if (it == tracees_.end()) return;
  EmulatedTracee& e = it->second;
  if (e.stop == StopKind::kDeath || e.unborn) return;
  if (stop.event == PTRACE_EVENT_EXIT || stop.event == PTRACE_EVENT_VFORK_DONE) {
    // Only a tracee whose tracer asked for it has the real event on
    // (sync_events()), and its children that inherited the option.
    if ((e.options & option_of_event(stop.event)) == 0) return;
    // The exit's wait status; the vfork child, a pid of the tracer's.
    const auto pid = static_cast<pid_t>(stop.message);
    e.event_msg = event_message_is_pid(stop.event)
                      ? static_cast<unsigned long>(seen_by(e.tracer, pid))
                      : stop.message;
    return keep(tracee, e, StopKind::kEvent, stop.event);
  }
  if (stop.event == PTRACE_EVENT_SECCOMP) {
    // A filter the guest installed said SECCOMP_RET_TRACE: its tracer's
    // stop if it asked for it (the kernel checks the tracer's option:
    // __seccomp_filter(), kernel/seccomp.c); GETEVENTMSG gives the
    // filter's SECCOMP_RET_DATA. The call's handlers run once it resumes.
    if ((e.options & PTRACE_O_TRACESECCOMP) == 0) return;
    e.event_msg = stop.message;
    return keep(tracee, e, StopKind::kEvent, stop.event);
  }
  if (stop.event != PTRACE_EVENT_STOP) return;
  // A group-stop is its tracer's always (as SIGSTOP.. without SEIZE); an
  // interrupt-stop only after PTRACE_INTERRUPT or PTRACE_LISTEN: cocoon
  // makes its own (a wait restarted, a stopped task seized).
  const bool group = stop.signal != SIGTRAP;
  const bool attaching = e.attacher != 0;  // the trap its ATTACH/SEIZE waits for
  if (attaching) {
    control_->finish_entry(e.attacher, 0);
    e.attacher = 0;
  }
  if (!group && !e.listening && !e.interrupted && !attaching) return;
  e.listening = false;
  e.interrupted = false;
  keep(tracee, e, StopKind::kEventStop, stop.signal);
}

// A tracee's fork, vfork or clone: with the matching option its tracer
// hears of the event (PTRACE_GETEVENTMSG: the new task), and the new task
// is traced from its start by the same tracer with the same options
// (ptrace(2), PTRACE_O_TRACEFORK), seized if its parent was. Its first
// stop comes to on_clone().
void Ptrace::on_birth(tracer::Tracee& parent, const tracer::EventStop& stop) {
  auto it = tracees_.find(parent.tid);
  if (it == tracees_.end()) return;
  EmulatedTracee& p = it->second;
  if (p.stop == StopKind::kDeath || (p.options & option_of_event(stop.event)) == 0) return;
  const auto child = static_cast<pid_t>(stop.message);
  EmulatedTracee c{p.tracer, p.options, p.seized};
  c.unborn = true;
  c.events = p.events;  // the kernel copies cocoon's options
  tracees_[child] = c;
  sync_judging(child, &c);
  p.event_msg = static_cast<unsigned long>(seen_by(p.tracer, child));
  keep(parent, p, StopKind::kEvent, stop.event);
}

// An auto-attached task's first stop: PTRACE_EVENT_STOP for a seized one,
// a SIGSTOP otherwise (ptrace(2), "Attaching and detaching"). cocoon's
// real stop is its own first one (an interrupt-stop, Tracee::Birth):
// the SIGSTOP is only reported, and a tracer that resumes the task with
// it does not stop it (strace and gdb resume with 0).
void Ptrace::on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) {
  (void)parent;
  zombies_.erase(child.tid);  // a new task has the number: the zombie was reaped
  auto it = tracees_.find(child.tid);
  if (it == tracees_.end() || !it->second.unborn) return;
  tracer::Tracee* t = control_->find(child.tid);
  if (t == nullptr) return;
  EmulatedTracee& e = it->second;
  e.unborn = false;
  if (e.seized) {
    keep(*t, e, StopKind::kEventStop, SIGTRAP);
  } else {
    keep(*t, e, StopKind::kSignal, SIGSTOP);
  }
}

// A tracee that is not its tracer's child died: its tracer's wait reports
// the death first (kernel/exit.c, wait_task_zombie()), then the real
// parent's, which cocoon leaves to the kernel.
void Ptrace::report_death(const tracer::Tracee& tracee, EmulatedTracee& e) {
  e.stop = StopKind::kDeath;
  e.value = tracee.death_status;
  e.unborn = false;
  announce(tracee.tid, e);
}

}  // namespace cocoon::syscalls
