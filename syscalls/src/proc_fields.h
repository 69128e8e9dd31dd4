// One "Key: value" field of a /proc text file of a tracee: status (Umask,
// PPid) and fdinfo/N (pos, flags), whose formats are documented in proc(5)
// (fs/proc/array.c, fs/proc/fd.c). One read of the file; nullopt when the
// file or the field is missing (the task or the fd is gone).
#pragma once

#include <sys/types.h>

#include <filesystem>
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
