#include "placement.h"

#include <unordered_set>

namespace cocoon::tracer {

Placement::Placement(bool adaptive) {
  CPU_ZERO(&original_);
  if (sched_getaffinity(0, sizeof original_, &original_) != 0) {
    CPU_ZERO(&original_);
    cpus_ = 2;  // unknown: never pin, keep polling
    return;
  }
  cpus_ = CPU_COUNT(&original_);
  adaptive_ = adaptive && cpus_ > 1;
}

void Placement::update(TraceeTable& tracees) {
  if (!adaptive_) return;
  std::unordered_set<pid_t> processes;
  std::size_t threads = 0, active = 0;
  tracees.for_each([&](const Tracee& t) {
    ++threads;
    processes.insert(t.tgid != 0 ? t.tgid : t.tid);
    if (!t.waiting) ++active;
  });
  const bool serial = threads == processes.size() && active <= 1;
  if (serial == pinned_) return;
  if (serial) {
    const int cpu = sched_getcpu();
    if (cpu < 0 || !CPU_ISSET(cpu, &original_)) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    apply(tracees, one);
  } else {
    apply(tracees, original_);
  }
  pinned_ = serial;
}

// sched_setaffinity(2) of a task the caller may signal needs no privilege
// (same uid); a task that is gone is skipped.
void Placement::apply(TraceeTable& tracees, const cpu_set_t& mask) {
  sched_setaffinity(0, sizeof mask, &mask);
  tracees.for_each([&](const Tracee& t) { sched_setaffinity(t.tid, sizeof mask, &mask); });
}

}  // namespace cocoon::tracer
