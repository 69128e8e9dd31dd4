#include "proc_pids.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "owned_fd.h"
#include "proc_fields.h"
#include "view/proc_path.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// struct linux_dirent64 (include/linux/dirent.h): d_ino, d_off, d_reclen,
// d_type, then the NUL-terminated name; records 8-byte aligned.
constexpr std::size_t kNameAt = 19;

std::string read_link(const std::string& path) {
  char buf[64];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// Which numbers a listing of host directory `dir` shows: "/proc" lists
// processes, "/proc/REAL/task" threads. Neither: nullopt.
std::optional<bool> proc_dir_kind(const std::string& dir) {
  if (dir == "/proc") return true;
  auto p = parse_proc_task_path(dir);
  if (!p || p->tid || p->rest != "/task") return std::nullopt;
  return false;
}

}  // namespace

DirentsOut filter_proc_dirents(std::string_view in, std::size_t capacity, long long start,
                               const std::function<std::optional<pid_t>(pid_t)>& rename) {
  DirentsOut out;
  long long consumed = start;  // the position after the last record dealt with
  std::size_t at = 0;
  while (at + kNameAt < in.size()) {
    std::uint16_t reclen = 0;
    long long off = 0;
    std::memcpy(&off, in.data() + at + 8, sizeof off);
    std::memcpy(&reclen, in.data() + at + 16, sizeof reclen);
    if (reclen <= kNameAt || at + reclen > in.size()) break;
    const std::string_view rec = in.substr(at, reclen);
    at += reclen;
    std::string_view name = rec.substr(kNameAt);
    name = name.substr(0, name.find('\0'));
    std::string new_name(name);
    if (auto n = parse_pid(name)) {
      auto v = rename(*n);
      if (!v) {
        consumed = off;
        continue;
      }
      new_name = std::to_string(*v);
    }
    const std::size_t len = (kNameAt + new_name.size() + 1 + 7) & ~std::size_t{7};
    if (out.bytes.size() + len > capacity) {
      out.complete = false;
      out.resume_off = consumed;
      return out;
    }
    std::string r(len, '\0');
    std::memcpy(r.data(), rec.data(), 16);  // d_ino, d_off
    const auto new_len = static_cast<std::uint16_t>(len);
    std::memcpy(r.data() + 16, &new_len, sizeof new_len);
    r[18] = rec[18];  // d_type
    std::memcpy(r.data() + kNameAt, new_name.data(), new_name.size());
    out.bytes += r;
    consumed = off;
  }
  return out;
}

Decision ProcListing::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (row.sys != arch::Sys::getdents64) return Decision::allow();
  return abi == arch::host_arch() ? Decision::trace() : Decision::allow();
}

// Emulated at entry on a duplicate of the guest's descriptor (the same
// open file, so the position moves for both: pidfd_getfd(2), Linux 5.6):
// read until a batch keeps something or the directory ends, so a buffer
// of nobody else's processes is never mistaken for the end.
Verdict ProcListing::on_entry(tracer::SyscallStop& stop) {
  const int fd = static_cast<int>(stop.regs.arg(0));
  const pid_t tid = stop.tracee.tid;
  const auto kind =
      proc_dir_kind(read_link("/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd)));
  if (!kind) return Verdict::resume();
  OwnedFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, tid, 0)));
  if (pidfd.fd < 0) return Verdict::resume();
  OwnedFd dup(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.fd, fd, 0)));
  if (dup.fd < 0) return Verdict::resume();
  const auto capacity = static_cast<std::size_t>(static_cast<unsigned>(stop.regs.arg(2)));
  std::vector<char> buf(std::min<std::size_t>(capacity, 1 << 20));
  auto pid_ns = ns_->proc_pid_ns(stop.tracee.tgid);
  if (!pid_ns) return Verdict::resume();
  const auto rename = [&pid_ns](pid_t real) { return pid_ns->virtual_of(real); };
  for (;;) {
    const long long start = ::lseek(dup.fd, 0, SEEK_CUR);
    const long n = ::syscall(SYS_getdents64, dup.fd, buf.data(), buf.size());
    if (n < 0) return Verdict::deny(errno);
    if (n == 0) return Verdict::skip(0);
    DirentsOut out = filter_proc_dirents(std::string_view(buf.data(), static_cast<std::size_t>(n)),
                                         capacity, start, rename);
    if (!out.complete) ::lseek(dup.fd, out.resume_off, SEEK_SET);
    if (out.bytes.empty() && !out.complete) return Verdict::deny(EINVAL);  // buffer too small
    if (out.bytes.empty()) continue;
    if (!stop.memory.write(stop.regs.arg(1), std::as_bytes(std::span(out.bytes)))) {
      return Verdict::deny(EFAULT);
    }
    return Verdict::skip(static_cast<std::int64_t>(out.bytes.size()));
  }
}

