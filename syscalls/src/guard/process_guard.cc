#include "process_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <expected>
#include <fstream>
#include <optional>
#include <sstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/arch/kernel.h"
#include "cocoon/tracer/tracee.h"
#include "owned_fd.h"
#include "proc_fields.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

enum class Call : std::uint8_t {
  kNone,
  kKill,          // kill(2): a pid, -1, or a process group
  kSignalByPid,   // tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo
  kSignalByFd,    // pidfd_send_signal
  kPidfdOpen,     // pidfd_open
  kMemoryByPid,   // process_vm_readv, process_vm_writev
  kGetFd,         // pidfd_getfd
  kAdviseByFd,    // process_madvise
  kSetOwner,      // fcntl F_SETOWN/F_SETOWN_EX, ioctl FIOSETOWN/SIOCSPGRP
  kLimits,        // prlimit64 of another process
  kCompare,       // kcmp
  kPerf,          // perf_event_open of another task
};

// The commands that choose who gets a descriptor's SIGIO and SIGURG
// (fcntl(2) "Managing signals", f_setown() in fs/fcntl.c): the kernel then
// signals that process or group itself, with the setter's permission.
// Numbers of asm-generic, which x86, arm64 and riscv use.
constexpr std::uint32_t kSetOwn = 8;          // F_SETOWN: the pid, -pgid in arg 2
constexpr std::uint32_t kSetOwnEx = 15;       // F_SETOWN_EX: struct f_owner_ex *
constexpr std::uint32_t kFioSetOwn = 0x8901;  // FIOSETOWN: int *, as F_SETOWN
constexpr std::uint32_t kSiocSpgrp = 0x8902;  // SIOCSPGRP: the same for a socket

Call call_of(arch::Sys sys) {
  using arch::Sys;
  switch (sys) {
    case Sys::kill: return Call::kKill;
    case Sys::tkill:
    case Sys::tgkill:
    case Sys::rt_sigqueueinfo:
    case Sys::rt_tgsigqueueinfo: return Call::kSignalByPid;
    case Sys::pidfd_send_signal: return Call::kSignalByFd;
    case Sys::pidfd_open: return Call::kPidfdOpen;
    case Sys::process_vm_readv:
    case Sys::process_vm_writev: return Call::kMemoryByPid;
    case Sys::pidfd_getfd: return Call::kGetFd;
    case Sys::process_madvise: return Call::kAdviseByFd;
    case Sys::fcntl:
    case Sys::fcntl64:
    case Sys::ioctl: return Call::kSetOwner;
    case Sys::prlimit64: return Call::kLimits;
    case Sys::kcmp: return Call::kCompare;
    case Sys::perf_event_open: return Call::kPerf;
    default: return Call::kNone;
  }
}

constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD (linux/pidfd.h, 6.9)

pid_t as_pid(std::uint64_t v) { return static_cast<pid_t>(static_cast<std::int32_t>(v)); }

