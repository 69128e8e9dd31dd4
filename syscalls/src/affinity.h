// sched_getaffinity(2) as the guest would see it without cocoon's CPU
// placement (tracer/src/placement.h): the CPUs cocoon was started with, or
// those the guest set itself, not the one CPU a serial guest is put on.
// Otherwise `nproc`, and the build systems that size their -j by it, would
// see one CPU.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"

namespace cocoon::syscalls {

class Affinity final : public tracer::SyscallHandler {
 public:
  explicit Affinity(tracer::ProcessRegistry& registry);
  std::string_view name() const override { return "affinity"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  cpu_set_t original_{};
  // What the guest asked for, per thread (sched_setaffinity(2) sets one
  // thread's mask). A new process has its parent's: "A child created via
  // fork(2) inherits its parent's CPU affinity mask. The affinity mask is
  // preserved across an execve(2)." (sched_setaffinity(2)); so has a new
  // thread: "The new thread inherits copies of the calling thread's [...]
  // CPU affinity mask" (pthread_create(3); dup_task_struct(), kernel/fork.c).
  tracer::ThreadSlot<cpu_set_t> set_;
};

}  // namespace cocoon::syscalls
