#include "proc_status.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace cocoon::tracer {

namespace {

// The start of a small /proc file (one read), in `buf`; nullopt when it
// cannot be read (the task is gone).
template <std::size_t N>
std::optional<std::string_view> read_start(const char* path, char (&buf)[N]) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const ssize_t n = read(fd, buf, N);
  close(fd);
  if (n <= 0) return std::nullopt;
  return std::string_view(buf, static_cast<std::size_t>(n));
}

std::optional<pid_t> read_field(pid_t tid, std::string_view key) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  char buf[1024];
  const auto got = read_start(path, buf);
  if (!got) return std::nullopt;
  const std::string_view text = *got;
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

// A signal mask line (SigBlk:, SigIgn:...: 16 hex digits, bit N-1 for
// signal N, render_sigset_t(), fs/proc/array.c).
std::optional<std::uint64_t> mask_in(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(at + key.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  std::uint64_t mask = 0;
  if (std::from_chars(rest.data(), rest.data() + rest.size(), mask, 16).ec != std::errc{}) {
    return std::nullopt;
  }
  return mask;
}

}  // namespace

std::optional<pid_t> read_tgid(pid_t tid) { return read_field(tid, "\nTgid:"); }
std::optional<pid_t> read_ppid(pid_t tid) { return read_field(tid, "\nPPid:"); }

std::optional<bool> signal_blocked_or_ignored(pid_t tid, int sig) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  char buf[4096];  // the masks come after the ids and the memory lines
  const auto text = read_start(path, buf);
  if (!text) return std::nullopt;
  const auto blocked = mask_in(*text, "\nSigBlk:");
  const auto ignored = mask_in(*text, "\nSigIgn:");
  if (!blocked || !ignored) return std::nullopt;
  const std::uint64_t bit = std::uint64_t{1} << (sig - 1);
  return ((*blocked | *ignored) & bit) != 0;
}

std::optional<bool> signal_deliverable(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  char buf[4096];
  const auto text = read_start(path, buf);
  if (!text) return std::nullopt;
  std::uint64_t mask[5];
  const char* keys[5] = {"\nSigPnd:", "\nShdPnd:", "\nSigBlk:", "\nSigIgn:", "\nSigCgt:"};
  for (int i = 0; i < 5; ++i) {
    const auto m = mask_in(*text, keys[i]);
    if (!m) return std::nullopt;
    mask[i] = *m;
  }
  const auto bit = [](int sig) { return std::uint64_t{1} << (sig - 1); };
  const std::uint64_t ignored_by_default = bit(SIGCHLD) | bit(SIGCONT) | bit(SIGURG) | bit(SIGWINCH);
  const std::uint64_t pending = (mask[0] | mask[1]) & ~mask[2] & ~mask[3];
  return (pending & ~(ignored_by_default & ~mask[4])) != 0;
}

std::optional<char> read_state(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/stat", tid, tid);
  char buf[512];
  const auto text = read_start(path, buf);
  if (!text) return std::nullopt;
  // "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so the
  // state follows the last ')'.
  const auto paren = text->rfind(')');
  if (paren == std::string_view::npos || paren + 2 >= text->size()) return std::nullopt;
  return (*text)[paren + 2];
}

}  // namespace cocoon::tracer
