// Pids: the calls that take or return a pid, at entry and exit.
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <span>
#include <string_view>
#include <unordered_map>

#include "proc_fields.h"
#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/tracee.h"
#include "pids.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

enum class Call : std::uint8_t {
  kGeneric,  // only `pid`-role arguments
  kGetpid, kGettid, kGetppid, kGroupResult, kGetGroupOf, kFork, kClone, kSetTidAddress,
  kWait4, kWaitid, kKill, kSignalThread, kSetpgid, kPriority, kIoprio, kIoctl, kSeccomp,
};

Call call_of(arch::Sys sys) {
  using arch::Sys;
  switch (sys) {
    case Sys::getpid: return Call::kGetpid;
    case Sys::gettid: return Call::kGettid;
    case Sys::getppid: return Call::kGetppid;
    case Sys::getpgrp: case Sys::setsid: return Call::kGroupResult;
    case Sys::getpgid: case Sys::getsid: return Call::kGetGroupOf;
    case Sys::fork: case Sys::vfork: return Call::kFork;
    case Sys::clone: return Call::kClone;
    case Sys::set_tid_address: return Call::kSetTidAddress;
    case Sys::wait4: return Call::kWait4;
    case Sys::waitid: return Call::kWaitid;
    case Sys::kill: return Call::kKill;
    case Sys::tkill: case Sys::tgkill: case Sys::rt_sigqueueinfo:
    case Sys::rt_tgsigqueueinfo: return Call::kSignalThread;
    case Sys::setpgid: return Call::kSetpgid;
    case Sys::getpriority: case Sys::setpriority: return Call::kPriority;
    case Sys::ioprio_get: case Sys::ioprio_set: return Call::kIoprio;
    case Sys::ioctl: return Call::kIoctl;
    case Sys::seccomp: return Call::kSeccomp;
    default: return Call::kGeneric;
  }
}

bool has_pid_arg(const arch::SyscallDesc& row) {
  for (int i = 0; i < row.arg_count; ++i) {
    if (row.args[static_cast<std::size_t>(i)] == arch::ArgRole::kPid) return true;
  }
  return false;
}

pid_t as_pid(std::uint64_t v) { return static_cast<pid_t>(static_cast<std::int32_t>(v)); }

// Where clone(2) takes the child's tid pointer: x86-64 (flags, stack,
// ptid, ctid, tls); arm64 and riscv64 select CONFIG_CLONE_BACKWARDS
// (flags, stack, ptid, tls, ctid), kernel/fork.c.
int clone_ctid_arg(arch::Arch abi) { return abi == arch::Arch::kX86_64 ? 3 : 4; }

// Writes the host's number `value` as pid argument `i`, and into the
// decoded call for the handler that emulates it. Where arg0 cannot be
// rewritten at the stop (riscv64 before Linux 6.16) the tracer runs the
// call again with it (tracer/src/rerun.cc).
void set_arg(tracer::SyscallStop& stop, int i, pid_t value) {
  stop.call.pids[static_cast<std::size_t>(i)] = value;
  if (static_cast<std::int64_t>(stop.regs.arg(i)) == value) return;
  stop.regs.set_arg(i, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
}

bool write_pid(pid_t tid, std::uint64_t addr, pid_t value) {
  return static_cast<bool>(
      tracer::GuestMemory(tid).write(addr, std::as_bytes(std::span(&value, 1))));
}

// Whether a wait4 that returned a child reaped it: always, unless it
// may report stops and continues (WUNTRACED, WCONTINUED), then as the
// status word says.
bool wait4_reaped(const tracer::SyscallStop& stop) {
  if (!(stop.tracee.entry_args[2] & (WUNTRACED | WCONTINUED))) return true;
  int status = 0;
  const std::uint64_t at = stop.tracee.entry_args[1];
  if (at == 0 || !stop.memory.read(at, std::as_writable_bytes(std::span(&status, 1)))) return false;
  return WIFEXITED(status) || WIFSIGNALED(status);
}

// Pids answers getpid and gettid itself; a call that returns a pid it
// corrects at the exit; a pid argument it translates for the kernel, or
// for the handler that emulates the call (Affinity, ProcessGuard). kill's
// -1 (every process of the namespace) and a signal init ignores have no
// host number: Pids answers them while translating, as the kernel would.
tracer::Phase phase_of(Call call) {
  switch (call) {
    case Call::kGetpid:
    case Call::kGettid: return tracer::Phase::kEmulate;
    case Call::kGetppid:
    case Call::kGroupResult:
    case Call::kFork:
    case Call::kClone:
    case Call::kSetTidAddress:
    case Call::kSeccomp: return tracer::Phase::kFixup;
    default: return tracer::Phase::kTranslate;
  }
}

}  // namespace