std::optional<pid_t> parse_pid(std::string_view s) {
  pid_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The process a descriptor of task `tid` stands for: a pidfd says so in
// its fdinfo ("Pid:", fs/pidfs.c; -1 once it has exited), a /proc/PID
// directory (which pidfd_send_signal also takes, kernel/signal.c) in its
// path. nullopt: neither, and the kernel refuses the call itself (EBADF).
// kUnknownFd: cocoon may not look, or could not. A task that is not
// dumpable (its own PR_SET_DUMPABLE 0, or cocoon itself) has its /proc/PID
// files owned by root (proc(5)); fdinfo is then mode 0400 before Linux
// 5.14 and needs ptrace read access from 5.14, and the fd links need
// ptrace access too (proc_fd_access_allowed() in fs/proc/base.c). A pidfd
// whose fdinfo did not say its process, for whatever reason (a cocoon
// whose RLIMIT_NOFILE another process of the user lowered cannot open
// it), is unknown too, never "no process": callers refuse what they
// cannot name. Only a descriptor the task does not have (ENOENT for its
// link) is nullopt.
constexpr pid_t kUnknownFd = -2;
std::optional<pid_t> process_of_fd(pid_t tid, int fd) {
  const std::string n = std::to_string(fd);
  const std::string base = "/proc/" + std::to_string(tid);
  if (auto pid = proc_field(tid, "fdinfo/" + n, "Pid:")) return parse_pid(*pid);
  char buf[64];
  const std::string link = base + "/fd/" + n;
  const ssize_t len = readlink(link.c_str(), buf, sizeof buf);
  if (len < 0) return errno == ENOENT ? std::nullopt : std::optional<pid_t>(kUnknownFd);
  const std::string_view target(buf, static_cast<std::size_t>(len));
  if (target == "anon_inode:[pidfd]") return kUnknownFd;
  if (len == 0 || len == sizeof buf || !target.starts_with("/proc/")) return std::nullopt;
  return parse_pid(target.substr(6));
}

// Whether cocoon can read its own fdinfo files, i.e. tell which process a
// pidfd it holds names. Not when it runs unprivileged before Linux 5.14:
// it is not dumpable (Tracer::run), so they are root's, mode 0400 (above).
bool reads_own_fdinfo() {
  const int probe = open("/", O_PATH | O_CLOEXEC);
  const bool ok = probe >= 0 && access(("/proc/self/fdinfo/" + std::to_string(probe)).c_str(), R_OK) == 0;
  if (probe >= 0) close(probe);
  return ok;
}

// A task cocoon traces is one of the guest's (every guest task is, from
// its first instruction: clone's CLONE_UNTRACED is refused). A number
// freed and reused between this check and the call could name another
// process: only after the pid space wrapped around meanwhile.
bool traced_by(pid_t pid, pid_t tracer) {
  const auto t = proc_field(pid, "status", "TracerPid:");
  return pid > 0 && t && parse_pid(*t) == tracer;
}

// Whether cocoon may act for the guest on what its own copy of a guest's
// descriptor names (process_of_fd, readable): one of the guest's tasks;
// one that has exited ("Pid: -1"), for which the kernel answers ESRCH and
// reaches nothing; or no process, for which it answers EBADF.
bool guest_or_gone(std::optional<pid_t> pid, pid_t tracer) {
  return !pid || *pid == -1 || (*pid > 0 && traced_by(*pid, tracer));
}

// The rest of a "Key:" line of /proc/PID/status ("Uid:" holds four ids,
// "CapEff:" a mask; proc(5)); empty when missing.
std::string status_line(pid_t pid, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) return line.substr(key.size());
  }
  return {};
}

// How many process numbers task `tid` has, from cocoon's PID namespace
// down ("NSpid:", proc(5)): more than one, it lives in a namespace below.
std::size_t pid_levels(pid_t tid) {
  std::istringstream in(status_line(tid, "NSpid:"));
  std::size_t n = 0;
  for (std::string word; in >> word;) ++n;
  return n;
}

// cocoon may send a signal in the guest's name when the kernel would let
// the guest send it wherever it lets cocoon (kill_ok_by_cred() in
// kernel/signal.c: the sender's real or effective uid against the target's
// real or saved one, or CAP_KILL): the same user ids, and cocoon holding
// no capability the guest lacks. A guest in a user namespace of its own
// keeps its ids as cocoon sees them, and its capabilities there reach
// only its own processes, so an unprivileged cocoon's are never more.
bool may_send_for(pid_t guest, pid_t self) {
  const std::string ids = status_line(self, "Uid:");
  if (ids.empty() || status_line(guest, "Uid:") != ids) return false;
  const std::string caps = status_line(self, "CapEff:");
  return caps.find_first_not_of("\t 0") == std::string::npos || status_line(guest, "CapEff:") == caps;
}

