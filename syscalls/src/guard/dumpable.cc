#include "guard/dumpable.h"

#include <linux/capability.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "proc_fields.h"

namespace cocoon::syscalls {
namespace {

// The user namespace of task `tid` ("user:[N]"), empty if unknown.
std::string user_ns_of(const std::string& task) {
  char buf[64];
  const ssize_t n = readlink((task + "/ns/user").c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool holds_cap_sys_ptrace(pid_t tid) {
  const auto caps = proc_field(tid, "status", "CapEff:");
  if (!caps) return false;
  const std::uint64_t mask = std::stoull(*caps, nullptr, 16);
  if ((mask >> CAP_SYS_PTRACE & 1) == 0) return false;
  const std::string mine = user_ns_of("/proc/self");
  return !mine.empty() && user_ns_of("/proc/" + std::to_string(tid)) == mine;
}

}  // namespace

// No value: dumpable. Cleared at execve (OnExec::kReset); a new process
// gets its value from born() (OnClone::kFresh).
DumpableFlags::DumpableFlags(tracer::ProcessRegistry& registry)
    : registry_(registry), off_(registry, tracer::OnClone::kFresh, tracer::OnExec::kReset) {}

void DumpableFlags::set(pid_t tgid, bool dumpable) {
  if (dumpable) {
    off_.erase(tgid);
  } else {
    off_.set(tgid, Off{});
  }
}

bool DumpableFlags::dumpable(pid_t tid) const {
  const pid_t tgid = registry_.process_of(tid);
  return tgid == 0 || off_.find(tgid) == nullptr;
}

// Every clone event overwrites what a number held before (a child that
// died unborn leaves nothing to a later one).
void DumpableFlags::cloned(pid_t parent_tgid, pid_t child) {
  if (off_.find(parent_tgid) != nullptr) {
    pending_.insert(child);
  } else {
    pending_.erase(child);
  }
}

void DumpableFlags::born(pid_t child, pid_t child_tgid) {
  if (pending_.erase(child) == 0) return;
  if (child_tgid == child) set(child_tgid, false);  // a thread shares its group's
}

bool DumpableFlags::guarded(pid_t caller_tgid, pid_t target) const {
  const pid_t tgid = registry_.process_of(target);
  return tgid != 0 && tgid != caller_tgid && off_.find(tgid) != nullptr;
}

bool DumpableFlags::may_reach(pid_t caller_tgid, pid_t caller_tid, pid_t target) const {
  return !guarded(caller_tgid, target) || holds_cap_sys_ptrace(caller_tid);
}

}  // namespace cocoon::syscalls
