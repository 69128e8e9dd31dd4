// AF_UNIX socket paths (unix_address.h) in the calls that take or give one.
//
// Guest -> host, at the entry stop: bind, connect, the destination of
// sendto, sendmsg and sendmmsg. The translated address (and for the
// message calls a copy of the struct msghdr / mmsghdr array pointing at
// it) goes below the guest's stack (tracer::StackScratch); the guest's own
// memory is never changed.
//
// Host -> guest, at the exit stop: getsockname, getpeername, accept,
// accept4 and recvfrom's source. The kernel is handed a buffer of the
// tracer's (sockaddr_storage and its length) instead of the guest's, so
// the whole name is seen even when the guest's buffer would have cut it;
// the guest then gets the translated name as move_addr_to_user()
// (net/socket.c) would have written it: min(its length, the real length)
// bytes, and the real length in *addrlen.
//
// Not translated: recvmsg and recvmmsg source addresses (msg_name is in
// memory the filter cannot see: every call would cost a stop), and every
// call of the i386 entry (bind, connect and the sends get ENOSYS there, like
// every i386 path call; the others pass with host names).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "guest_view.h"
#include "unix_address.h"

namespace cocoon::syscalls {

class UnixSockets final : public tracer::SyscallHandler {
 public:
  UnixSockets(std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry)
      : pending_(registry), addresses_(std::move(view)) {}
  std::string_view name() const override { return "unix-sockets"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;

 private:
  // A call's, between its entry and its exit stop: the two arguments that
  // were replaced (arg, arg + 1) with the guest's values, and where the
  // kernel writes instead.
  struct Pending {
    bool batch = false;  // sendmmsg: msg_len values to copy back
    int arg = 0;
    std::uint64_t guest[2] = {0, 0};
    std::uint64_t scratch = 0;
    std::int32_t buf_len = 0;    // a name: the guest's buffer size
    bool efault_fails = false;   // a name: an unwritable buffer fails the call
    std::size_t count = 0;       // sendmmsg: messages in the copy
  };

  // bind, connect, sendto: the address in argument `arg`, its length next.
  tracer::Verdict rewrite_address(tracer::SyscallStop& stop, int arg, bool binding);
  tracer::Verdict rewrite_msghdr(tracer::SyscallStop& stop);
  tracer::Verdict rewrite_mmsghdrs(tracer::SyscallStop& stop);
  // getsockname, accept, recvfrom...: the name buffer in argument `arg`,
  // its length pointer next, redirected to the tracer's buffer.
  tracer::Verdict redirect_name(tracer::SyscallStop& stop, int arg, bool efault_fails);
  void name_back(tracer::SyscallStop& stop, const Pending& p);
  void lengths_back(tracer::SyscallStop& stop, const Pending& p);

  tracer::CallSlot<Pending> pending_;
  UnixAddresses addresses_;
};

}  // namespace cocoon::syscalls