// A descriptor of its own to the file behind the guest's descriptor `fd`
// (pidfd_getfd(2), PTRACE_MODE_ATTACH over a tracee, which cocoon has), or
// the errno the kernel would give the guest for it. Taken from the calling
// thread's table: a thread pidfd (PIDFD_THREAD, Linux 6.9) names it, and
// before 6.9 the process's (a thread that unshared its table is then
// looked up in the leader's).
std::expected<int, int> take_fd(const tracer::Tracee& t, int fd) {
  const bool thread = t.tid != t.tgid && arch::kernel_features().pidfd_thread;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, t.tid, thread ? kPidfdThread : 0));
  if (pidfd < 0 && t.tgid > 0) pidfd = static_cast<int>(syscall(SYS_pidfd_open, t.tgid, 0));
  if (pidfd < 0) return std::unexpected(errno);
  const int copy = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  const int err = errno;
  close(pidfd);
  if (copy < 0) return std::unexpected(err);
  return copy;
}

}  // namespace

ProcessGuard::ProcessGuard(bool landlocked, std::shared_ptr<DumpableFlags> dumpable)
    : self_(getpid()), landlocked_(landlocked), dumpable_(std::move(dumpable)) {}

Decision ProcessGuard::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // prctl(PR_SET_DUMPABLE) and prctl(PR_GET_DUMPABLE) stop, emulated
  // (dumpable_call); only those options: the filter tests them.
  if (row.sys == arch::Sys::prctl) {
    return Decision::allow().tracing_values(0, {PR_GET_DUMPABLE, PR_SET_DUMPABLE});
  }
  switch (call_of(row.sys)) {
    case Call::kNone: return Decision::allow();
    // Only the owner-setting commands stop: every other fcntl and ioctl
    // runs as it is, tested by the filter (the command is argument 1).
    case Call::kSetOwner:
      return row.sys == arch::Sys::ioctl ? Decision::allow().tracing_values(1, {kFioSetOwn, kSiocSpgrp})
                                         : Decision::allow().tracing_values(1, {kSetOwn, kSetOwnEx});
    // pidfd_getfd is answered with the descriptor cocoon took itself
    // (take_fd_for): a notification can install one (Verdict::install_fd),
    // a ptrace stop cannot. The i386 ABI stops.
    case Call::kGetFd: return abi == arch::host_arch() ? Decision::notify() : Decision::trace();
    // prlimit64 of the caller itself (pid 0, glibc's getrlimit and
    // setrlimit) runs without a stop.
    case Call::kLimits: return Decision::trace_if_nonzero(0);
    // perf_event_open of the caller itself (pid 0: perf stat, profilers)
    // runs without a stop.
    case Call::kPerf: return Decision::trace_if_nonzero(1);
    default: return Decision::trace();
  }
}

// A task that is not dumpable cannot be read or written by its tracer
// without CAP_SYS_PTRACE (get_dumpable() != SUID_DUMP_USER in
// ptrace_access_vm() and, through mm_access(), process_vm_readv), so every
// call cocoon must read (a path, a buffer) would fail with EFAULT: ssh-agent
// under -r could not even make its socket directory. So PR_SET_DUMPABLE 0
// never runs: it succeeds and sets the emulated flag (guard/dumpable.h),
// which PR_GET_DUMPABLE answers and the access checks below honour. A set
// to 1 clears it and runs too, so that the kernel's own flag is 1 again
// after an exec of a program the user may not read (bwrap dies when it
// fails: "can't set dumpable"); any other value is the kernel's EINVAL
// (prctl_set_dumpable's check in kernel/sys.c, on the whole unsigned long).
Verdict ProcessGuard::dumpable_call(const tracer::SyscallStop& stop) {
  const auto option = static_cast<std::uint32_t>(stop.regs.arg(0));
  if (option == PR_GET_DUMPABLE) return dumpable_->dumpable(stop.tracee.tid) ? Verdict::resume() : Verdict::skip(0);
  if (option != PR_SET_DUMPABLE || stop.regs.arg(1) > 1) return Verdict::resume();
  dumpable_->set(stop.tracee.process(), stop.regs.arg(1) == 1);
  return stop.regs.arg(1) == 1 ? Verdict::resume() : Verdict::skip(0);
}

