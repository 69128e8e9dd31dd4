#include "net_isolation.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "cocoon/tracer/tracee.h"
#include "namespaces/net_route.h"

namespace cocoon::syscalls {

std::uint32_t pick_loopback(const std::set<std::uint32_t>& in_use) {
  std::random_device rd;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::uint32_t r = 1 + rd() % 254, s = rd() % 256, t = 1 + rd() % 254;
    const std::uint32_t a = 127u << 24 | r << 16 | s << 8 | t;
    if (!in_use.contains(a)) return a;
  }
  for (std::uint32_t a = 127u << 24 | 1u << 16 | 1;; ++a) {  // 16 million to choose from
    if (!in_use.contains(a)) return a;
  }
}

bool NetIsolation::translates(pid_t tgid) const { return ns_->id_of(tgid, NsKind::kNet) != 0; }

NetLoopback* NetIsolation::loopback_of(pid_t tgid) {
  const std::uint32_t id = ns_->id_of(tgid, NsKind::kNet);
  if (id == 0) return nullptr;
  auto it = loopbacks_.find(id);
  if (it == loopbacks_.end()) {
    std::set<std::uint32_t> taken = HostSockets::loopback_in_use();
    for (const auto& [other, lo] : loopbacks_) taken.insert(lo.addr);
    it = loopbacks_.emplace(id, make_loopback(pick_loopback(taken))).first;
    ns_->net_loopbacks[id] = it->second.addr;
  }
  return &it->second;
}

const NetLoopback* NetIsolation::loopback_of(pid_t tgid) const {
  const auto it = loopbacks_.find(ns_->id_of(tgid, NsKind::kNet));
  return it == loopbacks_.end() ? nullptr : &it->second;
}

AddressAnswer NetIsolation::to_host(const tracer::SyscallStop& stop,
                                    const std::shared_ptr<HeldSocket>& held, AddressUse use,
                                    const SockAddr& guest) {
  NetLoopback* lo = loopback_of(stop.tracee.tgid);
  if (lo == nullptr) return AddressAnswer::as_is();
  if (auto a = abstract_to_host(guest, *lo, use)) return *a;
  return inet_to_host(held, use, guest, *lo);
}

// The check asks about every protocol the call could reach the port with,
// never trusting the socket's type for it: a sibling thread may put
// another socket at `fd` (dup2) between this look and the kernel's. A
// connect may be TCP or UDP; a send without MSG_FASTOPEN reaches a port
// only as a datagram (tcp_sendmsg() ignores a stream's address), and the
// Sockets handler makes a datagram's send itself on its duplicate of the
// socket, or takes the address off a stream's.
AddressAnswer NetIsolation::inet_to_host(const std::shared_ptr<HeldSocket>& held, AddressUse use,
                                         const SockAddr& guest, const NetLoopback& lo) {
  switch (inet_reach(guest, use)) {
    case InetReach::kNotInet: return AddressAnswer::as_is();
    case InetReach::kElsewhere:
      return AddressAnswer::refused(use == AddressUse::kBind ? EADDRNOTAVAIL : ENETUNREACH);
    case InetReach::kHere: break;
  }
  // tcp(7): what a kernel whose TCP Fast Open is off for clients says; a
  // connect made with the data would be the kernel's to make, not cocoon's.
  if (use == AddressUse::kSendFastOpen) return AddressAnswer::refused(EOPNOTSUPP);
  const SockAddr host = to_loopback(guest, lo, use);
  if (use == AddressUse::kBind) return AddressAnswer::rewritten(host);
  if (held) bind_unbound(held->fd.fd, lo);
  const std::uint16_t port = port_of(host);
  const bool taken = use == AddressUse::kSend
                         ? host_.wildcard({IPPROTO_UDP}, port)
                         : host_.wildcard({IPPROTO_TCP, IPPROTO_UDP}, port);
  if (!taken) return AddressAnswer::rewritten(host);
  if (use != AddressUse::kSend) return AddressAnswer::refused(ECONNREFUSED);
  if (held && held->type == SOCK_DGRAM) return AddressAnswer::dropped();
  if (held) return AddressAnswer::rewritten(host);  // a stream's: taken off
  // No duplicate: to port 0, where no datagram can go (udp_sendmsg():
  // EINVAL), should `fd` be a datagram socket by the time the kernel looks.
  SockAddr nowhere = host;
  std::memset(reinterpret_cast<char*>(&nowhere.addr) + offsetof(sockaddr_in, sin_port), 0,
              sizeof(in_port_t));
  return AddressAnswer::rewritten(nowhere);
}

// A thread other than the leader before Linux 6.9 has no pidfd of its own
// (GuestFds says ENOSYS): the leader's descriptor is the same socket when
// the thread shares its files (CLONE_FILES, as threads do), which the
// socket's inode tells. A descriptor swapped meanwhile only changes which
// of the guest's sockets cocoon's call is made on.
std::shared_ptr<HeldSocket> NetIsolation::hold(const tracer::SyscallStop& stop, int fd) {
  const pid_t tid = stop.tracee.tid, tgid = stop.tracee.tgid;
  if (!translates(tgid)) return nullptr;
  auto dup = fds_.dup(tid, tgid, fd);
  if (!dup && dup.error() == ENOSYS && tid != tgid) {
    struct stat mine{}, leaders{};
    const std::string link = "/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd);
    dup = fds_.dup(tgid, tgid, fd);
    if (dup && (::stat(link.c_str(), &mine) != 0 || ::fstat(dup->fd, &leaders) != 0 ||
                mine.st_ino != leaders.st_ino || mine.st_dev != leaders.st_dev)) {
      dup = std::unexpected(ENOSYS);
    }
  }
  if (!dup) return nullptr;
  auto held = std::make_shared<HeldSocket>();
  socklen_t len = sizeof held->type;
  if (::getsockopt(dup->fd, SOL_SOCKET, SO_TYPE, &held->type, &len) != 0) return nullptr;
  len = sizeof held->domain;
  if (::getsockopt(dup->fd, SOL_SOCKET, SO_DOMAIN, &held->domain, &len) != 0) return nullptr;
  len = sizeof held->protocol;
  if (::getsockopt(dup->fd, SOL_SOCKET, SO_PROTOCOL, &held->protocol, &len) != 0) return nullptr;
  held->fd = std::move(*dup);
  return held;
}

