#include "placement.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <unordered_set>

namespace cocoon::tracer {

Placement::Placement(bool adaptive, std::mutex& mu, TraceeTable& tracees)
    : mu_(mu), tracees_(tracees), self_(static_cast<pid_t>(syscall(SYS_gettid))) {
  CPU_ZERO(&original_);
  if (sched_getaffinity(0, sizeof original_, &original_) != 0) {
    CPU_ZERO(&original_);
    cpus_ = 2;  // unknown: never pin, keep polling
    return;
  }
  cpus_ = CPU_COUNT(&original_);
  adaptive_ = adaptive && cpus_ > 1;
  if (adaptive_) timer_ = std::thread([this] { timer_loop(); });
}

Placement::~Placement() {
  if (!timer_.joinable()) return;
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  timer_.join();
}

void Placement::update() {
  if (!adaptive_) return;
  std::unordered_set<pid_t> processes;
  std::size_t threads = 0, active = 0;
  tracees_.for_each([&](const Tracee& t) {
    ++threads;
    processes.insert(t.tgid != 0 ? t.tgid : t.tid);
    if (!t.waiting) ++active;
  });
  const bool serial = threads == processes.size() && active <= 1;
  if (serial) {
    unpin_at_.reset();
    if (pinned_) return;
    const int cpu = sched_getcpu();
    if (cpu < 0 || !CPU_ISSET(cpu, &original_)) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    apply(one);
    pinned_ = true;
  } else if (pinned_ && !unpin_at_) {
    unpin_at_ = std::chrono::steady_clock::now() + kGrace;
    cv_.notify_one();
  }
}

// Wakes at the end of a grace period and unpins, unless update() saw the
// guest serial again meanwhile. The guest may have turned parallel without
// any stop since (two CPU-bound processes), so this cannot wait for an event.
void Placement::timer_loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!unpin_at_) {
      cv_.wait(lock);
      continue;
    }
    const auto at = *unpin_at_;
    if (std::chrono::steady_clock::now() < at) {
      cv_.wait_until(lock, at);
      continue;
    }
    unpin_at_.reset();
    if (pinned_) {
      apply(original_);
      pinned_ = false;
    }
  }
}

// sched_setaffinity(2) of a task the caller may signal needs no privilege
// (same uid); a task that is gone is skipped.
void Placement::apply(const cpu_set_t& mask) {
  sched_setaffinity(self_, sizeof mask, &mask);
  if (helper_ != 0) sched_setaffinity(helper_, sizeof mask, &mask);
  tracees_.for_each([&](const Tracee& t) { sched_setaffinity(t.tid, sizeof mask, &mask); });
}

}  // namespace cocoon::tracer