Pids::Pids(std::shared_ptr<const PidNamespaces> ns, tracer::ProcessRegistry& registry)
    : state_(std::move(ns)),
      clones_by_parent_(registry),
      clones_by_child_(registry, tracer::OnClone::kFresh, tracer::OnClone::kFresh,
                       tracer::OnExec::kKeep),
      forks_from_(registry) {}

Decision Pids::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // seccomp(2) with SECCOMP_FILTER_FLAG_TSYNC, which the kernel refuses
  // with the id of a thread it could not sync, in the caller's namespace
  // (seccomp_can_sync_threads(), kernel/seccomp.c: task_pid_vnr()). Only
  // those calls stop; the i386 ABI's run as they are.
  if (row.sys == arch::Sys::seccomp) {
    if (abi != arch::host_arch()) return Decision::allow();
    Decision d = Decision::trace_if_nonzero(1).in(phase_of(Call::kSeccomp));
    d.when_bits = SECCOMP_FILTER_FLAG_TSYNC;
    return d;
  }
  const bool ours = call_of(row.sys) != Call::kGeneric || has_pid_arg(row) ||
                    row.ret == arch::RetRole::kPid;
  if (!ours || row.sys == arch::Sys::clone3) return Decision::allow();
  // The i386 ABI would see and reach real pids: refused, not leaked.
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  return Decision::trace().in(phase_of(call_of(row.sys)));
}

Verdict Pids::on_entry(tracer::SyscallStop& stop) {
  const tracer::Tracee& t = stop.tracee;
  PidNamespace* ns = ns_of(t.tgid);
  if (ns == nullptr) {
    // The host's numbers; only clone needs a note, for its child's words,
    // and kill of an emulated namespace's init (ignored_by_lower_init).
    if (call_of(stop.desc.sys) == Call::kClone) clone_entry(stop, nullptr);
    if (call_of(stop.desc.sys) == Call::kKill) {
      const auto target = static_cast<pid_t>(static_cast<std::int32_t>(stop.regs.arg(0)));
      if (target > 0 && ignored_by_lower_init(target, static_cast<int>(stop.regs.arg(1)), nullptr)) {
        return Verdict::skip(0);
      }
    }
    if (call_of(stop.desc.sys) == Call::kSignalThread) return signal_thread(stop, nullptr);
    return Verdict::resume();
  }
  if (t.tgid > 0) ns->member(t.tgid);
  switch (call_of(stop.desc.sys)) {
    case Call::kGetpid: return Verdict::skip(ns->member(t.process()));
    case Call::kGettid: return Verdict::skip(ns->member(t.tid));
    case Call::kGetppid:
    case Call::kGroupResult:
    case Call::kSetTidAddress: return Verdict::resume_to_exit();
    case Call::kFork:
      forks_from_.set(t.tid, ns->next());
      return Verdict::resume_to_exit();
    case Call::kClone:
      forks_from_.set(t.tid, ns->next());
      return clone_entry(stop, ns);
    case Call::kGetGroupOf: {
      Verdict v = translate_args(stop, ns);
      return v.kind == Verdict::Kind::kSkip ? v : Verdict::resume_to_exit();
    }
    case Call::kWait4:
    case Call::kWaitid: return wait_entry(stop, ns);
    case Call::kKill: return kill(stop, ns);
    case Call::kSignalThread: {
      Verdict v = translate_args(stop, ns);
      return v.kind == Verdict::Kind::kSkip ? v : signal_thread(stop, ns);
    }
    case Call::kSetpgid: return setpgid_entry(stop, ns);
    case Call::kPriority:
    case Call::kIoprio: return priority_entry(stop, ns);
    case Call::kIoctl: return ioctl(stop, ns);
    case Call::kSeccomp: return Verdict::resume_to_exit();
    case Call::kGeneric: return translate_args(stop, ns);
  }
  return Verdict::resume();
}