// A task whose memory `caller` may reach through the kernel: one cocoon
// traces (a guest task), which may_reach() lets it at.
bool ProcessGuard::observable(const tracer::Tracee& caller, pid_t target) const {
  return traced_by(target, self_) && may_reach(caller, target);
}

bool ProcessGuard::may_reach(const tracer::Tracee& caller, pid_t target) const {
  return dumpable_->may_reach(caller.process(), caller.tid, target);
}

// The flag a new process starts with is its parent's at the fork: taken
// at the parent's clone event (DumpableFlags::cloned).
void ProcessGuard::on_event_stop(tracer::Tracee& tracee, const tracer::EventStop& stop) {
  const bool clone = stop.event == PTRACE_EVENT_FORK || stop.event == PTRACE_EVENT_VFORK ||
                     stop.event == PTRACE_EVENT_CLONE;
  if (clone) dumpable_->cloned(tracee.process(), static_cast<pid_t>(stop.message));
}

void ProcessGuard::on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) {
  (void)parent;
  dumpable_->born(child.tid, child.tgid);
}

// tgkill(cocoon, pid, 0) is the kernel's own answer to "is `pid` one of
// cocoon's threads": 0 for a thread of its group, ESRCH for any other task
// (do_tkill(), kernel/signal.c), with no descriptor to open. Reading
// /proc/PID/status instead failed open: a guest that had lowered cocoon's
// RLIMIT_NOFILE (prlimit64, refused below now) made every open fail, and a
// thread of cocoon's then passed for an outsider, so tkill(SIGSTOP) froze
// the run.
bool ProcessGuard::is_cocoon(pid_t pid) const {
  return pid == self_ || (pid > 0 && syscall(SYS_tgkill, self_, pid, 0) == 0);
}

// Pid arguments by their host numbers: in an emulated PID namespace Pids
// translated them (tracer::Phase).
Verdict ProcessGuard::on_entry(tracer::SyscallStop& stop) {
  const auto& regs = stop.regs;
  const auto pid_arg = [&](int i) { return stop.call.pid(i).value_or(as_pid(regs.arg(i))); };
  if (stop.desc.sys == arch::Sys::prctl) return dumpable_call(stop);
  switch (call_of(stop.desc.sys)) {
    case Call::kNone: return Verdict::resume();
    case Call::kKill: {
      const pid_t pid = pid_arg(0);
      if (pid == -1) return kill_all_but_cocoon(stop.tracee, static_cast<int>(regs.arg(1)));
      return pid > 0 && is_cocoon(pid) ? Verdict::deny(EPERM) : Verdict::resume();
    }
    case Call::kSignalByPid:
      // tgkill and rt_tgsigqueueinfo name the thread group, then the
      // thread; either one being cocoon's is refused.
      for (int i = 0; i < stop.desc.arg_count; ++i) {
        if (stop.desc.args[static_cast<std::size_t>(i)] != arch::ArgRole::kPid) continue;
        const pid_t pid = pid_arg(i);
        if (pid > 0 && is_cocoon(pid)) return Verdict::deny(EPERM);
      }
      return Verdict::resume();
    case Call::kSignalByFd: return signal_by_fd(stop);
    case Call::kPidfdOpen: return pidfd_open(pid_arg(0));
    case Call::kSetOwner: return set_owner(stop);
    // A target that made itself not dumpable: EPERM, as the kernel maps
    // mm_access()'s EACCES (process_vm_rw_core(), mm/process_vm_access.c).
    case Call::kMemoryByPid: {
      const pid_t pid = pid_arg(0);
      return observable(stop.tracee, pid) ? Verdict::resume() : Verdict::deny(EPERM);
    }
    case Call::kGetFd: return take_fd_for(stop);
    case Call::kAdviseByFd: return advise(stop);
    case Call::kLimits: return limits(pid_arg(0));
    case Call::kCompare: return compare(stop);
    case Call::kPerf: return perf(stop, pid_arg(1));
  }
  return Verdict::resume();
}

