// PTRACE_ATTACH and PTRACE_SEIZE of a guest task (ptrace.h). Only a task
// of this run can become an emulated tracee (never cocoon, never a task
// outside the run: EPERM, as the kernel's answer for a task the caller may
// not trace), by the kernel's rules (ptrace_attach(), kernel/ptrace.c;
// may_attach() in ptrace_stops.h) on the tasks' real ids, capabilities,
// dumpability (the kernel's, and the guest's own PR_SET_DUMPABLE 0:
// guard/dumpable.h) and the host's Yama scope.
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "guard/ptrace_cap.h"
#include "ptrace/proc_tasks.h"
#include "ptrace/ptrace.h"

namespace cocoon::syscalls {
namespace {

// Whether `ancestor`'s process is among `tid`'s ancestors (Yama's
// task_is_descendant(), on the parent chain /proc shows).
bool descends(pid_t tid, pid_t ancestor) {
  for (pid_t p = proc_tasks::parent_of(tid); p > 1; p = proc_tasks::parent_of(p)) {
    if (p == ancestor) return true;
  }
  return false;
}

// What may_attach() decides on, read from /proc; nullopt if either task
// is gone.
std::optional<AttachFacts> read_facts(pid_t caller, pid_t ancestor, pid_t target) {
  const auto cu = proc_tasks::status_numbers(caller, "Uid");
  const auto cg = proc_tasks::status_numbers(caller, "Gid");
  const auto tu = proc_tasks::status_numbers(target, "Uid");
  const auto tg = proc_tasks::status_numbers(target, "Gid");
  if (cu.empty() || cg.empty() || tu.size() < 3 || tg.size() < 3) {
    return std::nullopt;
  }
  AttachFacts f;
  f.caller_uid = static_cast<std::uint32_t>(cu[0]);
  f.caller_gid = static_cast<std::uint32_t>(cg[0]);
  for (std::size_t i = 0; i < 3; ++i) {
    f.target_uids[i] = static_cast<std::uint32_t>(tu[i]);
    f.target_gids[i] = static_cast<std::uint32_t>(tg[i]);
  }
  f.caller_cap_over_creds = has_cap_sys_ptrace_over(caller, target);
  f.caller_cap_over_memory = has_cap_sys_ptrace_over_memory(caller);
  f.caps_cover = caps_cover(caller, target);
  // A task that is not dumpable has the files of its /proc/PID owned by
  // root, not by its euid (a root daemon that dropped to the caller's uid
  // without an exec: suid_dumpable). The directory's owner never told.
  f.target_dumpable = proc_tasks::proc_owner(target) == static_cast<long>(tu[1]);
  f.target_descends = descends(target, ancestor);
  f.yama_scope = proc_tasks::yama_scope();
  return f;
}

}  // namespace

// ptrace_attach(): SEIZE wants addr 0 and known options (EIO); a task of
// the caller's own process, or one already traced, is EPERM. The tracee
// goes on running: ATTACH sends it SIGSTOP (its signal-delivery-stop is
// the tracer's first report); SEIZE leaves it be until PTRACE_INTERRUPT.
// A task in a group-stop (which cocoon listens to) is made to trap again,
// as the kernel does (JOBCTL_TRAP_STOP), and that group-stop is reported;
// the caller waits for that trap, as in the kernel (JOBCTL_TRAPPING), so
// that a SIGCONT it sends next finds the tracee in it.
tracer::Verdict Ptrace::attach(tracer::SyscallStop& stop, long req) {
  const auto tid = static_cast<pid_t>(stop.regs.arg(1));
  const std::uint64_t addr = stop.regs.arg(2);
  const std::uint64_t options = stop.regs.arg(3);
  if (req == PTRACE_SEIZE) {
    if (addr != 0) return tracer::Verdict::deny(EIO);
    if (int err = check_options(options, EIO); err != 0) return tracer::Verdict::deny(err);
  }
  tracer::Tracee* t = tid > 0 ? control_->find(tid) : nullptr;
  if (t == nullptr || tid == getpid()) {
    const bool exists = tid > 0 && (kill(tid, 0) == 0 || errno == EPERM);
    return tracer::Verdict::deny(exists ? EPERM : ESRCH);
  }
  if (t->tgid == stop.tracee.tgid || tracees_.contains(tid)) return tracer::Verdict::deny(EPERM);
  const auto facts = read_facts(stop.tracee.tid, stop.tracee.tgid, tid);
  if (!facts) return tracer::Verdict::deny(ESRCH);
  if (int err = may_attach(*facts); err != 0) return tracer::Verdict::deny(err);
  // A task that made itself not dumpable for the guest (its real one
  // stays dumpable: guard/dumpable.h), as the kernel's own check above.
  if (dumpable_ && !dumpable_->may_reach(stop.tracee.tgid, stop.tracee.tid, tid)) {
    return tracer::Verdict::deny(EPERM);
  }
  EmulatedTracee e{stop.tracee.tgid};
  e.seized = req == PTRACE_SEIZE;
  e.options = e.seized ? options : 0;
  if (req == PTRACE_ATTACH) syscall(SYS_tgkill, t->tgid, tid, SIGSTOP);
  if (t->listening) {
    e.attacher = stop.tracee.tid;
    tracees_[tid] = e;
    control_->interrupt(tid);
    sync_judging(tid, &e);
    return tracer::Verdict::hold();
  }
  tracees_[tid] = e;
  sync_judging(tid, &e);
  return tracer::Verdict::skip(0);
}

}  // namespace cocoon::syscalls