// wait4(2)'s pid (a member, or -pgid) and waitid(2)'s P_PID/P_PGID id:
// the kernel matches only the caller's children, so a number no member
// has is ECHILD, as it would be for a non-child.
Verdict Pids::wait_entry(tracer::SyscallStop& stop, PidNamespace* ns) {
  if (call_of(stop.desc.sys) == Call::kWait4) {
    const pid_t pid = as_pid(stop.regs.arg(0));
    if (pid > 0 || pid < -1) {
      auto real = pid > 0 ? ns->waitable_real_of(pid) : ns->group_real_of(-pid);
      if (!real) return Verdict::deny(ECHILD);
      set_arg(stop, 0, pid > 0 ? *real : -*real);
    }
    return Verdict::resume_to_exit();
  }
  const auto which = static_cast<idtype_t>(stop.regs.arg(0));
  const pid_t id = as_pid(stop.regs.arg(1));
  if (which == P_PID || (which == P_PGID && id != 0)) {
    auto real = which == P_PID ? ns->waitable_real_of(id) : ns->group_real_of(id);
    if (!real) return Verdict::deny(ECHILD);
    set_arg(stop, 1, *real);
  }
  return Verdict::resume_to_exit();
}

// setpgid(2)'s pid is a live member's (ESRCH), its pgid a group's, a live
// member's or a retired number (EPERM), checked in the kernel's order.
// Each is translated once: translate_args() would read the pgid (a `pid`
// role too) after its translation as a number of the namespace.
Verdict Pids::setpgid_entry(tracer::SyscallStop& stop, PidNamespace* ns) {
  const pid_t pid = as_pid(stop.regs.arg(0));
  const pid_t pgid = as_pid(stop.regs.arg(1));
  std::optional<pid_t> real_pid, real_pgid;
  if (pid > 0 && !(real_pid = ns->real_of(pid))) return Verdict::deny(ESRCH);
  if (pgid > 0 && !(real_pgid = ns->group_real_of(pgid))) return Verdict::deny(EPERM);
  if (real_pid) set_arg(stop, 0, *real_pid);
  if (real_pgid) set_arg(stop, 1, *real_pgid);
  return Verdict::resume();
}

// getpriority/setpriority and ioprio_get/ioprio_set: `who` is a process
// or a group by `which`.
Verdict Pids::priority_entry(tracer::SyscallStop& stop, PidNamespace* ns) {
  // PRIO_PROCESS/PRIO_PGRP are 0/1; IOPRIO_WHO_PROCESS/PGRP are 1/2.
  const bool io = call_of(stop.desc.sys) == Call::kIoprio;
  const auto which = static_cast<int>(stop.regs.arg(0)) - (io ? 1 : 0);
  const pid_t who = as_pid(stop.regs.arg(1));
  if ((which == PRIO_PROCESS || which == PRIO_PGRP) && who > 0) {
    auto real = which == PRIO_PROCESS ? ns->real_of(who) : ns->group_real_of(who);
    if (!real) return Verdict::deny(ESRCH);
    set_arg(stop, 1, *real);
  }
  return Verdict::resume();
}

// Every `pid`-role argument: 0 (the caller) and negative values pass as
// they are; a positive number must be a live member's, or for ptrace an
// unreaped one's (its tracer's PTRACE_KILL of its dead child answers 0:
// the emulation decides, ptrace/ptrace_requests.cc).
Verdict Pids::translate_args(tracer::SyscallStop& stop, PidNamespace* ns) {
  const bool zombies_too = stop.desc.sys == arch::Sys::ptrace;
  for (int i = 0; i < stop.desc.arg_count; ++i) {
    if (stop.desc.args[static_cast<std::size_t>(i)] != arch::ArgRole::kPid) continue;
    const pid_t v = as_pid(stop.regs.arg(i));
    if (v <= 0) continue;
    auto real = zombies_too ? ns->waitable_real_of(v) : ns->real_of(v);
    if (!real) return Verdict::deny(ESRCH);
    set_arg(stop, i, *real);
  }
  return Verdict::resume();
}

