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

Decision NetIsolation::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const std::string_view n = row.name;
  if (n == "sendto") return Decision::trace_if_nonzero(4);
  if (n == "recvfrom" || n == "recvmsg") {
    return abi == arch::host_arch() ? Decision::trace() : Decision::allow();
  }
  const bool ours = n == "connect" || n == "bind" || n == "sendmsg" || n == "sendmmsg";
  if (!ours) return Decision::allow();
  return abi == arch::host_arch() ? Decision::trace() : Decision::fail(ENOSYS);
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
  const std::string_view n = stop.desc.name;
  if (n == "recvfrom" || n == "recvmsg") {
    auto it = acks_.find(stop.tracee.tid);
    const bool ours = it != acks_.end() && it->second.fd == static_cast<int>(stop.regs.arg(0));
    return ours ? Verdict::resume_to_exit() : Verdict::resume();
  }
  if (ns_->id_of(stop.tracee.tgid, NsKind::kNet) == 0) return Verdict::resume();
  if (n == "bind") return bind(stop);
  if (n == "sendmsg" || n == "sendmmsg") return check_msghdrs(stop, n == "sendmmsg");
  const int arg = n == "connect" ? 1 : 4;
  auto addr = read_address(stop, stop.regs.arg(arg), stop.regs.arg(arg + 1));
  sa_family_t family = 0;
  if (addr.size() >= sizeof family) std::memcpy(&family, addr.data(), sizeof family);
  if (n == "sendto" && family == AF_NETLINK) return netlink_request(stop);
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

// sendto(2) of a netlink request: RTM_NEWADDR and RTM_NEWLINK asking for
// an acknowledgement (rtnetlink(7)) get it as success (acks_).
Verdict NetIsolation::netlink_request(tracer::SyscallStop& stop) {
  nlmsghdr h{};
  if (stop.regs.arg(2) < sizeof h ||
      !stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(&h, 1)))) {
    return Verdict::resume();
  }
  if ((h.nlmsg_type == RTM_NEWADDR || h.nlmsg_type == RTM_NEWLINK) && (h.nlmsg_flags & NLM_F_ACK)) {
    acks_[stop.tracee.tid] = PendingAck{static_cast<int>(stop.regs.arg(0)), h.nlmsg_seq};
  }
  return Verdict::resume();
}

// The acknowledgement of a request acks_ holds: NLMSG_ERROR whose error is
// -EPERM becomes 0 ("success"), in the guest's buffer (recvfrom only; a
// recvmsg answer is left as the kernel gave it).
void NetIsolation::on_exit(tracer::SyscallStop& stop) {
  auto it = acks_.find(stop.tracee.tid);
  if (it == acks_.end()) return;
  const PendingAck ack = it->second;
  acks_.erase(it);
  if (stop.desc.name != "recvfrom" || stop.regs.result() < static_cast<std::int64_t>(sizeof(nlmsghdr) + sizeof(int))) return;
  const std::uint64_t buf = stop.tracee.entry_args[1];
  nlmsghdr h{};
  int error = 0;
  if (!stop.memory.read(buf, std::as_writable_bytes(std::span(&h, 1))) ||
      !stop.memory.read(buf + sizeof h, std::as_writable_bytes(std::span(&error, 1)))) {
    return;
  }
  if (h.nlmsg_type != NLMSG_ERROR || h.nlmsg_seq != ack.seq || error != -EPERM) return;
  const int ok = 0;
  (void)stop.memory.write(buf + sizeof h, std::as_bytes(std::span(&ok, 1)));
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
