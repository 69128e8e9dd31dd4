#include "proc_outsiders.h"

#include <array>
#include <charconv>
#include <optional>
#include <string>

#include <unistd.h>

#include "proc_fields.h"

namespace cocoon::syscalls {
namespace {

// World-readable entries of /proc/PID that show no more than ps(1) and
// top(1) need (proc(5)); everything else is refused for an outsider.
constexpr std::array<std::string_view, 14> kSummaries = {
    "stat",   "statm",  "status",    "cmdline",   "comm",     "cgroup",   "wchan",
    "limits", "schedstat", "oom_score", "oom_score_adj", "loginuid", "sessionid", "cpuset",
};

// The first component of `path` and what follows its slash.
std::pair<std::string_view, std::string_view> head(std::string_view path) {
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return {path, {}};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

bool is_number(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool is_summary(std::string_view entry) {
  for (std::string_view s : kSummaries) {
    if (entry == s) return true;
  }
  return false;
}

}  // namespace

std::optional<pid_t> private_entry_of(std::string_view host) {
  if (!host.starts_with("/proc/")) return std::nullopt;
  auto [pid, rest] = head(host.substr(6));
  if (!is_number(pid) || rest.empty()) return std::nullopt;
  auto [entry, below] = head(rest);
  if (entry == "task") {
    auto [tid, in_task] = head(below);
    if (tid.empty() || in_task.empty()) return std::nullopt;  // the listing
    const auto in = head(in_task);
    entry = in.first;
    below = in.second;
  }
  if (below.empty() && is_summary(entry)) return std::nullopt;
  return static_cast<pid_t>(std::stoi(std::string(pid)));
}

bool private_to_an_outsider(std::string_view host) {
  const auto pid = private_entry_of(host);
  if (!pid) return false;
  const auto traced_by = proc_field(*pid, "status", "TracerPid:");
  return !(traced_by && *traced_by == std::to_string(getpid()));
}

}  // namespace cocoon::syscalls
