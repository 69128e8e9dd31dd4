// The Tracer's new tasks: the clone events that announce them, their
// first stops (held until the parent's event is seen), orphans whose
// parent died before its event, and the exec event that renumbers a
// thread group's task (tracer.h).
#include <sys/ptrace.h>

#include <cerrno>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracer.h"
#include "kill_switch.h"
#include "placement.h"
#include "proc_status.h"
#include "storm.h"

namespace cocoon::tracer {

// The kernel reports PTRACE_EVENT_FORK or VFORK for a new process, and CLONE
// for anything else (kernel/fork.c, kernel_clone: a thread, or a process
// with an exit signal other than SIGCHLD): only then is /proc asked.
void Tracer::on_clone_event(Tracee& t, int ptrace_event) {
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, t.tid, 0, &msg) == 0) {
    const auto child = static_cast<pid_t>(msg);
    const pid_t tgid = ptrace_event == PTRACE_EVENT_CLONE ? read_tgid(child).value_or(0) : child;
    if (ptrace_event == PTRACE_EVENT_CLONE) threads_seen_ = true;  // before the child runs
    const bool seen = tracees_.find(child) != nullptr;
    Tracee& c = adopt(child, tgid);
    if (c.tgid == 0) c.tgid = tgid;
    c.parent_tid = t.tid;
    c.parent_tgid = t.tgid;
    c.guest_filters = t.guest_filters;  // inherited (copy_seccomp(), kernel/fork.c)
    dispatcher_.on_event_stop(t, EventStop{ptrace_event, 0, msg});  // may hold the parent
    if (seen && c.birth == Tracee::Birth::kHeld) {
      release_child(c, true);
    } else {
      c.birth = Tracee::Birth::kAwaitFirstStop;
    }
    placement_->update();
  }
  resume(t);
}

// Both halves of a birth are in (Tracee::Birth): the handlers hear of it,
// then the child runs.
void Tracer::release_child(Tracee& child, bool run) {
  Tracee stand_in;
  stand_in.tid = child.parent_tid;
  stand_in.tgid = child.parent_tgid;
  const Tracee* parent = tracees_.find(child.parent_tid);
  child.birth = Tracee::Birth::kBorn;
  registry_->born(child.tid, child.tgid, child.parent_tid, child.parent_tgid);
  dispatcher_.on_clone(parent != nullptr ? *parent : stand_in, child);
  if (run) resume(child);
}

// A new task's first stop, once its parent's event was seen. A
// PTRACE_INTERRUPT made before it trapped (a guest tracer that seized it
// and interrupted it at once, or whose tracee it became at its birth) is
// the same trap: the kernel sets JOBCTL_TRAP_STOP once, and any trap clears
// it (ptrace_stop(), kernel/signal.c). So the handlers hear of it as an
// interrupt-stop too, and may keep it for the guest's tracer.
void Tracer::on_first_stop(Tracee& t, const WaitEvent& ev) {
  t.interrupt_pending = false;
  if (t.held || on_event_stop(t, ev)) return;
  resume(t);
}

// A child held for its parent's clone event that will never come: the
// parent died between making it and reporting it (a fatal signal skips the
// ptrace stop, ptrace_stop() in kernel/signal.c). Its children are those
// whose parent process, or thread group, was the dead task's.
void Tracer::release_orphans(const Tracee& dead) {
  std::vector<Tracee*> held;
  tracees_.for_each([&](Tracee& c) {
    if (c.birth == Tracee::Birth::kHeld) held.push_back(&c);
  });
  for (Tracee* c : held) {
    const pid_t tgid = read_tgid(c->tid).value_or(0);
    const pid_t ppid = read_ppid(c->tid).value_or(0);
    if (tgid != dead.tgid && ppid != dead.tgid && ppid != dead.tid) continue;
    c->tgid = tgid;
    c->parent_tid = dead.tid;
    c->parent_tgid = dead.tgid;
    release_child(*c, true);
  }
}

// After an exec by a non-leader thread, that thread takes over the leader's
// tid, and the event message holds its former tid (ptrace(2), "execve(2)
// under ptrace"); the other threads have been reported dead already or will
// be, except the old leader, whose death is never reported.
void Tracer::on_exec_event(Tracee& t) {
  unsigned long msg = 0;
  const auto former = ptrace(PTRACE_GETEVENTMSG, t.tid, 0, &msg) == 0 ? static_cast<pid_t>(msg) : t.tid;
  if (former != t.tid) {
    if (Tracee* old = tracees_.find(former)) {
      t.exit_handlers = old->exit_handlers;
      t.entry_args = old->entry_args;
      t.entry_nr = old->entry_nr;
      t.forced_result = old->forced_result;
      t.observe_exit = old->observe_exit;
      t.guest_filters = old->guest_filters;  // the thread's own, kept across exec
      t.judge_entries = old->judge_entries;  // its emulated tracer's, which follows it
      kill_switch_->remove(former);
      if (storms_) storms_->forget(former);
      tracees_.erase(former);
      placement_->update();
    }
  }
  registry_->exec(t.tid, former);
  t.ran_args.reset();  // the new image's registers are the kernel's, not the call's
  t.rerun.reset();
  dispatcher_.on_exec(t);
  resume(t);
}

}  // namespace cocoon::tracer
