// Sockets: NETLINK_ROUTE replies in a network namespace, brought to what
// the namespace shows of the interfaces (NetNamespaces::netlink_reply) at
// the exit of recvmsg(2) and recvfrom(2). docs/internals/namespaces.md,
// "What it shows of the interfaces".
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <vector>

#include "cocoon/tracer/tracee.h"
#include "sockets.h"

namespace cocoon::syscalls {

// `pieces`: where the kernel wrote the reply (recvmsg's iovecs, recvfrom's
// buffer). Left as the kernel wrote it: a peek (MSG_PEEK: the reader sizes
// its buffer from it, and the unfiltered length is the larger), a reply
// cut short (MSG_TRUNC's length beyond the buffer), one too large, and any
// socket not NETLINK_ROUTE (generic netlink numbers its families from 16,
// RTM_NEWLINK's number: the type alone cannot tell).
void Sockets::netlink_reply_back(tracer::SyscallStop& stop, const Pending& p, std::span<const iovec> pieces) {
  const std::int64_t result = stop.regs.result();
  if (result <= 0 || (p.flags & MSG_PEEK) != 0 || !net_ || static_cast<std::uint64_t>(result) > kMaxNetlinkReply) {
    return;
  }
  std::size_t room = 0;
  for (const iovec& piece : pieces) room += piece.iov_len;
  if (static_cast<std::size_t>(result) > room) return;
  const auto held = net_->hold(stop, p.fd);
  if (!held || held->domain != AF_NETLINK || held->protocol != NETLINK_ROUTE) return;
  std::vector<std::byte> reply(static_cast<std::size_t>(result));
  std::size_t at = 0;
  for (const iovec& piece : pieces) {
    const std::size_t n = std::min(piece.iov_len, reply.size() - at);
    if (n != 0 && !stop.memory.read(reinterpret_cast<std::uint64_t>(piece.iov_base), std::span(reply).subspan(at, n))) {
      return;
    }
    at += n;
  }
  const std::size_t kept = net_->netlink_reply(stop.tracee.tgid, reply);
  if (kept == 0) return read_again(stop, p);
  at = 0;
  for (const iovec& piece : pieces) {
    const std::size_t n = std::min(piece.iov_len, kept - at);
    if (n != 0 && !stop.memory.write(reinterpret_cast<std::uint64_t>(piece.iov_base), std::span(reply).subspan(at, n))) {
      return;
    }
    at += n;
  }
  stop.regs.set_result(static_cast<std::int64_t>(kept));
}

// A dump's batch that held nothing of the namespace's: the same call runs
// again (ip back on the syscall instruction, number and arg0 where the
// instruction reads them: SyscallRegs::rerun_call) and reads the next
// batch, which the kernel queued when this one was read (netlink_recvmsg()
// runs the dump on). A signal that comes first is handled and the call
// then made, as after a restart. If it cannot be rewound, the empty read
// stays (the reader sees the end of the socket).
void Sockets::read_again(tracer::SyscallStop& stop, const Pending& p) {
  const long nr = stop.desc.number(stop.regs.abi());
  if (nr < 0 || !arch::SyscallRegs::rerun_call(stop.tracee.tid, stop.regs.abi(), nr, static_cast<std::uint64_t>(p.fd))) {
    stop.regs.set_result(0);
  }
}

// A message header's iovecs, read from the guest's memory (at most
// UIO_MAXIOV, as the kernel takes: import_iovec(); EMSGSIZE beyond it,
// EFAULT for an unreadable array).
std::expected<std::vector<iovec>, int> Sockets::message_iovecs(const tracer::GuestMemory& memory,
                                                               const msghdr& msg) {
  constexpr std::size_t kMaxIov = 1024;
  if (msg.msg_iovlen > kMaxIov) return std::unexpected(EMSGSIZE);
  std::vector<iovec> iov(msg.msg_iovlen);
  if (!iov.empty() &&
      !memory.read(reinterpret_cast<std::uint64_t>(msg.msg_iov), std::as_writable_bytes(std::span(iov)))) {
    return std::unexpected(EFAULT);
  }
  return iov;
}

}  // namespace cocoon::syscalls
