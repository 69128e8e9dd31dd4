#include "guard/dumpable.h"

#include <unistd.h>

#include "guard/ptrace_cap.h"

namespace cocoon::syscalls {

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
  return !guarded(caller_tgid, target) || has_cap_sys_ptrace_over_memory(caller_tid);
}

}  // namespace cocoon::syscalls
