// Syscalls that would reach the kernel behind the filter's back, answered by
// the filter itself (no stop).
#pragma once

#include "cocoon/tracer/handler.h"

namespace cocoon::syscalls {

class Containment final : public tracer::SyscallHandler {
 public:
  std::string_view name() const override { return "containment"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop&) override { return tracer::Verdict::resume(); }
};

}  // namespace cocoon::syscalls
