#include "cocoon/trace/select.h"

#include <algorithm>

namespace cocoon::trace {
namespace {

using arch::Sys;

bool among(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool known_class(std::string_view cls) {
  return among(cls, {"file", "desc", "process", "network", "net", "signal", "memory", "creds",
                     "ipc"});
}

// The classes are strace's (its syscallent TRACE_* marks), derived here from
// the table's roles where a role says it (%file: a path argument; %desc: an
// fd argument or result) and listed otherwise.
bool in_class(std::string_view cls, const arch::SyscallDesc& row) {
  const Sys n = row.sys;
  if (cls == "file") return row.has_role(arch::ArgRole::kPath);
  if (cls == "desc") {
    return row.has_role(arch::ArgRole::kFdIn) || row.has_role(arch::ArgRole::kFdOut) ||
           row.ret == arch::RetRole::kFd;
  }
  if (cls == "process") {
    return arch::is_any(n, {Sys::clone, Sys::clone3, Sys::fork, Sys::vfork, Sys::execve,
                            Sys::execveat, Sys::exit, Sys::exit_group, Sys::wait4, Sys::waitid,
                            Sys::kill, Sys::tkill, Sys::tgkill, Sys::pidfd_open,
                            Sys::pidfd_send_signal, Sys::rt_sigqueueinfo,
                            Sys::rt_tgsigqueueinfo, Sys::unshare});
  }
  if (cls == "network" || cls == "net") {
    return row.has_role(arch::ArgRole::kSockaddr) ||
           arch::is_any(n, {Sys::socket, Sys::socketpair, Sys::bind, Sys::connect, Sys::listen,
                            Sys::accept, Sys::accept4, Sys::getsockname, Sys::getpeername,
                            Sys::sendto, Sys::recvfrom, Sys::sendmsg, Sys::recvmsg,
                            Sys::sendmmsg, Sys::recvmmsg, Sys::shutdown, Sys::setsockopt,
                            Sys::getsockopt});
  }
  if (cls == "signal") {
    return arch::is_any(n, {Sys::rt_sigaction, Sys::rt_sigprocmask, Sys::rt_sigreturn,
                            Sys::rt_sigpending, Sys::rt_sigtimedwait, Sys::rt_sigtimedwait_time64,
                            Sys::rt_sigsuspend, Sys::rt_sigqueueinfo, Sys::signalfd,
                            Sys::signalfd4, Sys::kill, Sys::tkill, Sys::tgkill, Sys::sigaltstack,
                            Sys::pause, Sys::pidfd_send_signal});
  }
  if (cls == "memory") {
    return arch::is_any(n, {Sys::mmap, Sys::munmap, Sys::mprotect, Sys::brk, Sys::mremap,
                            Sys::madvise, Sys::msync, Sys::mlock, Sys::mlock2, Sys::munlock,
                            Sys::mlockall, Sys::munlockall, Sys::mincore, Sys::pkey_mprotect,
                            Sys::remap_file_pages, Sys::mbind, Sys::set_mempolicy,
                            Sys::get_mempolicy, Sys::migrate_pages, Sys::move_pages,
                            Sys::process_madvise});
  }
  if (cls == "creds") {
    return arch::is_any(
        n, {Sys::getuid, Sys::getuid32, Sys::geteuid, Sys::geteuid32, Sys::getgid, Sys::getgid32,
            Sys::getegid, Sys::getegid32, Sys::setuid, Sys::setuid32, Sys::setgid, Sys::setgid32,
            Sys::setreuid, Sys::setreuid32, Sys::setregid, Sys::setregid32, Sys::setresuid,
            Sys::setresuid32, Sys::setresgid, Sys::setresgid32, Sys::getresuid,
            Sys::getresuid32, Sys::getresgid, Sys::getresgid32, Sys::setfsuid, Sys::setfsuid32,
            Sys::setfsgid, Sys::setfsgid32, Sys::getgroups, Sys::getgroups32, Sys::setgroups,
            Sys::setgroups32, Sys::capget, Sys::capset});
  }
  if (cls == "ipc") {
    return arch::is_any(n, {Sys::msgget, Sys::msgsnd, Sys::msgrcv, Sys::msgctl, Sys::semget,
                            Sys::semop, Sys::semctl, Sys::semtimedop, Sys::semtimedop_time64,
                            Sys::shmget, Sys::shmat, Sys::shmctl, Sys::shmdt, Sys::ipc});
  }
  return false;
}

std::expected<Selection, std::string> Selection::parse(std::string_view set) {
  Selection s;
  if (set.starts_with('!')) {
    s.negate_ = true;
    set.remove_prefix(1);
  }
  if (set == "all") return s;
  s.all_ = false;
  while (!set.empty()) {
    const auto comma = set.find(',');
    const std::string_view item = set.substr(0, comma);
    set = comma == std::string_view::npos ? std::string_view{} : set.substr(comma + 1);
    if (item.empty()) continue;
    if (item.starts_with('%')) {
      if (!known_class(item.substr(1))) return std::unexpected("unknown class '" + std::string(item) + "'");
      s.classes_.emplace_back(item.substr(1));
    } else {
      const arch::SyscallDesc* row = arch::find_syscall(item);
      if (row == nullptr) return std::unexpected("unknown syscall '" + std::string(item) + "'");
      s.calls_.push_back(row->sys);
    }
  }
  if (s.calls_.empty() && s.classes_.empty()) return std::unexpected("empty trace set");
  return s;
}

bool Selection::selects(const arch::SyscallDesc& row) const {
  bool in = all_;
  in = in || std::find(calls_.begin(), calls_.end(), row.sys) != calls_.end();
  for (const std::string& c : classes_) in = in || in_class(c, row);
  return in != negate_;
}

}  // namespace cocoon::trace