// perf_event_open(attr, pid, cpu, group_fd, flags) on another task needs
// only ptrace read access (perf_check_permission(), kernel/events/core.c),
// which a process of the same user has, and its samples carry the task's
// registers and a copy of its user stack (PERF_SAMPLE_REGS_USER,
// PERF_SAMPLE_STACK_USER): another process's memory, as process_vm_readv
// reads it. So, as there, only tasks cocoon traces, and not one that made
// itself not dumpable; pid -1 (every task on a CPU, for kernel.
// perf_event_paranoid 0 and below) is refused too. The kernel's answer for
// a task it may not read is EACCES. With PERF_FLAG_PID_CGROUP the pid is a
// cgroup's descriptor, a CPU-wide event the kernel allows only where it
// would allow pid -1: refused the same.
Verdict ProcessGuard::perf(const tracer::SyscallStop& stop, pid_t pid) const {
  const bool cgroup = (stop.regs.arg(4) & PERF_FLAG_PID_CGROUP) != 0;
  const auto cpu = static_cast<int>(stop.regs.arg(2));
  if (!cgroup && (pid == 0 || (pid == -1 && cpu == -1))) return Verdict::resume();  // itself; EINVAL
  if (cgroup || pid < 0) return Verdict::deny(EACCES);
  return observable(stop.tracee, pid) ? Verdict::resume() : Verdict::deny(EACCES);
}

// kcmp(pid1, pid2, ...) needs ptrace read access to both (kernel/kcmp.c:
// EPERM): a guest task that made itself not dumpable is refused to another
// process (the real one stays dumpable). Other targets are the kernel's.
Verdict ProcessGuard::compare(tracer::SyscallStop& stop) const {
  for (int i : {0, 1}) {
    const pid_t pid = stop.call.pid(i).value_or(as_pid(stop.regs.arg(i)));
    if (pid > 0 && !may_reach(stop.tracee, pid)) return Verdict::deny(EPERM);
  }
  return Verdict::resume();
}

// The check alone, the kernel then looking the guest's descriptor up
// again: a descriptor cocoon may not look at (the guest made itself not
// dumpable, for real) could name any process, and is refused as a process
// outside; one naming a guest task that is not dumpable for the guest
// (DumpableFlags) gets `guarded_errno`, the call's own answer for it.
Verdict ProcessGuard::check_only(const tracer::SyscallStop& stop, int guarded_errno) const {
  const auto pid = process_of_fd(stop.tracee.tid, static_cast<int>(stop.regs.arg(0)));
  if (pid == kUnknownFd || !guest_or_gone(pid, self_)) return Verdict::deny(EPERM);
  return pid && *pid > 0 && !may_reach(stop.tracee, *pid) ? Verdict::deny(guarded_errno) : Verdict::resume();
}

// pidfd_getfd(pidfd, targetfd, flags). Checking what `pidfd` names and
// letting the kernel look it up again leaves a window: a sibling thread
// dup2-ing a pidfd of a process outside over it in between would hand
// that process's descriptor to the guest (adversarial `pidfdswap getfd`).
// So, from a notification, cocoon takes the guest's pidfd itself
// (pidfd_getfd), checks that copy, makes the call on it, and installs
// the descriptor it got in the guest as the call's result
// (Verdict::install_fd: SECCOMP_IOCTL_NOTIF_ADDFD with
// SECCOMP_ADDFD_FLAG_SEND, Linux 5.14), close-on-exec as pidfd_getfd(2)
// makes it, under the guest's own RLIMIT_NOFILE. A ptrace stop cannot
// install a descriptor: there (no listener: --no-seccomp,
// --no-seccomp-notify, not x86-64, a kernel before 5.19) the call is
// checked and let run only where Landlock confines the guest, whose
// ptrace scope the kernel applies at its own look-up (pidfd_getfd asks
// ptrace_may_access(), kernel/pid.c), and gets EPERM otherwise
// (docs/threat-model.md). A guest whose ids or capabilities differ from
// cocoon's (a root run that dropped them) cannot be served by cocoon: the
// same rule as without a listener, checked where Landlock confines it,
// EPERM elsewhere.
Verdict ProcessGuard::take_fd_for(tracer::SyscallStop& stop) const {
  if (stop.via == tracer::Via::kSettle) return Verdict::resume();  // restarts, notified again
  if (stop.via == tracer::Via::kStop || !may_send_for(stop.tracee.tid, self_)) {
    return landlocked_ ? check_only(stop, EPERM) : Verdict::deny(EPERM);
  }
  const auto copy = take_fd(stop.tracee, static_cast<int>(stop.regs.arg(0)));
  if (!copy) return Verdict::deny(copy.error());
  const OwnedFd pidfd(*copy);
  // kUnknownFd cannot be: notifications need Linux 5.19, where cocoon
  // reads its own fdinfo (reads_own_fdinfo()).
  const auto pid = process_of_fd(self_, pidfd.fd);
  if (!guest_or_gone(pid, self_)) return Verdict::deny(EPERM);
  // ptrace_may_access() in pidfd_getfd (kernel/pid.c): EPERM.
  if (pid && *pid > 0 && !may_reach(stop.tracee, *pid)) return Verdict::deny(EPERM);
  const int fd = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd.fd, static_cast<int>(stop.regs.arg(1)),
                                          static_cast<unsigned>(stop.regs.arg(2))));
  if (fd < 0) return Verdict::deny(errno);
  return Verdict::install_fd(fd, true);
}

