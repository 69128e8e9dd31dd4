// The ancillary data of a message (cmsg(3)) on its way through sendmsg,
// sendmmsg, recvmsg and recvmmsg. Sockets is the one translator of those
// calls' struct msghdr (sockets.h): it hands a message's control buffer to
// a ControlTranslator, which says what the kernel gets instead, and gives
// it the control data the kernel wrote for a receiver to bring into the
// guest's terms. identity/ has the one translator today, for
// SCM_CREDENTIALS (scm_credentials.h); sockets/ does not know what it
// changes.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <span>
#include <vector>

#include "cocoon/tracer/dispatch.h"

namespace cocoon::syscalls {

// The most control data translated in one message; a larger buffer goes to
// the kernel as it is. The kernel's own limit is net.core.optmem_max
// (sock_kmalloc() in ____sys_sendmsg()), 20 KiB to 128 KiB by default.
inline constexpr std::size_t kMaxControlCopy = 64 * 1024;

class ControlTranslator {
 public:
  virtual ~ControlTranslator() = default;
  // The control data of a message the caller of `stop` sends: nullopt,
  // the kernel may read the guest's own; a buffer, what the kernel gets in
  // its place; an errno, the call fails with it (what the kernel would
  // have said of the guest's data had its ids been real).
  virtual std::expected<std::optional<std::vector<std::byte>>, int> to_kernel(
      const tracer::SyscallStop& stop, std::span<const std::byte> control) = 0;
  // The control data the kernel wrote for the caller of `stop`, changed in
  // place into the guest's terms; false: nothing changed.
  virtual bool to_guest(const tracer::SyscallStop& stop, std::span<std::byte> control) = 0;
};

}  // namespace cocoon::syscalls
