#include "net_isolation.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

bool loopback_reachable(const void* addr, std::size_t len) {
  if (len < sizeof(sa_family_t)) return true;  // the kernel says EINVAL
  sa_family_t family = 0;
  std::memcpy(&family, addr, sizeof family);
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    const std::uint32_t a = ntohl(in.sin_addr.s_addr);
    return (a >> 24) == 127 || a == INADDR_ANY;
  }
  if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    const in6_addr& a = in6.sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_UNSPECIFIED(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return true;
}

using arch::Sys;

Decision NetIsolation::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // Addresses made what the namespace reaches (or refused); the kernel
  // does the rest.
  constexpr auto kTranslate = tracer::Phase::kTranslate;
  if (row.sys == Sys::sendto) return Decision::trace_if_nonzero(4).in(kTranslate);
  const bool ours = arch::is_any(row.sys, {Sys::connect, Sys::bind, Sys::sendmsg, Sys::sendmmsg});
  if (!ours) return Decision::allow();
  return abi == arch::host_arch() ? Decision::trace().in(kTranslate) : Decision::fail(ENOSYS);
}

namespace {

std::vector<std::byte> read_address(const tracer::SyscallStop& stop, std::uint64_t at,
                                    std::uint64_t len) {
  std::vector<std::byte> out(std::min<std::uint64_t>(len, sizeof(sockaddr_storage)));
  if (at == 0 || out.empty() || !stop.memory.read(at, out)) out.clear();
  return out;
}

}  // namespace

Verdict NetIsolation::on_entry(tracer::SyscallStop& stop) {
  if (ns_->id_of(stop.tracee.tgid, NsKind::kNet) == 0) return Verdict::resume();
  const Sys n = stop.desc.sys;
  if (n == Sys::bind) return bind(stop);
  if (n == Sys::sendmsg || n == Sys::sendmmsg) return check_msghdrs(stop, n == Sys::sendmmsg);
  const int arg = n == Sys::connect ? 1 : 4;
  auto addr = read_address(stop, stop.regs.arg(arg), stop.regs.arg(arg + 1));
  sa_family_t family = 0;
  if (addr.size() >= sizeof family) std::memcpy(&family, addr.data(), sizeof family);
  if (n == Sys::sendto && family == AF_NETLINK) return netlink_request(stop);
  if (!addr.empty() && !loopback_reachable(addr.data(), addr.size())) {
    return Verdict::deny(ENETUNREACH);
  }
  return Verdict::resume();
}

Verdict NetIsolation::check_msghdrs(tracer::SyscallStop& stop, bool many) {
  const std::size_t count = many ? std::min<std::uint64_t>(stop.regs.arg(2), 1024) : 1;
  const std::size_t stride = many ? sizeof(mmsghdr) : sizeof(msghdr);
  for (std::size_t i = 0; i < count; ++i) {
    msghdr msg{};
    if (!stop.memory.read(stop.regs.arg(1) + i * stride,
                          std::as_writable_bytes(std::span(&msg, 1)))) {
      return Verdict::resume();  // the kernel says EFAULT
    }
    auto addr = read_address(stop, reinterpret_cast<std::uint64_t>(msg.msg_name), msg.msg_namelen);
    if (!addr.empty() && !loopback_reachable(addr.data(), addr.size())) {
      return Verdict::deny(ENETUNREACH);
    }
  }
  return Verdict::resume();
}

// sendto(2) of a netlink request. Bringing lo up (bwrap: RTM_NEWADDR
// 127.0.0.1, RTM_NEWLINK IFF_UP) is what a new namespace needs and the
// host's lo already is; the kernel would refuse it in the host's namespace
// (EPERM). The request goes as NLMSG_NOOP instead, in a copy below the
// guest's stack: control messages skip the handler and are acknowledged
// with error 0 when NLM_F_ACK asks (netlink_rcv_skb(), net/netlink/
// af_netlink.c), so the guest reads the success it expects without a stop
// at its recvfrom. The acknowledgement echoes the NOOP header.
Verdict NetIsolation::netlink_request(tracer::SyscallStop& stop) {
  const std::size_t len = stop.regs.arg(2);
  nlmsghdr h{};
  if (len < sizeof h || len > 65536 ||
      !stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(&h, 1)))) {
    return Verdict::resume();
  }
  if ((h.nlmsg_type != RTM_NEWADDR && h.nlmsg_type != RTM_NEWLINK) || !(h.nlmsg_flags & NLM_F_ACK)) {
    return Verdict::resume();
  }
  std::vector<std::byte> copy(len);
  if (!stop.memory.read(stop.regs.arg(1), copy)) return Verdict::resume();
  h.nlmsg_type = NLMSG_NOOP;
  std::memcpy(copy.data(), &h, sizeof h);
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  auto at = scratch.push(copy);
  if (!at) return Verdict::deny(at.error());
  stop.regs.set_arg(1, *at);
  return Verdict::resume();
}

// bind(2): another interface's address is not there (EADDRNOTAVAIL); the
// wildcard becomes loopback, written below the guest's stack.
Verdict NetIsolation::bind(tracer::SyscallStop& stop) {
  auto addr = read_address(stop, stop.regs.arg(1), stop.regs.arg(2));
  if (addr.empty()) return Verdict::resume();
  if (!loopback_reachable(addr.data(), addr.size())) return Verdict::deny(EADDRNOTAVAIL);
  sa_family_t family = 0;
  std::memcpy(&family, addr.data(), sizeof family);
  if (family == AF_INET && addr.size() >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, addr.data(), sizeof in);
    if (in.sin_addr.s_addr != htonl(INADDR_ANY)) return Verdict::resume();
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(addr.data(), &in, sizeof in);
  } else if (family == AF_INET6 && addr.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr.data(), sizeof in6);
    if (!IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr)) return Verdict::resume();
    in6.sin6_addr = in6addr_loopback;
    std::memcpy(addr.data(), &in6, sizeof in6);
  } else {
    return Verdict::resume();
  }
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  auto at = scratch.push(addr);
  if (!at) return Verdict::deny(at.error());
  stop.regs.set_arg(1, *at);
  return Verdict::resume();
}

}  // namespace cocoon::syscalls
