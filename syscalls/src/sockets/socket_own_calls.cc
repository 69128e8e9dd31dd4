// Sockets: the calls cocoon makes itself, on its duplicate of the guest's
// socket (NetNamespaces::hold), with an address the network namespace
// translated. The kernel then reads the address from cocoon's memory: a
// copy below the guest's stack would be the guest's to change, by a
// sibling thread writing its own address over it between the stop and the
// kernel's read, and a guest's descriptor swapped meanwhile (dup2) changes
// only which of its sockets the call is made on.
//
// bind and a datagram's connect are immediate; a stream's connect is
// started non-blocking and, for a blocking socket, waited for by the
// guest's own connect with an address length of 2, which a connection in
// progress waits with (__inet_stream_connect(): only sa_family is read, for
// AF_UNSPEC) and any other socket refuses (EINVAL: the address is short);
// a datagram's send is made here with the guest's data (a stream's goes as
// the guest's call, its address taken off: tcp_sendmsg() ignores it).
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "cocoon/tracer/tracee.h"
#include "sockets.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// net.core.optmem_max's default: control data past it is ENOBUFS
// (sock_kmalloc()).
constexpr std::size_t kMaxControl = 20480;

Verdict result_of(long r) { return Verdict::skip(r < 0 ? -static_cast<std::int64_t>(errno) : r); }

}  // namespace

Verdict Sockets::call_here(tracer::SyscallStop& stop, AddressUse use, const HeldSocket& socket,
                           const SockAddr& name) {
  auto& regs = stop.regs;
  const int fd = socket.fd.fd;
  const auto* addr = reinterpret_cast<const sockaddr*>(&name.addr);
  const auto len = static_cast<socklen_t>(name.len);
  switch (use) {
    case AddressUse::kBind: return result_of(::bind(fd, addr, len));
    case AddressUse::kConnect: return connect_here(stop, socket, name);
    case AddressUse::kSend:
    case AddressUse::kSendFastOpen: break;
  }
  if (socket.type != SOCK_DGRAM) {  // sendto(2) of a stream: the address goes
    regs.set_arg(4, 0);
    regs.set_arg(5, 0);
    return Verdict::resume();
  }
  const std::uint64_t size = regs.arg(2);
  if (size > kMaxDatagram) return Verdict::deny(EMSGSIZE);
  std::vector<std::byte> data(size);
  if (!data.empty() && !stop.memory.read(regs.arg(1), data)) return Verdict::deny(EFAULT);
  return result_of(::sendto(fd, data.data(), data.size(), static_cast<int>(regs.arg(3)) | MSG_NOSIGNAL,
                            addr, len));
}

Verdict Sockets::connect_here(tracer::SyscallStop& stop, const HeldSocket& socket, const SockAddr& name) {
  const int fd = socket.fd.fd;
  const int flags = ::fcntl(fd, F_GETFL);
  const bool blocking = flags >= 0 && (flags & O_NONBLOCK) == 0;
  if (blocking) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&name.addr),
                          static_cast<socklen_t>(name.len));
  const int err = errno;
  if (blocking) ::fcntl(fd, F_SETFL, flags);
  if (r == 0) return Verdict::skip(0);
  if (err != EINPROGRESS || !blocking) return Verdict::deny(err);
  stop.regs.set_arg(2, sizeof(sa_family_t));
  return Verdict::resume();
}

// The bytes and control data of one message, read from the guest's memory.
std::expected<Sockets::OwnMessage, int> Sockets::read_message(const tracer::GuestMemory& memory,
                                                             const msghdr& msg) {
  if (msg.msg_iovlen > 1024) return std::unexpected(EMSGSIZE);  // UIO_MAXIOV
  if (msg.msg_controllen > kMaxControl) return std::unexpected(ENOBUFS);
  auto iov = message_iovecs(memory, msg);
  if (!iov) return std::unexpected(iov.error());
  OwnMessage m;
  for (const iovec& v : *iov) {
    if (m.data.size() + v.iov_len > kMaxDatagram) return std::unexpected(EMSGSIZE);
    const std::size_t at = m.data.size();
    m.data.resize(at + v.iov_len);
    if (v.iov_len != 0 && !memory.read(reinterpret_cast<std::uint64_t>(v.iov_base),
                                       std::span(m.data).subspan(at))) {
      return std::unexpected(EFAULT);
    }
  }
  m.control.resize(msg.msg_controllen);
  if (!m.control.empty() &&
      !memory.read(reinterpret_cast<std::uint64_t>(msg.msg_control), m.control)) {
    return std::unexpected(EFAULT);
  }
  return m;
}

