// Pids: signals across the emulated namespace's boundary.
#include <signal.h>

#include <cerrno>
#include <optional>
#include <string>

#include "proc_fields.h"
#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/siginfo.h"
#include "cocoon/tracer/tracee.h"
#include "pids.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

pid_t as_pid(std::uint64_t v) { return static_cast<pid_t>(static_cast<std::int32_t>(v)); }

// Whether `sig` sent from inside the namespace reaches its init: only a
// signal init has a handler for; SIGKILL and SIGSTOP never
// (SIGNAL_UNKILLABLE, sig_task_ignored() in kernel/signal.c). The handled
// set is SigCgt of /proc/PID/status, a hex mask of signals 1..64.
// Whether init `init_real` has a handler for `sig` (SigCgt).
bool handles(pid_t init_real, int sig) {
  const auto caught = proc_field(init_real, "status", "SigCgt:");
  return caught && ((std::stoull(*caught, nullptr, 16) >> (sig - 1)) & 1ULL);
}

bool init_takes(pid_t init_real, int sig) {
  if (sig == 0) return true;  // a probe: nothing is delivered
  if (sig == SIGKILL || sig == SIGSTOP) return false;
  return handles(init_real, sig);
}

// The thread group of task `real`, from its status file.
std::optional<pid_t> tgid_of(pid_t real) {
  const auto tgid = proc_field(real, "status", "Tgid:");
  if (!tgid) return std::nullopt;
  return static_cast<pid_t>(std::stol(*tgid));
}

bool is_thread(pid_t real) {
  const auto tgid = tgid_of(real);
  return tgid && *tgid != real;
}

}  // namespace

// kill(2) of process `real` from a caller in namespace `from` (null: the
// host's): when `real` is the init of a namespace below the caller's, the
// kernel forces SIGKILL and SIGSTOP on it and drops any other signal it
// has no handler for (__send_signal_locked(): `force` for a sender the
// target's namespace cannot see; sig_task_ignored() for SIGNAL_UNKILLABLE).
// Then the call is answered 0 without a signal, as the kernel's.
bool Pids::ignored_by_lower_init(pid_t real, int sig, const PidNamespace* from) const {
  if (sig <= 0 || sig == SIGKILL || sig == SIGSTOP) return false;
  const PidNamespace* own = ns_of(real);
  if (own == nullptr || own == from || own->virtual_of(real) != 1) return false;
  return !handles(real, sig);
}

// kill(2): a member's number, or a group's as -N; -1 is every process of
// the namespace the caller may signal except init and itself.
Verdict Pids::kill(tracer::SyscallStop& stop, PidNamespace* ns) {
  const pid_t pid = as_pid(stop.regs.arg(0));
  const int sig = static_cast<int>(stop.regs.arg(1));
  if (pid == -1) return kill_all(stop, ns, sig);
  if (pid == 0) return Verdict::resume();
  auto real = pid > 0 ? ns->real_of(pid) : ns->group_real_of(-pid);
  if (!real) return Verdict::deny(ESRCH);
  if (pid == 1 && !init_takes(*real, sig)) return Verdict::skip(0);
  if (pid > 1 && ignored_by_lower_init(*real, sig, ns)) return Verdict::skip(0);
  const pid_t target = pid > 0 ? *real : -*real;
  stop.call.pids[0] = target;
  if (stop.regs.arg(0) == static_cast<std::uint64_t>(static_cast<std::int64_t>(target))) {
    return Verdict::resume();
  }
  stop.regs.set_arg(0, static_cast<std::uint64_t>(static_cast<std::int64_t>(target)));
  return Verdict::resume();
}