// getsockname(2) of a socket neither bound nor connected says port 0 and
// the unspecified address. Bound to L with IP_BIND_ADDRESS_NO_PORT (ip(7)),
// it gets its port where it would have: at connect, at the first send
// (inet_send_prepare()) or at listen, and packets from it come from L.
void NetIsolation::bind_unbound(int socket, const NetLoopback& lo) {
  sockaddr_storage name{};
  socklen_t len = sizeof name;
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&name), &len) != 0) return;
  const SockAddr own = SockAddr::of(std::as_bytes(std::span(&name, 1)).first(len));
  if (!unbound_inet(own)) return;
  const SockAddr l = to_loopback(own, lo, AddressUse::kBind);
  const int one = 1;
  ::setsockopt(socket, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  // EINVAL: an IPV6_V6ONLY socket, which IPv4 (L) cannot be; it keeps the
  // host's source, and reaches no IPv4 address anyway.
  (void)::bind(socket, reinterpret_cast<const sockaddr*>(&l.addr), static_cast<socklen_t>(l.len));
}

void NetIsolation::before_listen(const tracer::SyscallStop& stop, int fd) {
  // listen(2) of a socket not bound binds it to the wildcard (inet_autobind()).
  NetLoopback* lo = loopback_of(stop.tracee.tgid);
  if (lo == nullptr) return;
  if (auto held = hold(stop, fd)) bind_unbound(held->fd.fd, *lo);
}

std::optional<SockAddr> NetIsolation::to_guest(pid_t tgid, const SockAddr& kernel) const {
  const NetLoopback* lo = loopback_of(tgid);
  if (lo == nullptr) return std::nullopt;
  if (kernel.family() == AF_UNIX) return abstract_to_guest(kernel, *lo);
  return loopback_to_guest(kernel, *lo);
}

// The families whose names a network namespace owns and this emulation
// translates, and AF_ALG (crypto, no addresses): others (vsock, packet,
// Bluetooth...) are not given, as by a kernel without them. Of IP, the
// protocols whose wildcard sockets HostSockets sees (TCP, MPTCP, whose
// listeners are TCP's, UDP, ping); SCTP, UDP-Lite and DCCP are refused, and
// so are raw sockets, which could write a TCP segment to the host's
// 127.0.0.1 (they need CAP_NET_RAW: what an unprivileged caller is told).
// Netlink's sock_diag (sock_diag(7)) would dump the host's sockets, every
// one of them in the host's kernel namespace: EACCES, which ss(8) takes
// as a cue to read /proc/net instead.
int NetIsolation::socket_error(pid_t tgid, int domain, int type, int protocol) const {
  if (!translates(tgid)) return 0;
  switch (domain) {
    case AF_NETLINK: return protocol == NETLINK_SOCK_DIAG ? EACCES : 0;
    case AF_UNIX: case AF_ALG: return 0;
    case AF_INET: case AF_INET6: break;
    default: return EAFNOSUPPORT;
  }
  const int base = type & 0xf;  // SOCK_TYPE_MASK
  if (base == SOCK_RAW || base == SOCK_PACKET) return EPERM;
  if (base == SOCK_DCCP || protocol == IPPROTO_SCTP || protocol == IPPROTO_UDPLITE) {
    return EPROTONOSUPPORT;
  }
  return 0;
}

// A netlink request. Bringing lo up (bwrap: RTM_NEWADDR 127.0.0.1,
// RTM_NEWLINK IFF_UP; ip link set lo up) is what a new namespace needs and
// the host's lo already is; the kernel would refuse it in the host's
// namespace (EPERM). The request goes as NLMSG_NOOP instead: control
// messages skip the handler and are acknowledged with error 0 when
// NLM_F_ACK asks (netlink_rcv_skb(), net/netlink/af_netlink.c), so the
// guest reads the success it expects without a stop at its recv. The
// acknowledgement echoes the NOOP header.
std::optional<std::vector<std::byte>> NetIsolation::netlink_request(
    pid_t tgid, std::span<const std::byte> request) const {
  nlmsghdr h{};
  if (!translates(tgid) || request.size() < sizeof h) return std::nullopt;
  std::memcpy(&h, request.data(), sizeof h);
  if ((h.nlmsg_type != RTM_NEWADDR && h.nlmsg_type != RTM_NEWLINK) || !(h.nlmsg_flags & NLM_F_ACK)) {
    return std::nullopt;
  }
  std::vector<std::byte> copy(request.begin(), request.end());
  h.nlmsg_type = NLMSG_NOOP;
  std::memcpy(copy.data(), &h, sizeof h);
  return copy;
}

// A new namespace has lo alone (net_route.h).
std::size_t NetIsolation::netlink_reply(pid_t tgid, std::span<std::byte> reply) const {
  return translates(tgid) ? only_loopback(reply) : reply.size();
}

}  // namespace cocoon::syscalls
