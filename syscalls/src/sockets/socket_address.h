// Socket addresses as the Sockets handler (sockets.h) moves them between
// the guest's terms and the host's, and the interface through which it asks
// an emulated network namespace about them (NetNamespaces, implemented by
// namespaces/net_isolation.h: the names a network namespace owns are its
// loopback addresses and its abstract AF_UNIX names, network_namespaces(7)).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "owned_fd.h"

namespace cocoon::syscalls {

// A struct sockaddr of any family and its length (the addrlen argument).
struct SockAddr {
  sockaddr_storage addr{};
  std::size_t len = 0;

  // AF_UNSPEC when the length holds no family.
  sa_family_t family() const { return len >= sizeof(sa_family_t) ? addr.ss_family : AF_UNSPEC; }
  std::span<const std::byte> bytes() const { return std::as_bytes(std::span(&addr, 1)).first(len); }
  // The first sizeof(sockaddr_storage) bytes of `b` at most.
  static SockAddr of(std::span<const std::byte> b);
};

// The guest's address at `at`, `len` bytes, as move_addr_to_kernel()
// (net/socket.c) takes it: nullopt for none (a NULL pointer, a length of
// 0) and for a length the kernel refuses itself (EINVAL: negative, or past
// sockaddr_storage), which then goes to the kernel as it is; EFAULT.
std::expected<std::optional<SockAddr>, int> read_sockaddr(const tracer::GuestMemory& memory,
                                                          std::uint64_t at, std::uint64_t len);

// What the call does with the address it hands the kernel.
enum class AddressUse : std::uint8_t {
  kBind,
  kConnect,
  kSend,          // sendto, sendmsg, sendmmsg: a datagram's destination
  kSendFastOpen,  // the same with MSG_FASTOPEN: a TCP connect (tcp_sendmsg_fastopen())
};

// The largest UDP payload over IPv4 (udp_sendmsg(): EMSGSIZE past it): a
// dropped datagram's send says what a sent one would.
inline constexpr std::uint64_t kMaxDatagram = 65507;

// The largest netlink request read to be looked at (bigger ones go as
// they are: lo's requests are a few dozen bytes).
inline constexpr std::uint64_t kMaxNetlinkRequest = 65536;
// The largest netlink reply brought into a namespace's terms: a dump's
// batches are at most 32 KiB (netlink_dump()'s allocation), a reader's
// buffer is often 32 KiB or 1 MiB (glibc: a page at first; iproute2: 32 KiB).
inline constexpr std::uint64_t kMaxNetlinkReply = 1 << 20;

// The guest's socket as cocoon holds it: a duplicate (pidfd_getfd(2)) of
// the same open file, and its type. On an IP socket of an emulated network
// namespace the Sockets handler makes bind, connect and the datagrams'
// sends itself, so the kernel reads the address from cocoon's memory: a
// copy below the guest's stack, or the guest's own buffer, is the guest's
// to change, by a sibling thread, between the stop and the kernel's read.
struct HeldSocket {
  OwnedFd fd;
  int type = -1;    // SOCK_STREAM, SOCK_DGRAM...
  int domain = -1;  // AF_INET...
  int protocol = -1;  // NETLINK_ROUTE...

  bool ip_datagrams() const {
    return type == SOCK_DGRAM && (domain == AF_INET || domain == AF_INET6);
  }
};

// What becomes of a guest's address on its way to the kernel.
struct AddressAnswer {
  enum class Kind : std::uint8_t {
    kAsIs,       // the kernel gets the guest's own
    kRewritten,  // the kernel gets `host`
    kRefused,    // the call fails with `err`, as the kernel would say it
    kDropped,    // a datagram nobody may receive: "sent", as the kernel
                 // answers a UDP send to a port nobody bound (udp(7))
  };
  Kind kind = Kind::kAsIs;
  int err = 0;
  SockAddr host;

  static AddressAnswer as_is() { return {}; }
  static AddressAnswer rewritten(const SockAddr& a) { return {Kind::kRewritten, 0, a}; }
  static AddressAnswer refused(int e) { return {Kind::kRefused, e, {}}; }
  static AddressAnswer dropped() { return {Kind::kDropped, 0, {}}; }
};

// The network namespaces a guest's processes are in, as the Sockets
// handler asks about them. A process in the host's own network namespace
// gets no answer but "as is" and nullopt.
class NetNamespaces {
 public:
  virtual ~NetNamespaces() = default;
  // Whether process `tgid` is in an emulated network namespace.
  virtual bool translates(pid_t tgid) const = 0;
  // The stopped task's socket `fd`, duplicated, when the task is in an
  // emulated network namespace and the kernel gives a duplicate; null
  // otherwise.
  virtual std::shared_ptr<HeldSocket> hold(const tracer::SyscallStop& stop, int fd) = 0;
  // The address the kernel must see for `guest`, which the stopped task
  // hands to `use` on its socket (`held`, null when not held).
  virtual AddressAnswer to_host(const tracer::SyscallStop& stop,
                                const std::shared_ptr<HeldSocket>& held, AddressUse use,
                                const SockAddr& guest) = 0;
  // The name process `tgid` must see for `kernel` (what the kernel wrote:
  // a socket's own name, its peer's, a sender's), nullopt when it is the
  // guest's already.
  virtual std::optional<SockAddr> to_guest(pid_t tgid, const SockAddr& kernel) const = 0;
  // listen(2) of socket `fd`.
  virtual void before_listen(const tracer::SyscallStop& stop, int fd) = 0;
  // socket(2): 0, or the errno for a socket the namespace does not give.
  virtual int socket_error(pid_t tgid, int domain, int type, int protocol) const = 0;
  // A netlink request process `tgid` sends (sendto's buffer, sendmsg's
  // iovecs): the bytes the kernel must be handed instead, or nullopt.
  virtual std::optional<std::vector<std::byte>> netlink_request(
      pid_t tgid, std::span<const std::byte> request) const = 0;
  // A NETLINK_ROUTE reply process `tgid` received, rewritten in place to
  // what its namespace shows; returns the new length.
  virtual std::size_t netlink_reply(pid_t tgid, std::span<std::byte> reply) const = 0;
};

}  // namespace cocoon::syscalls