// tkill(tid, sig), tgkill(tgid, tid, sig), rt_sigqueueinfo(tgid, sig,
// info) and rt_tgsigqueueinfo(tgid, tid, sig, info), their pid arguments
// already the host's: the same rule as kill(2) for a namespace's init,
// whose whole thread group is unkillable (SIGNAL_UNKILLABLE is in its
// signal_struct): from inside its namespace, a signal it has no handler
// for is dropped, from above, all but SIGKILL and SIGSTOP
// (send_signal_locked() sets `force` for an ancestor sender, with or
// without siginfo; sig_task_ignored() drops the rest). The call then
// succeeds without a signal, as the kernel's. A tgkill whose thread is
// not in the group is left to the kernel (ESRCH).
Verdict Pids::signal_thread(tracer::SyscallStop& stop, PidNamespace* ns) {
  using arch::Sys;
  const auto sys = stop.desc.sys;
  const int sig_arg = sys == Sys::tkill || sys == Sys::rt_sigqueueinfo ? 1 : 2;
  const int sig = static_cast<int>(stop.regs.arg(sig_arg));
  const pid_t first = as_pid(stop.regs.arg(0));
  if (first <= 0 || sig <= 0) return Verdict::resume();
  pid_t group = first;
  if (sys == Sys::tkill || sys == Sys::tgkill || sys == Sys::rt_tgsigqueueinfo) {
    const pid_t thread = sys == Sys::tkill ? first : as_pid(stop.regs.arg(1));
    const auto tgid = tgid_of(thread);
    if (!tgid) return Verdict::resume();
    group = *tgid;
    if (sys != Sys::tkill && group != first) return Verdict::resume();
  }
  if (ns != nullptr && ns->virtual_of(group) == 1) {
    return init_takes(group, sig) ? Verdict::resume() : Verdict::skip(0);
  }
  return ignored_by_lower_init(group, sig, ns) ? Verdict::skip(0) : Verdict::resume();
}

// The kernel's kill(-1) (kill_something_info()): every process but init
// and the caller; success when one was signalled. The tracer sends them:
// all members run as the same real user as the caller.
Verdict Pids::kill_all(tracer::SyscallStop& stop, PidNamespace* ns, int sig) {
  const pid_t self = stop.tracee.tgid;
  bool any = false;
  int err = ESRCH;
  for (const auto& [v, real] : ns->members()) {
    if (v == 1 || real == self || is_thread(real)) continue;
    if (::kill(real, sig) == 0) {
      any = true;
    } else {
      err = errno;
    }
  }
  return any ? Verdict::skip(0) : Verdict::deny(err);
}

// si_pid names the sender (SI_USER, SI_QUEUE, SI_TKILL, SI_MESGQ) or, for
// SIGCHLD's CLD_* codes, the child: a number of the namespace, 0 for a
// process outside it, as the kernel reports a sender from an ancestor
// namespace (__send_signal_locked() in kernel/signal.c).
int Pids::on_signal(tracer::Tracee& tracee, int signal) {
  PidNamespace* ns = ns_of(tracee.tgid);
  if (ns == nullptr) return signal;
  auto info = tracer::get_siginfo(tracee.tid);
  if (!info) return signal;
  const int code = info->si_code;
  const bool from_process = code == SI_USER || code == SI_QUEUE || code == SI_TKILL ||
                            code == SI_MESGQ;
  const bool child = signal == SIGCHLD && code >= CLD_EXITED && code <= CLD_CONTINUED;
  if (!from_process && !child) return signal;
  const pid_t real = info->si_pid;
  const pid_t v = ns->group_virtual_of(real).value_or(0);
  if (v != real) {
    info->si_pid = v;
    tracer::set_siginfo(tracee.tid, *info);
  }
  return signal;
}

void Pids::kill_namespace_if_init(const tracer::Tracee& tracee, PidNamespace& ns) {
  if (tracee.tid != tracee.tgid || &ns == state_->root_pid_ns().get()) return;
  if (ns.virtual_of(tracee.tid) != 1) return;
  for (const auto& [v, real] : ns.members()) {
    if (real != tracee.tid) ::kill(real, SIGKILL);
  }
}

}  // namespace cocoon::syscalls
