// UTS namespace emulation: the hostname uname() reports.
#pragma once

#include <string>

#include "cocoon/tracer/handler.h"

namespace cocoon::syscalls {

class Uts final : public tracer::SyscallHandler {
 public:
  explicit Uts(std::string hostname) : hostname_(std::move(hostname)) {}
  std::string_view name() const override { return "uts"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  std::string hostname_;
};

}  // namespace cocoon::syscalls