// TIOCSPGRP's group is put in the guest's int as the kernel must read it
// (and put back at exit); TIOCGPGRP/TIOCGSID answers are translated at
// exit (tty_ioctl(4)).
Verdict Pids::ioctl(tracer::SyscallStop& stop, PidNamespace* ns) {
  const auto request = static_cast<unsigned>(stop.regs.arg(1));
  if (request == TIOCGPGRP || request == TIOCGSID) return Verdict::resume_to_exit();
  if (request != TIOCSPGRP) return Verdict::resume();
  pid_t pgid = 0;
  if (!stop.memory.read(stop.regs.arg(2), std::as_writable_bytes(std::span(&pgid, 1)))) {
    return Verdict::resume();  // the kernel says EFAULT
  }
  auto real = pgid > 0 ? ns->group_real_of(pgid) : std::nullopt;
  if (!real) return Verdict::deny(EPERM);  // no such group in the session
  if (!write_pid(stop.tracee.tid, stop.regs.arg(2), *real)) return Verdict::deny(EFAULT);
  return Verdict::resume_to_exit();
}

Verdict Pids::clone_entry(tracer::SyscallStop& stop, PidNamespace* ns) {
  if (ns != nullptr) ns->member(stop.tracee.tid);
  CloneWrites w;
  w.flags = stop.regs.arg(0);
  w.parent_tid = stop.regs.arg(2);
  w.child_tid = stop.regs.arg(clone_ctid_arg(stop.regs.abi()));
  w.parent = stop.tracee.tid;
  w.parent_tgid = stop.tracee.tgid;
  clones_by_parent_.set(stop.tracee.tid, w);
  return Verdict::resume_to_exit();
}

// In the child's namespace: CLONE_CHILD_SETTID's word is the child's own
// number, and so is CLONE_PARENT_SETTID's for a thread; a process made in a
// new PID namespace has another number for its parent, in the parent's.
void Pids::write_clone_tids(const CloneWrites& w, pid_t child_real, pid_t parent_tid,
                            PidNamespace* ns) {
  if (ns == nullptr) return;
  const pid_t v = ns->member(child_real);
  PidNamespace* parent_ns = ns_of(w.parent_tgid);
  const pid_t pv = parent_ns == ns ? v : parent_ns ? parent_ns->member(child_real) : child_real;
  if ((w.flags & CLONE_PARENT_SETTID) && w.parent_tid) write_pid(parent_tid, w.parent_tid, pv);
  if ((w.flags & CLONE_CHILD_SETTID) && w.child_tid) write_pid(child_real, w.child_tid, v);
}

// The child is still in its first stop (Tracee::Birth): what the kernel
// wrote for CLONE_*_SETTID is the real tid; the virtual one goes over it
// before either side can read it.
void Pids::on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) {
  PidNamespace* ns = ns_of(child.tgid != 0 ? child.tgid : parent.tgid);
  if (ns != nullptr) ns->member(child.tid);  // the parent's exit stop may have numbered it
  if (auto w = clones_by_child_.take(child.tid)) {
    write_clone_tids(*w, child.tid, w->parent, ns);
  } else if (CloneWrites* p = clones_by_parent_.find(parent.tid)) {
    write_clone_tids(*p, child.tid, parent.tid, ns);
    p->done = true;
  }
}

void Pids::clone_exit(tracer::SyscallStop& stop) {
  const auto w = clones_by_parent_.take(stop.tracee.tid);
  if (!w) return;
  const auto child = static_cast<pid_t>(stop.regs.result());
  if (child <= 0 || w->done) return;
  // The child's first stop has not come: it is still held, so both words
  // are written when it does (on_clone).
  clones_by_child_.set(child, *w);
}

