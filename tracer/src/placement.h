// Where cocoon and its guests run. A stop is a round trip between the
// guest's CPU and cocoon's; on a VM whose idle vCPUs halt, waking the other
// one goes through the host (7-65 µs here), while on one CPU the same round
// trip is a context switch (2.6 µs): docs/benchmark.md. So while the guest
// is serial (at most one of its tasks wants a CPU: a shell and the command
// it waits for, gcc and its cc1), cocoon puts itself and the guest on the
// CPU it is on; once two of the guest's tasks compete for a CPU, every
// task gets its original CPUs back.
//
// Whether they compete is sampled, not traced: a guest of one task is
// serial; with more, a timer looks at the tasks' scheduler states
// (/proc/TID/task/TID/stat, read without the tracer's lock) after a grace
// period and then at doubling intervals, back to the grace whenever a task
// is added.
// Two runnable tasks ('R': running, or waiting for the CPU) compete; a
// shell blocked in wait4 or on a pipe ('S') does not. Tracing wait4 to
// know the same cost two ptrace stops per process the guest starts
// (docs/benchmark.md). The grace keeps short overlaps pinned: unpinning
// then pinning again for each `$(seq 50)` cost about 200 µs of
// sched_setaffinity calls and migrations. Pinning again takes two serial
// samples in a row, and unpinning two contended ones: a sample may fall on
// a moment's overlap (a shell woken by its command's output while the
// command still runs) or on a parallel guest's lull.
// Children inherit the mask they are forked with, so only the transitions
// cost anything. Off with `--no-cpu-placement`, or when cocoon was started
// on one CPU already (taskset).
#pragma once

#include <sched.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "cocoon/tracer/tracee.h"

namespace cocoon::tracer {

class Placement {
 public:
  // `mu` guards `tracees` (the tracer's lock): update() is called under
  // it, and the timer thread takes it to copy the tids and to act on a sample.
  Placement(bool adaptive, std::mutex& mu, TraceeTable& tracees);
  ~Placement();
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;

  // After the tracees changed (a clone event, a death), under mu.
  void update();
  // cocoon is on one CPU now (with taskset, or pinned here): polling for
  // the next stop would only keep the guest off it.
  bool one_cpu() const { return pinned_ || cpus_ <= 1; }
  // Another thread of cocoon's that answers the guest (the notifier) goes
  // where cocoon goes.
  void add_thread(pid_t tid) { helper_ = tid; }

  // How many of `tids` are runnable (state R in /proc/TID/task/TID/stat),
  // counting up to `enough`.
  static std::size_t runnable(const std::vector<pid_t>& tids, std::size_t enough = SIZE_MAX);

  static constexpr std::chrono::milliseconds kGrace{3};
  // Samples while nothing changes come at doubling intervals up to this.
  static constexpr std::chrono::milliseconds kMaxInterval{48};

 private:
  void apply(const cpu_set_t& mask);
  void arm_timer(std::chrono::nanoseconds after);  // 0: disarm
  void timer_loop();
  void decide(bool compete);
  void pin(int cpu);

  std::mutex& mu_;
  TraceeTable& tracees_;
  cpu_set_t original_{};
  int cpus_ = 0;
  bool adaptive_ = false;
  bool pinned_ = false;
  int cpu_ = -1;            // the CPU pinned to last (the tracing thread's then)
  std::size_t tasks_ = 0;   // the tracees at the last update()
  pid_t self_ = 0;    // the tracing thread (sched_setaffinity(0) would be the caller)
  pid_t helper_ = 0;
  // Under mu_: the timer runs (the guest has more than one task), the
  // interval it was armed with, and the samples in a row that said the
  // opposite of what the placement is (two change it).
  bool armed_ = false;
  std::chrono::milliseconds interval_{kGrace};
  int against_ = 0;
  bool stop_ = false;
  // A timerfd, not a condition variable: arming it wakes no one, so only a
  // sample wakes the timer thread. Waking it at every fork (a thread on the
  // other, idle vCPU) cost the tracing thread an IPI each time: 8 ms in
  // the packaging workload.
  int timer_fd_ = -1;
  std::thread timer_;
};

}  // namespace cocoon::tracer
