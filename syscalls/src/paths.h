// Path translation: every path a guest passes is resolved in guest terms
// (GuestView) and replaced by the host path the kernel must see, written
// below the guest's stack (tracer::StackScratch). Emulated at the entry stop,
// never at the exit: getcwd and readlink of /proc magic links are answered
// by the tracer, so no call here costs an exit stop.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "guest_view.h"
#include "path_rules.h"

namespace cocoon::syscalls {

class Paths final : public tracer::SyscallHandler {
 public:
  explicit Paths(std::shared_ptr<const GuestView> view) : view_(std::move(view)) {}
  std::string_view name() const override { return "paths"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  tracer::Verdict getcwd(tracer::SyscallStop& stop) const;
  tracer::Verdict translate(tracer::SyscallStop& stop, const PathRule& rule) const;

  std::shared_ptr<const GuestView> view_;
};

}  // namespace cocoon::syscalls
