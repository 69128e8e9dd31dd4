// Where cocoon and its guests run. A stop is a round trip between the
// guest's CPU and cocoon's; on a VM whose idle vCPUs halt, waking the other
// one goes through the host (7-65 µs here), while on one CPU the same round
// trip is a context switch (2.6 µs): docs/benchmark.md. So while the guest
// is serial (single-threaded processes of which at most one is not blocked
// waiting for a child: a shell and the command it waits for, gcc and its
// cc1), cocoon puts itself and the guest on the CPU it is on; once the
// guest has been able to run in parallel (two processes not waiting, a
// second thread) for a grace period, every task gets its original CPUs
// back. The grace keeps short overlaps pinned: a shell reading a command
// substitution's output, `$(seq 50)`, is not waiting in wait4 but only
// blocked on a pipe, and unpinning then pinning again for each one cost
// about 200 µs of sched_setaffinity calls and migrations (docs/benchmark.md).
// Children inherit the mask they are forked with, so only the transitions
// cost anything. Off with `--no-cpu-placement`, or when cocoon was started
// on one CPU already (taskset).
#pragma once

#include <sched.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "cocoon/tracer/tracee.h"

namespace cocoon::tracer {

class Placement {
 public:
  // `mu` guards `tracees` (the tracer's lock): update() is called under
  // it, and the grace timer's thread takes it to unpin.
  Placement(bool adaptive, std::mutex& mu, TraceeTable& tracees);
  ~Placement();
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;

  // After the tracees changed (a clone event, a death, a wait), under mu.
  void update();
  // cocoon is on one CPU now (with taskset, or pinned here): polling for
  // the next stop would only keep the guest off it.
  bool one_cpu() const { return pinned_ || cpus_ <= 1; }
  // Another thread of cocoon's that answers the guest (the notifier) goes
  // where cocoon goes.
  void add_thread(pid_t tid) { helper_ = tid; }

  static constexpr std::chrono::milliseconds kGrace{3};

 private:
  void apply(const cpu_set_t& mask);
  void arm_timer(std::chrono::nanoseconds after);  // 0: disarm
  void timer_loop();

  std::mutex& mu_;
  TraceeTable& tracees_;
  cpu_set_t original_{};
  int cpus_ = 0;
  bool adaptive_ = false;
  bool pinned_ = false;
  pid_t self_ = 0;    // the tracing thread (sched_setaffinity(0) would be the caller)
  pid_t helper_ = 0;
  // Under mu_: the guest turned parallel while pinned, and the timer runs;
  // it unpins when it expires unless the guest turned serial first.
  bool unpin_pending_ = false;
  bool stop_ = false;
  // A timerfd, not a condition variable: arming and disarming it wake no
  // one, so only an actual unpin wakes the timer thread. Waking it at
  // every overlap (a thread on the other, idle vCPU) cost the tracing
  // thread an IPI each time: 8 ms in the packaging workload.
  int timer_fd_ = -1;
  std::thread timer_;
};

}  // namespace cocoon::tracer
