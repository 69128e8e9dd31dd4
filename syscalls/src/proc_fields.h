// One "Key: value" field of a /proc text file of a tracee: status (Umask,
// PPid) and fdinfo/N (pos, flags), whose formats are documented in proc(5)
// (fs/proc/array.c, fs/proc/fd.c). One read of the file; nullopt when the
// file or the field is missing (the task or the fd is gone).
#pragma once

#include <sys/types.h>

#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <string_view>

namespace cocoon::syscalls {

// `file` is relative to /proc/TID ("status", "fdinfo/3"); `key` with its
// colon ("Umask:"). The value's first word.
inline std::optional<std::string> proc_field(pid_t tid, const std::string& file,
                                             std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/" + file);
  std::string word;
  while (in >> word) {
    if (word != key) continue;
    if (in >> word) return word;
    break;
  }
  return std::nullopt;
}

// A whole (small) file, such as /proc/PID/cgroup; empty when unreadable.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

}  // namespace cocoon::syscalls
