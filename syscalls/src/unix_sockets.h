// AF_UNIX socket paths in bind(2) and connect(2): a socket file lives in the
// filesystem, so its path is translated like any other (bind creates it,
// without following a last symlink; connect follows). Abstract names
// (sun_path[0] == 0) and other families pass unchanged.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "guest_view.h"

namespace cocoon::syscalls {

class UnixSockets final : public tracer::SyscallHandler {
 public:
  explicit UnixSockets(std::shared_ptr<const GuestView> view) : view_(std::move(view)) {}
  std::string_view name() const override { return "unix-sockets"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  std::shared_ptr<const GuestView> view_;
};

}  // namespace cocoon::syscalls
