// Where cocoon and its guests run. A stop is a round trip between the
// guest's CPU and cocoon's; on a VM whose idle vCPUs halt, waking the other
// one goes through the host (7-65 µs here), while on one CPU the same round
// trip is a context switch (2.6 µs): docs/benchmark.md. So while the guest
// is serial (single-threaded processes of which at most one is not blocked
// waiting for a child: a shell and the command it waits for, gcc and its
// cc1), cocoon puts itself and the guest on the CPU it is on; as soon as
// the guest could run in parallel (two processes not waiting, a second
// thread) every task gets its original CPUs back.
// Children inherit the mask they are forked with, so only the transitions
// cost anything. Off with `--no-cpu-placement`, or when cocoon was started
// on one CPU already (taskset).
#pragma once

#include <sched.h>

#include "cocoon/tracer/tracee.h"

namespace cocoon::tracer {

class Placement {
 public:
  explicit Placement(bool adaptive);

  // After the tracees changed (a clone event, a death).
  void update(TraceeTable& tracees);
  // cocoon is on one CPU now (with taskset, or pinned here): polling for
  // the next stop would only keep the guest off it.
  bool one_cpu() const { return pinned_ || cpus_ <= 1; }

 private:
  void apply(TraceeTable& tracees, const cpu_set_t& mask);

  cpu_set_t original_{};
  int cpus_ = 0;
  bool adaptive_ = false;
  bool pinned_ = false;
};

}  // namespace cocoon::tracer
