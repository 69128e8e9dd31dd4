// Paths under /proc that name a task, as the kernel makes them and as
// guests write them: "/proc/PID", "/proc/PID/REST", "/proc/PID/task/TID",
// "/proc/PID/task/TID/REST". One parser for the PID namespace's rewrites
// (guest_view.cc), the generated /proc files (proc_pids.cc,
// namespaces.cc) and the mounts report. Pure.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace cocoon::syscalls {

// A whole decimal pid (1-9 digits), as /proc names them.
inline std::optional<pid_t> parse_pid(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  pid_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

struct ProcTaskPath {
  pid_t pid = 0;
  std::optional<pid_t> tid;  // "/task/TID" follows the pid
  std::string rest;          // what follows those, as written: "/status", "/ns/uts", "/", ""
};

inline std::optional<ProcTaskPath> parse_proc_task_path(std::string_view path) {
  constexpr std::string_view kProc = "/proc/", kTask = "/task/";
  if (!path.starts_with(kProc)) return std::nullopt;
  path.remove_prefix(kProc.size());
  const auto first = path.substr(0, path.find('/'));
  auto pid = parse_pid(first);
  if (!pid) return std::nullopt;
  ProcTaskPath out{*pid, std::nullopt, {}};
  path.remove_prefix(first.size());
  if (path.starts_with(kTask)) {
    const auto t = path.substr(kTask.size(), path.find('/', kTask.size()) - kTask.size());
    if (auto tid = parse_pid(t)) {
      out.tid = tid;
      path.remove_prefix(kTask.size() + t.size());
    }
  }
  out.rest = std::string(path);
  return out;
}

// "/proc/N/ns/NAME": a namespace's magic link.
inline bool is_ns_link(std::string_view path) {
  auto p = parse_proc_task_path(path);
  return p && !p->tid && p->rest.starts_with("/ns/") && p->rest.find('/', 4) == std::string::npos;
}

inline std::string format_proc_task_path(const ProcTaskPath& p) {
  std::string out = "/proc/" + std::to_string(p.pid);
  if (p.tid) out += "/task/" + std::to_string(*p.tid);
  return out + p.rest;
}

}  // namespace cocoon::syscalls