// One datagram, made here: the guest's data and control data, to `name`
// (none: the connected peer's).
long Sockets::send_here(int fd, OwnMessage& m, const SockAddr* name, int flags) {
  iovec iov{m.data.data(), m.data.size()};
  msghdr h{};
  if (name != nullptr) {
    h.msg_name = const_cast<sockaddr_storage*>(&name->addr);
    h.msg_namelen = static_cast<socklen_t>(name->len);
  }
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = m.control.empty() ? nullptr : m.control.data();
  h.msg_controllen = m.control.size();
  return ::sendmsg(fd, &h, flags | MSG_NOSIGNAL);
}

// sendmsg(2) on an IP datagram socket, made here: the guest's data and
// control data to `name` (the translated address, or the guest's own of
// another family, for the kernel to refuse; null: the connected peer's).
Verdict Sockets::datagram_here(tracer::SyscallStop& stop, const msghdr& msg, const HeldSocket& socket,
                               const SockAddr* name) {
  auto m = read_message(stop.memory, msg);
  if (!m) return Verdict::deny(m.error());
  return result_of(send_here(socket.fd.fd, *m, name, static_cast<int>(stop.regs.arg(2))));
}

// sendmsg(2) on an IP stream socket, whose name the kernel ignores
// (tcp_sendmsg()): as sendto(2) without one when it is one buffer without
// control data (all in registers, so a descriptor swapped for a datagram
// socket sends nowhere but to its peer), else a copy of the header
// without a name below the guest's stack.
Verdict Sockets::stream_message(tracer::SyscallStop& stop, msghdr msg) {
  auto& regs = stop.regs;
  iovec iov{};
  if (msg.msg_iovlen == 1 && msg.msg_controllen == 0 &&
      stop.memory.read(reinterpret_cast<std::uint64_t>(msg.msg_iov),
                       std::as_writable_bytes(std::span(&iov, 1)))) {
    regs.set_nr(arch::find_syscall(arch::Sys::sendto).number(arch::host_arch()));
    regs.set_arg(3, regs.arg(2));
    regs.set_arg(1, reinterpret_cast<std::uint64_t>(iov.iov_base));
    regs.set_arg(2, iov.iov_len);
    regs.set_arg(4, 0);
    regs.set_arg(5, 0);
    return Verdict::resume();
  }
  msg.msg_name = nullptr;
  msg.msg_namelen = 0;
  return push_msghdr(stop, msg, nullptr);
}

// sendmmsg(2) on a datagram socket: each message sent here, in order, to
// its translated address (`names[i]`, null: as the guest named it or
// not), until the first that fails; each one's msg_len written back.
Verdict Sockets::batch_here(tracer::SyscallStop& stop, std::span<const mmsghdr> msgs,
                            std::span<const std::optional<SockAddr>> names, const HeldSocket& socket) {
  const std::uint64_t vec = stop.regs.arg(1);
  const int flags = static_cast<int>(stop.regs.arg(3));
  std::int64_t sent = 0;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    auto m = read_message(stop.memory, msgs[i].msg_hdr);
    long r = m ? send_here(socket.fd.fd, *m, names[i] ? &*names[i] : nullptr, flags) : -1;
    if (!m) errno = m.error();
    if (r < 0) return sent > 0 ? Verdict::skip(sent) : Verdict::deny(errno);
    const auto n = static_cast<unsigned>(r);
    (void)stop.memory.write(vec + i * sizeof(mmsghdr) + offsetof(mmsghdr, msg_len),
                            std::as_bytes(std::span(&n, 1)));
    ++sent;
  }
  return Verdict::skip(sent);
}

}  // namespace cocoon::syscalls
