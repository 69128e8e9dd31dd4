#include "proc_status.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string_view>

namespace cocoon::tracer {

namespace {

std::optional<pid_t> read_field(pid_t tid, std::string_view key) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return std::nullopt;
  std::string_view text(buf, static_cast<std::size_t>(n));
  const auto at = text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(at + key.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  pid_t tgid = 0;
  if (std::from_chars(rest.data(), rest.data() + rest.size(), tgid).ec != std::errc{}) {
    return std::nullopt;
  }
  return tgid;
}

}  // namespace

std::optional<pid_t> read_tgid(pid_t tid) { return read_field(tid, "\nTgid:"); }
std::optional<pid_t> read_ppid(pid_t tid) { return read_field(tid, "\nPPid:"); }

}  // namespace cocoon::tracer