// process_madvise(pidfd, iovec, vlen, advice, flags), made by cocoon on
// its own copy of the guest's pidfd, the copy it checked, with the
// guest's iovecs (addresses in the target's memory): the same window as
// pidfd_getfd's closed, and a result any stop can give. Not for the
// caller's own process: the kernel lets a process advise itself more
// than another (any advice and no CAP_SYS_NICE, Linux 6.13: mm/madvise.c),
// which cocoon's call would not be. That one runs as it is; a swap meanwhile
// takes the kernel to another process, for which it asks CAP_SYS_NICE
// (process_madvise(2)), and the advice changes no data. So are the calls
// cocoon cannot serve (it cannot tell what its copy names, the i386 ABI, a
// guest with other ids than cocoon's): checked only.
Verdict ProcessGuard::advise(tracer::SyscallStop& stop) const {
  const auto& regs = stop.regs;
  // mm_access()'s EACCES for a target not dumpable (do_process_madvise(),
  // mm/madvise.c), which the guest's own process never is to itself.
  constexpr int kGuarded = EACCES;
  if (regs.abi() != arch::host_arch() || !may_send_for(stop.tracee.tid, self_)) return check_only(stop, kGuarded);
  const auto copy = take_fd(stop.tracee, static_cast<int>(regs.arg(0)));
  if (!copy) return Verdict::deny(copy.error());
  const OwnedFd pidfd(*copy);
  const auto pid = process_of_fd(self_, pidfd.fd);
  if (pid == kUnknownFd) return check_only(stop, kGuarded);
  if (!guest_or_gone(pid, self_)) return Verdict::deny(EPERM);
  if (pid && *pid > 0 && !may_reach(stop.tracee, *pid)) return Verdict::deny(kGuarded);
  const auto tgid = pid && *pid > 0 ? proc_field(*pid, "status", "Tgid:") : std::nullopt;
  if (tgid && parse_pid(*tgid) == stop.tracee.tgid) return check_only(stop, kGuarded);
  constexpr std::uint64_t kIovMax = 1024;  // UIO_MAXIOV: EINVAL beyond
  const std::uint64_t count = regs.arg(2);
  if (count > kIovMax) return Verdict::deny(EINVAL);
  std::vector<iovec> iov(count);
  if (count > 0 && !stop.memory.read(regs.arg(1), std::as_writable_bytes(std::span(iov)))) {
    return Verdict::deny(EFAULT);
  }
  const long r = syscall(SYS_process_madvise, pidfd.fd, count > 0 ? iov.data() : nullptr, count,
                         static_cast<int>(regs.arg(3)), static_cast<unsigned>(regs.arg(4)));
  return r >= 0 ? Verdict::skip(r) : Verdict::deny(errno);
}

