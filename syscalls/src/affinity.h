// sched_getaffinity(2) as the guest would see it without cocoon's CPU
// placement (tracer/src/placement.h): the CPUs cocoon was started with, or
// those the guest set itself, not the one CPU a serial guest is put on.
// Otherwise `nproc`, and the build systems that size their -j by it, would
// see one CPU.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <unordered_map>

#include "cocoon/tracer/handler.h"

namespace cocoon::syscalls {

class Affinity final : public tracer::SyscallHandler {
 public:
  Affinity();
  std::string_view name() const override { return "affinity"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  cpu_set_t original_{};
  std::unordered_map<pid_t, cpu_set_t> set_;  // by tid: what the guest asked for
};

}  // namespace cocoon::syscalls
