#include "cocoon/trace/select.h"

#include <algorithm>

namespace cocoon::trace {
namespace {

using Names = std::initializer_list<std::string_view>;

bool among(std::string_view name, Names names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool starts(std::string_view name, Names prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view p) { return name.starts_with(p); });
}

}  // namespace

bool known_class(std::string_view cls) {
  return among(cls, {"file", "desc", "process", "network", "net", "signal", "memory", "creds",
                     "ipc"});
}

// The classes are strace's (its syscallent TRACE_* marks), derived here from
// the table's roles where a role says it (%file: a path argument; %desc: an
// fd argument or result) and listed by name otherwise.
bool in_class(std::string_view cls, const arch::SyscallDesc& row) {
  const std::string_view n = row.name;
  if (cls == "file") return row.has_role(arch::ArgRole::kPath);
  if (cls == "desc") {
    return row.has_role(arch::ArgRole::kFdIn) || row.has_role(arch::ArgRole::kFdOut) ||
           row.ret == arch::RetRole::kFd;
  }
  if (cls == "process") {
    return among(n, {"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit",
                     "exit_group", "wait4", "waitid", "kill", "tkill", "tgkill", "pidfd_open",
                     "pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "unshare"});
  }
  if (cls == "network" || cls == "net") {
    return row.has_role(arch::ArgRole::kSockaddr) ||
           among(n, {"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4",
                     "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg",
                     "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt"});
  }
  if (cls == "signal") {
    return starts(n, {"rt_sig", "signalfd"}) ||
           among(n, {"kill", "tkill", "tgkill", "sigaltstack", "pause", "pidfd_send_signal"});
  }
  if (cls == "memory") {
    return among(n, {"mmap", "munmap", "mprotect", "brk", "mremap", "madvise", "msync", "mlock",
                     "mlock2", "munlock", "mlockall", "munlockall", "mincore",
                     "pkey_mprotect", "remap_file_pages", "mbind", "set_mempolicy",
                     "get_mempolicy", "migrate_pages", "move_pages", "process_madvise"});
  }
  if (cls == "creds") {
    return starts(n, {"getuid", "geteuid", "getgid", "getegid", "setuid", "setgid", "setre",
                      "setres", "getres", "setfs", "getgroups", "setgroups", "capget", "capset"});
  }
  if (cls == "ipc") {
    return starts(n, {"msg", "sem", "shm"}) || among(n, {"ipc"});
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
      s.names_.push_back(row->name);  // the table's string outlives `set`
    }
  }
  if (s.names_.empty() && s.classes_.empty()) return std::unexpected("empty trace set");
  return s;
}

bool Selection::selects(const arch::SyscallDesc& row) const {
  bool in = all_;
  for (std::string_view n : names_) in = in || row.name == n;
  for (const std::string& c : classes_) in = in || in_class(c, row);
  return in != negate_;
}

}  // namespace cocoon::trace