void Pids::on_exit(tracer::SyscallStop& stop) {
  const std::int64_t r = stop.regs.result();
  PidNamespace* ns = ns_of(stop.tracee.tgid);
  const Call call = call_of(stop.desc.sys);
  if (call == Call::kIoctl && ns != nullptr) {
    const auto request = static_cast<unsigned>(stop.tracee.entry_args[1]);
    const std::uint64_t addr = stop.tracee.entry_args[2];
    pid_t got = 0;
    if (!stop.memory.read(addr, std::as_writable_bytes(std::span(&got, 1)))) return;
    const pid_t v = request == TIOCSPGRP ? ns->group_virtual_of(got).value_or(got)
                                         : (r == 0 ? ns->group_virtual_of(got).value_or(0) : got);
    write_pid(stop.tracee.tid, addr, v);
    return;
  }
  if (call == Call::kClone) clone_exit(stop);
  std::optional<pid_t> forked_from = forks_from_.take(stop.tracee.tid);
  if (call != Call::kFork && call != Call::kClone) forked_from.reset();
  if (ns == nullptr) return;
  if (call == Call::kWaitid) return waitid_exit(stop, ns);
  if (r <= 0) return;
  const auto real = static_cast<pid_t>(r);
  switch (call) {
    case Call::kGetppid:
      stop.regs.set_result(ns->virtual_of(real).value_or(ns->outside_parent()));
      break;
    case Call::kGroupResult:
    case Call::kGetGroupOf: stop.regs.set_result(ns->group_virtual_of(real).value_or(0)); break;
    case Call::kWait4: {
      auto v = ns->group_virtual_of(real);
      stop.regs.set_result(v ? *v : ns->member(real));
      if (wait4_reaped(stop)) ns->reaped(real);
      break;
    }
    case Call::kFork:
    case Call::kClone: {
      // The child's number: given at its birth (on_clone) unless it comes
      // after this exit; a child that has died meanwhile keeps it, retired
      // (member() would number the dead task afresh, and the next child
      // would skip a number). A retired number older than the entry is
      // another task's, whose tid the kernel reused.
      const auto v = ns->group_virtual_of(real);
      stop.regs.set_result(v && forked_from && *v >= *forked_from ? *v : ns->member(real));
      break;
    }
    case Call::kSetTidAddress: stop.regs.set_result(ns->member(real)); break;
    case Call::kSeccomp:
      // A positive result of a filter install is a refused TSYNC's thread
      // id, unless the call asked for a listener (its descriptor).
      if (stop.tracee.entry_args[0] == SECCOMP_SET_MODE_FILTER &&
          (stop.tracee.entry_args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER) == 0) {
        stop.regs.set_result(ns->member(real));
      }
      break;
    default: break;
  }
}

// waitid(2) returns 0 and the child in infop->si_pid.
void Pids::waitid_exit(tracer::SyscallStop& stop, PidNamespace* ns) {
  const std::uint64_t infop = stop.tracee.entry_args[2];
  if (stop.regs.result() != 0 || infop == 0) return;
  const std::uint64_t at = infop + offsetof(siginfo_t, si_pid);
  pid_t pid = 0;
  if (!stop.memory.read(at, std::as_writable_bytes(std::span(&pid, 1))) || pid <= 0) return;
  auto v = ns->group_virtual_of(pid);
  write_pid(stop.tracee.tid, at, v ? *v : ns->member(pid));
  int code = 0;
  const std::uint64_t code_at = infop + offsetof(siginfo_t, si_code);
  const bool read = static_cast<bool>(stop.memory.read(code_at, std::as_writable_bytes(std::span(&code, 1))));
  const bool gone = code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED;
  if (read && gone && !(stop.tracee.entry_args[3] & WNOWAIT)) ns->reaped(pid);
}

void Pids::on_death(const tracer::Tracee& tracee) {
  PidNamespace* ns = ns_of(tracee.tgid);
  if (ns != nullptr) {
    kill_namespace_if_init(tracee, *ns);
    ns->retire(tracee.tid);
  }
}

}  // namespace cocoon::syscalls
