#include "guard/ptrace_cap.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "proc_fields.h"

namespace cocoon::syscalls {
namespace {

struct NsId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const NsId&) const = default;
};

std::optional<NsId> id_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  return NsId{st.st_dev, st.st_ino};
}

std::optional<NsId> user_ns(pid_t tid) {
  const int fd = open(("/proc/" + std::to_string(tid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  auto id = id_of(fd);
  close(fd);
  return id;
}

// The second number of a "Uid:" line: the effective uid.
std::optional<uid_t> euid_of(pid_t tid) {
  const std::string status = read_file("/proc/" + std::to_string(tid) + "/status");
  const auto at = status.find("\nUid:");
  if (at == std::string::npos) return std::nullopt;
  unsigned real = 0, effective = 0;
  if (std::sscanf(status.c_str() + at + 5, "%u %u", &real, &effective) != 2) return std::nullopt;
  return effective;
}

std::optional<std::uint64_t> caps_of(pid_t tid, std::string_view set) {
  const auto caps = proc_field(tid, "status", set);
  if (!caps) return std::nullopt;
  return std::stoull(*caps, nullptr, 16);
}

bool holds_bit(pid_t tid) {
  const auto caps = caps_of(tid, "CapEff:");
  return caps && (*caps >> CAP_SYS_PTRACE & 1) != 0;
}

}  // namespace

bool has_cap_sys_ptrace_over(pid_t caller_tid, pid_t target_tid) {
  const bool bit = holds_bit(caller_tid);
  const auto mine = user_ns(caller_tid);
  const auto euid = euid_of(caller_tid);
  int fd = open(("/proc/" + std::to_string(target_tid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  if (!euid) {
    if (fd >= 0) close(fd);
    return false;  // the caller is gone
  }
  if (!mine || fd < 0) {
    // A namespace cocoon may not read: its task is not dumpable and cocoon
    // has no CAP_SYS_PTRACE (ptrace_may_access() guards /proc/PID/ns).
    // Such a task is taken to be in cocoon's namespace, where its bit
    // counts (before this rule every caller was: a non-dumpable caller's
    // attach to its own child must still work).
    if (fd >= 0) close(fd);
    return bit;
  }
  // Up from the target's namespace: each level the caller's own (its bit
  // counts), or one the caller's euid owns from its own namespace just
  // above (every capability). NS_GET_PARENT fails at the top (EPERM past
  // cocoon's own namespace), which ends the walk: no capability.
  for (int depth = 0; fd >= 0 && depth < 33; ++depth) {  // at most 32 levels (kernel/user_namespace.c)
    const auto level = id_of(fd);
    if (!level) break;
    if (*level == *mine) {
      close(fd);
      return bit;
    }
    const int parent = ioctl(fd, NS_GET_PARENT);
    uid_t owner = 0;
    const bool owned = ioctl(fd, NS_GET_OWNER_UID, &owner) == 0 && owner == *euid;
    close(fd);
    fd = parent;
    if (fd >= 0 && owned && id_of(fd) == mine) {
      close(fd);
      return true;
    }
  }
  if (fd >= 0) close(fd);
  return false;
}

bool caps_cover(pid_t caller_tid, pid_t target_tid) {
  const auto ns = user_ns(caller_tid);
  const auto target_ns = user_ns(target_tid);
  // Unreadable (a task not dumpable): taken to be in cocoon's namespace,
  // as in has_cap_sys_ptrace_over().
  const auto own = user_ns(getpid());
  if ((ns ? ns : own) != (target_ns ? target_ns : own)) return false;
  const auto mine = caps_of(caller_tid, "CapPrm:");
  const auto theirs = caps_of(target_tid, "CapPrm:");
  return mine && theirs && (*theirs & ~*mine) == 0;
}

bool has_cap_sys_ptrace_over_memory(pid_t caller_tid) {
  const auto mine = user_ns(caller_tid);
  return mine && mine == user_ns(getpid()) && holds_bit(caller_tid);
}

}  // namespace cocoon::syscalls