namespace {

std::string number_or_zero(std::optional<pid_t> v) { return std::to_string(v.value_or(0)); }

}  // namespace

// proc(5): "Tgid:\t123" and friends, one per line; NS* list one number per
// nested namespace, of which the guest's is the only level it sees.
std::string rewrite_proc_status(const std::string& text, const PidNamespace& ns) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    const std::string key = line.substr(0, colon);
    std::string value;
    if (colon != std::string::npos) {
      std::istringstream words(line.substr(colon + 1));
      std::string first;
      words >> first;
      const auto real = parse_pid(first);
      if (key == "Tgid" || key == "Pid" || key == "NStgid" || key == "NSpid" || key == "PPid") {
        value = real ? number_or_zero(ns.virtual_of(*real)) : first;
      } else if (key == "NSpgid" || key == "NSsid") {
        value = real ? number_or_zero(ns.group_virtual_of(*real)) : first;
      } else if (key == "TracerPid") {
        value = "0";  // cocoon is outside
      }
    }
    out += value.empty() ? line : key + ":\t" + value;
    out += '\n';
  }
  return out;
}

// proc(5) /proc/PID/stat: "pid (comm) state ppid pgrp session tty_nr
// tpgid ..."; comm may hold spaces and parentheses, so fields are counted
// after the last ')'.
std::string rewrite_proc_stat(const std::string& text, const PidNamespace& ns) {
  const auto open = text.find(" (");
  const auto close = text.rfind(") ");
  if (open == std::string::npos || close == std::string::npos) return text;
  const auto pid = parse_pid(text.substr(0, open));
  std::string out = number_or_zero(pid ? ns.virtual_of(*pid) : std::nullopt);
  out += text.substr(open, close + 2 - open);
  std::istringstream in(text.substr(close + 2));
  std::string field;
  for (int i = 3; in >> field; ++i) {  // field 3 is the state
    if (i >= 4 && i <= 8 && i != 7) {
      const long long v = std::stoll(field);
      if (v > 0) {
        const auto real = static_cast<pid_t>(v);
        field = number_or_zero(i == 4 ? ns.virtual_of(real) : ns.group_virtual_of(real));
      }
    }
    if (i > 3) out += ' ';
    out += field;
  }
  out += '\n';
  return out;
}

std::function<std::string(const std::string&, pid_t)> proc_file_generator(
    std::shared_ptr<const PidNamespaces> state, std::string dir) {
  auto counter = std::make_shared<unsigned>(0);
  return [state = std::move(state), dir = std::move(dir), counter](const std::string& host,
                                                                   pid_t reader) {
    auto ns = state->proc_pid_ns(reader);
    if (!ns) return std::string();
    // /proc/N/stat or /proc/N/task/M/stat, nothing else (status has its
    // own overlay: proc_status_editor()).
    auto p = parse_proc_task_path(host);
    if (!(p && p->rest == "/stat")) return std::string();
    const std::string text = read_file(host);
    if (text.empty()) return std::string();
    const std::string body = rewrite_proc_stat(text, *ns);
    return write_generated(dir, (*counter)++, body);
  };
}

ProcStatusFiles::Editor proc_status_editor(std::shared_ptr<const PidNamespaces> state) {
  return [state = std::move(state)](std::string text, ProcStatusFiles::Subject, pid_t reader) {
    auto ns = state->proc_pid_ns(reader);
    return ns ? rewrite_proc_status(text, *ns) : text;
  };
}

}  // namespace cocoon::syscalls
