#include "placement.h"

#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

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
  if (!adaptive_) return;
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (timer_fd_ < 0) {
    adaptive_ = false;  // no timer, no unpinning: better not pin at all
    return;
  }
  timer_ = std::thread([this] { timer_loop(); });
}

Placement::~Placement() {
  if (timer_.joinable()) {
    {
      const std::lock_guard lock(mu_);
      stop_ = true;
    }
    arm_timer(std::chrono::nanoseconds(1));  // wakes the thread to see stop_
    timer_.join();
  }
  if (timer_fd_ >= 0) close(timer_fd_);
}

void Placement::arm_timer(std::chrono::nanoseconds after) {
  itimerspec t{};
  t.it_value.tv_sec = static_cast<time_t>(after.count() / 1000000000);
  t.it_value.tv_nsec = static_cast<long>(after.count() % 1000000000);
  timerfd_settime(timer_fd_, 0, &t, nullptr);
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
    if (unpin_pending_) {
      unpin_pending_ = false;
      arm_timer(std::chrono::nanoseconds(0));
    }
    if (pinned_) return;
    const int cpu = sched_getcpu();
    if (cpu < 0 || !CPU_ISSET(cpu, &original_)) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    apply(one);
    pinned_ = true;
  } else if (pinned_ && !unpin_pending_) {
    unpin_pending_ = true;
    arm_timer(kGrace);
  }
}

// Wakes at the end of a grace period and unpins, unless update() saw the
// guest serial again meanwhile. The guest may have turned parallel without
// any stop since (two CPU-bound processes), so this cannot wait for an event.
void Placement::timer_loop() {
  for (;;) {
    std::uint64_t expirations = 0;
    if (read(timer_fd_, &expirations, sizeof expirations) < 0 && errno != EINTR) return;
    const std::lock_guard lock(mu_);
    if (stop_) return;
    // Disarmed meanwhile (update() saw the guest serial again), or re-armed
    // for a later overlap whose grace is still running.
    itimerspec left{};
    timerfd_gettime(timer_fd_, &left);
    if (!unpin_pending_ || left.it_value.tv_sec != 0 || left.it_value.tv_nsec != 0) continue;
    unpin_pending_ = false;
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