// pidfd_send_signal(fd, sig, info, flags). Checking what the guest's `fd`
// names and then letting the kernel look `fd` up again leaves a window: a
// sibling thread dup2-ing cocoon's pidfd over it in between would have the
// kernel signal cocoon (adversarial `pidfdswap`). So cocoon takes the file
// itself (pidfd_getfd), checks that one, and makes the call on it, its
// result the guest's: the object checked is the object used. What differs
// from the guest's own call: the receiver's si_pid (SI_USER, when `info`
// is NULL) is cocoon's, and a siginfo of the guest's making sent to its
// own process counts as sent to another (EPERM unless si_code < 0, as
// rt_sigqueueinfo(2) says). A guest whose ids or capabilities differ from
// cocoon's (a root run that dropped them) is only checked, as before.
Verdict ProcessGuard::signal_by_fd(tracer::SyscallStop& stop) const {
  const auto& regs = stop.regs;
  const int fd = static_cast<int>(regs.arg(0));
  if (!may_send_for(stop.tracee.tid, self_)) {
    const auto pid = process_of_fd(stop.tracee.tid, fd);
    return pid && (*pid == kUnknownFd || (*pid > 0 && is_cocoon(*pid))) ? Verdict::deny(EPERM)
                                                                        : Verdict::resume();
  }
  siginfo_t info{};
  const std::uint64_t info_at = regs.arg(2);
  if (info_at != 0 && !stop.memory.read(info_at, std::as_writable_bytes(std::span(&info, 1)))) {
    return Verdict::deny(EFAULT);
  }
  const auto copy = take_fd(stop.tracee, fd);
  if (!copy) return Verdict::deny(copy.error());
  const auto pid = process_of_fd(self_, *copy);
  long r = -1;
  int err = EPERM;
  if (!(pid && *pid > 0 && is_cocoon(*pid))) {
    r = syscall(SYS_pidfd_send_signal, *copy, static_cast<int>(regs.arg(1)),
                info_at != 0 ? &info : nullptr, static_cast<unsigned>(regs.arg(3)));
    err = errno;
  }
  close(*copy);
  return r == 0 ? Verdict::skip(0) : Verdict::deny(err);
}

// pidfd_open of cocoon (or, with PIDFD_THREAD, one of its threads) gets
// EPERM where cocoon cannot read its own fdinfo (reads_own_fdinfo): there
// pidfd_send_signal above could not tell a pidfd of cocoon from another
// (the copy's process is kUnknownFd, and the call is made), so none may
// exist in the guest: pidfd_open is the one way to make one of a process
// that is not the guest's child (the /proc/PID directory is told by its
// path, which cocoon reads). Elsewhere the call runs as it is.
Verdict ProcessGuard::pidfd_open(pid_t pid) {
  if (pid <= 0 || !is_cocoon(pid)) return Verdict::resume();
  if (!reads_own_fdinfo_) reads_own_fdinfo_ = reads_own_fdinfo();
  return *reads_own_fdinfo_ ? Verdict::resume() : Verdict::deny(EPERM);
}

// prlimit64 of cocoon (or one of its threads) gets EPERM. The kernel lets
// any process of the same ids change another's limits, dumpable or not
// (check_prlimit_permission(), kernel/sys.c), and Landlock has no hook
// for it: a guest could otherwise give cocoon an RLIMIT_CPU that kills it
// (SIGXCPU), an RLIMIT_FSIZE that kills it at its next database write
// (SIGXFSZ), or an RLIMIT_NOFILE or RLIMIT_AS under which every lookup
// cocoon makes for the guest fails. Reading cocoon's limits is refused
// with the rest: one decision per call. Other processes' limits are left
// to the kernel's own check.
Verdict ProcessGuard::limits(pid_t pid) const {
  return pid > 0 && is_cocoon(pid) ? Verdict::deny(EPERM) : Verdict::resume();
}

