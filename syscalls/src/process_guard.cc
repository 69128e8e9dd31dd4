#include "process_guard.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "cocoon/tracer/tracee.h"
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
  kMemoryByPid,   // process_vm_readv, process_vm_writev
  kAccessByFd,    // pidfd_getfd, process_madvise
};

Call call_of(arch::Sys sys) {
  using arch::Sys;
  switch (sys) {
    case Sys::kill: return Call::kKill;
    case Sys::tkill:
    case Sys::tgkill:
    case Sys::rt_sigqueueinfo:
    case Sys::rt_tgsigqueueinfo: return Call::kSignalByPid;
    case Sys::pidfd_send_signal: return Call::kSignalByFd;
    case Sys::process_vm_readv:
    case Sys::process_vm_writev: return Call::kMemoryByPid;
    case Sys::pidfd_getfd:
    case Sys::process_madvise: return Call::kAccessByFd;
    default: return Call::kNone;
  }
}

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
std::optional<pid_t> process_of_fd(pid_t tid, int fd) {
  const std::string n = std::to_string(fd);
  if (auto pid = proc_field(tid, "fdinfo/" + n, "Pid:")) return parse_pid(*pid);
  char buf[64];
  const std::string link = "/proc/" + std::to_string(tid) + "/fd/" + n;
  const ssize_t len = readlink(link.c_str(), buf, sizeof buf);
  const std::string_view target(buf, len > 0 ? static_cast<std::size_t>(len) : 0);
  if (len <= 0 || len == sizeof buf || !target.starts_with("/proc/")) return std::nullopt;
  return parse_pid(target.substr(6));
}

// A task cocoon traces is one of the guest's (every guest task is, from
// its first instruction: clone's CLONE_UNTRACED is refused). A number
// freed and reused between this check and the call could name another
// process: only after the pid space wrapped around meanwhile.
bool traced_by(pid_t pid, pid_t tracer) {
  const auto t = proc_field(pid, "status", "TracerPid:");
  return pid > 0 && t && parse_pid(*t) == tracer;
}

}  // namespace

ProcessGuard::ProcessGuard() : self_(getpid()) {}

Decision ProcessGuard::decision(const arch::SyscallDesc& row, arch::Arch) const {
  return call_of(row.sys) == Call::kNone ? Decision::allow() : Decision::trace();
}

bool ProcessGuard::is_cocoon(pid_t pid) const {
  if (pid == self_) return true;
  const auto tgid = proc_field(pid, "status", "Tgid:");
  return tgid && parse_pid(*tgid) == self_;
}

// Pid arguments by their host numbers: in an emulated PID namespace Pids
// translated them (tracer::Phase).
Verdict ProcessGuard::on_entry(tracer::SyscallStop& stop) {
  const auto& regs = stop.regs;
  const pid_t tid = stop.tracee.tid;
  const auto pid_arg = [&](int i) { return stop.call.pid(i).value_or(as_pid(regs.arg(i))); };
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
    case Call::kSignalByFd: {
      const auto pid = process_of_fd(tid, static_cast<int>(regs.arg(0)));
      return pid && *pid > 0 && is_cocoon(*pid) ? Verdict::deny(EPERM) : Verdict::resume();
    }
    case Call::kMemoryByPid:
      return traced_by(pid_arg(0), self_) ? Verdict::resume() : Verdict::deny(EPERM);
    case Call::kAccessByFd: {
      const auto pid = process_of_fd(tid, static_cast<int>(regs.arg(0)));
      if (!pid) return Verdict::resume();  // not a process: EBADF from the kernel
      return traced_by(*pid, self_) ? Verdict::resume() : Verdict::deny(EPERM);
    }
  }
  return Verdict::resume();
}

// kill(-1, sig) as the kernel does it (kill_something_info() in
// kernel/signal.c): every process but init and the caller's own, success
// unless none was found or one failed other than with EPERM; and here not
// cocoon. cocoon sends them with the same real user as the guest's.
Verdict ProcessGuard::kill_all_but_cocoon(const tracer::Tracee& caller, int sig) const {
  const pid_t own = caller.tgid > 0 ? caller.tgid : caller.tid;
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
