#include "cocoon/tracer/tracee.h"

namespace cocoon::tracer {

Tracee& TraceeTable::add(pid_t tid, pid_t tgid) {
  auto [it, fresh] = by_tid_.try_emplace(tid);
  if (fresh) {
    it->second.tid = tid;
    it->second.tgid = tgid;
  }
  return it->second;
}

Tracee* TraceeTable::find(pid_t tid) {
  auto it = by_tid_.find(tid);
  return it == by_tid_.end() ? nullptr : &it->second;
}

void TraceeTable::erase(pid_t tid) { by_tid_.erase(tid); }

}  // namespace cocoon::tracer
