#include "signal_watch.h"

#include <algorithm>

#include "doorbell.h"
#include "proc_status.h"

namespace cocoon::tracer {

SignalWatch::SignalWatch() : thread_([this] { run(); }) {}

SignalWatch::~SignalWatch() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SignalWatch::watch(pid_t tid) {
  std::lock_guard lock(mu_);
  if (std::find(tids_.begin(), tids_.end(), tid) != tids_.end()) return;
  tids_.push_back(tid);
  if (tids_.size() == 1) cv_.notify_all();
}

void SignalWatch::forget(pid_t tid) {
  std::lock_guard lock(mu_);
  std::erase(tids_, tid);
}

void SignalWatch::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !tids_.empty(); });
    if (cv_.wait_for(lock, kPeriod, [this] { return stop_; })) return;
    // Rung and not looked at yet: the loop will, at its next event.
    if (tids_.empty() || rung_.load(std::memory_order_acquire) != 0) continue;
    const std::vector<pid_t> tids = tids_;
    lock.unlock();
    const bool any = std::any_of(tids.begin(), tids.end(),
                                 [](pid_t tid) { return signal_deliverable(tid).value_or(false); });
    if (any) {
      // Set first: the loop looks at its next event even when the bell
      // cannot ring (vfork's EAGAIN: RLIMIT_NPROC, which a guest of the
      // same user can exhaust).
      rung_.store(1, std::memory_order_release);
      ring_doorbell();
    }
    lock.lock();
  }
}

}  // namespace cocoon::tracer
