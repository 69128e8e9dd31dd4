// One "Key: value" field of a /proc text file of a tracee: status (Umask,
// PPid) and fdinfo/N (pos, flags), whose formats are documented in proc(5)
// (fs/proc/array.c, fs/proc/fd.c). One read of the file; nullopt when the
// file or the field is missing (the task or the fd is gone).
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <string_view>

namespace cocoon::syscalls {

// `file` is relative to /proc/TID ("status", "fdinfo/3"); `key` with its
// colon ("Umask:"). The value's first word.
// A whole (small) file, such as /proc/PID/cgroup; empty when unreadable.
// With open(2) and read(2): a stream's set-up cost about as much as the
// read, at every exec (the auxv's ids, CredentialCalls::on_exec).
inline std::string read_file(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

inline std::optional<std::string> proc_field(pid_t tid, const std::string& file,
                                             std::string_view key) {
  const std::string text = read_file("/proc/" + std::to_string(tid) + "/" + file);
  constexpr std::string_view kSpace = " \t\n";
  std::string_view rest(text);
  bool found = false;
  while (true) {
    const auto start = rest.find_first_not_of(kSpace);
    if (start == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(start);
    const auto end = std::min(rest.find_first_of(kSpace), rest.size());
    const std::string_view word = rest.substr(0, end);
    if (found) return std::string(word);
    found = word == key;
    rest.remove_prefix(end);
  }
}

// Writes `text` as generated file number `n` (of 64, reused in turn) in
// `dir` and returns its path, empty on failure. Written beside and renamed
// over: a guest still reading the previous copy keeps its own.
inline std::string write_generated(const std::string& dir, unsigned n, const std::string& text) {
  const std::string file = dir + "/" + std::to_string(n % 64);
  const std::string tmp = file + ".new";
  {
    std::ofstream o(tmp, std::ios::trunc);
    o << text;
    if (!o) return std::string();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  return ec ? std::string() : file;
}

}  // namespace cocoon::syscalls