// Whether an owner of a descriptor's signals names cocoon: a process (or
// one of its threads), or the process group whose number is cocoon's,
// which exists only when cocoon leads it.
bool ProcessGuard::owner_is_cocoon(int type, pid_t who) const {
  if (type == F_OWNER_PGRP) return who == self_;
  return who > 0 && is_cocoon(who);
}

// F_SETOWN and its kin naming cocoon get EPERM: the kernel would send
// cocoon SIGIO (or the signal F_SETSIG chose) at the guest's will, a way
// to stop or kill the run. F_SETOWN's owner is in a register; the others'
// is in memory a sibling thread could change after the check, so cocoon
// makes the call itself on its own copy of the descriptor, with the owner
// it checked (the owner belongs to the open file, which the copy shares),
// the same way and with the same limits as pidfd_send_signal above. A
// guest in a PID namespace of its own cannot name cocoon at all: its
// numbers are the namespace's (NSpid, proc(5)).
Verdict ProcessGuard::set_owner(tracer::SyscallStop& stop) const {
  const auto& regs = stop.regs;
  const auto cmd = static_cast<std::uint32_t>(regs.arg(1));
  const bool by_fcntl = stop.desc.sys != arch::Sys::ioctl;
  if (by_fcntl && cmd == kSetOwn) {
    const pid_t who = as_pid(regs.arg(2));
    return owner_is_cocoon(who < 0 ? F_OWNER_PGRP : F_OWNER_PID, who < 0 ? -who : who)
               ? Verdict::deny(EPERM)
               : Verdict::resume();
  }
  if (by_fcntl ? cmd != kSetOwnEx : cmd != kFioSetOwn && cmd != kSiocSpgrp) return Verdict::resume();
  if (pid_levels(stop.tracee.tid) > 1) return Verdict::resume();  // a namespace below cocoon's
  f_owner_ex owner{};
  int value = 0;
  const auto read = by_fcntl ? stop.memory.read(regs.arg(2), std::as_writable_bytes(std::span(&owner, 1)))
                             : stop.memory.read(regs.arg(2), std::as_writable_bytes(std::span(&value, 1)));
  if (!read) return Verdict::resume();  // EFAULT from the kernel
  const bool cocoon = by_fcntl ? owner_is_cocoon(owner.type, owner.pid)
                               : owner_is_cocoon(value < 0 ? F_OWNER_PGRP : F_OWNER_PID, value < 0 ? -value : value);
  if (cocoon) return Verdict::deny(EPERM);
  if (!may_send_for(stop.tracee.tid, self_)) return Verdict::resume();
  const auto copy = take_fd(stop.tracee, static_cast<int>(regs.arg(0)));
  if (!copy) return Verdict::deny(copy.error());
  const int r = by_fcntl ? fcntl(*copy, F_SETOWN_EX, &owner) : ioctl(*copy, cmd, &value);
  const int err = errno;
  close(*copy);
  return r == 0 ? Verdict::skip(0) : Verdict::deny(err);
}

// kill(-1, sig) as the kernel does it (kill_something_info() in
// kernel/signal.c): every process but init and the caller's own, success
// unless none was found or one failed other than with EPERM; and here not
// cocoon. cocoon sends them with the same real user as the guest's.
Verdict ProcessGuard::kill_all_but_cocoon(const tracer::Tracee& caller, int sig) const {
  const pid_t own = caller.process();
  DIR* d = opendir("/proc");
  if (d == nullptr) return Verdict::deny(errno);
  int count = 0;
  int result = 0;
  while (const dirent* e = readdir(d)) {
    const auto pid = parse_pid(e->d_name);
    if (!pid || *pid <= 1 || *pid == own || *pid == self_) continue;
    if (::kill(*pid, sig) == 0) {
      ++count;
    } else if (errno != ESRCH) {  // ESRCH: gone since the listing, not one the kernel would see
      ++count;
      if (errno != EPERM) result = errno;
    }
  }
  closedir(d);
  if (count == 0) return Verdict::deny(ESRCH);
  return result == 0 ? Verdict::skip(0) : Verdict::deny(result);
}

}  // namespace cocoon::syscalls
