#include "placement.h"

#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "proc_status.h"

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
  const std::size_t tasks = tracees_.size();
  const bool grew = tasks > tasks_;
  tasks_ = tasks;
  if (tasks > 1) {
    // A third task after a long quiet spell: sample soon again (arming a
    // timerfd wakes no one), or a guest turning parallel now would wait up
    // to kMaxInterval for its CPUs. Not for a second one: a shell and the
    // command it waits for come and go all the time, and sampling every
    // grace again at each of them cost 2-3 ms of the packaging workload.
    if (!armed_ || (grew && tasks > 2 && pinned_ && interval_ > kGrace)) {
      armed_ = true;
      interval_ = kGrace;
      against_ = 0;
      arm_timer(interval_);
    }
    return;
  }
  // One task: serial. The timer, if armed, finds it so and stops. None:
  // the guest is gone, and so may be the notifier thread.
  if (pinned_ || tasks == 0) return;
  pin(sched_getcpu());
}

void Placement::pin(int cpu) {
  if (cpu < 0 || !CPU_ISSET(cpu, &original_)) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  apply(one);
  pinned_ = true;
  cpu_ = cpu;
  against_ = 0;
}

std::size_t Placement::runnable(const std::vector<pid_t>& tids, std::size_t enough) {
  std::size_t n = 0;
  for (const pid_t tid : tids) {
    if (n >= enough) break;
    if (read_state(tid) == 'R') ++n;
  }
  return n;
}

// Under mu_, when the timer expires, with the sample taken meanwhile
// (without the lock: it reads a /proc file per task).
void Placement::decide(bool compete) {
  armed_ = false;
  if (tracees_.size() <= 1) return;  // update() pinned it, if it could
  const bool changes = compete == pinned_;  // what this sample argues for
  against_ = changes ? against_ + 1 : 0;
  if (against_ >= 2) {
    against_ = 0;
    if (pinned_) {
      apply(original_);
      pinned_ = false;
    } else {
      pin(cpu_);  // where cocoon last was on its own
    }
    interval_ = kGrace;
  } else if (changes) {
    interval_ = kGrace;  // confirm soon
  } else {
    interval_ = std::min(interval_ * 2, kMaxInterval);
  }
  armed_ = true;
  arm_timer(interval_);
}

// Wakes when a sample is due. The guest may have turned parallel without
// any stop (two CPU-bound processes), so this cannot wait for an event.
void Placement::timer_loop() {
  std::vector<pid_t> tids;
  for (;;) {
    std::uint64_t expirations = 0;
    if (read(timer_fd_, &expirations, sizeof expirations) < 0 && errno != EINTR) return;
    {
      const std::lock_guard lock(mu_);
      if (stop_) return;
      if (!armed_) continue;
      tids.clear();
      tracees_.for_each([&tids](const Tracee& t) { tids.push_back(t.tid); });
    }
    const bool compete = runnable(tids, 2) >= 2;
    const std::lock_guard lock(mu_);
    if (stop_) return;
    if (armed_) decide(compete);
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
