// Sockets: the destination in sendmsg's and sendmmsg's struct msghdr.
// The guest's headers are copied below its stack with msg_name pointing at
// the translated address; its own memory is not changed.
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <utility>
#include <vector>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "sockets.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// UIO_MAXIOV: __sys_sendmmsg() (net/socket.c) silently sends no more, and
// a message of more iovecs fails (EMSGSIZE, iovec_from_user()).
constexpr std::size_t kMaxVlen = 1024;
// At most this many messages go in one rewritten sendmmsg, so the copy
// fits the stack's scratch room; the caller sees a short count, which
// sendmmsg(2) allows (it returns the number of messages sent).
constexpr std::size_t kMaxRewritten = 64;

AddressUse use_of(std::uint64_t flags) {
  return (flags & MSG_FASTOPEN) != 0 ? AddressUse::kSendFastOpen : AddressUse::kSend;
}

// The bytes a message carries: what its send returns (a dropped
// datagram's included).
std::expected<std::int64_t, int> message_size(const tracer::GuestMemory& memory, const msghdr& msg) {
  if (msg.msg_iovlen > kMaxVlen) return std::unexpected(EMSGSIZE);
  std::vector<iovec> iov(msg.msg_iovlen);
  if (!iov.empty() && !memory.read(reinterpret_cast<std::uint64_t>(msg.msg_iov),
                                   std::as_writable_bytes(std::span(iov)))) {
    return std::unexpected(EFAULT);
  }
  std::int64_t total = 0;
  for (const iovec& v : iov) total += static_cast<std::int64_t>(v.iov_len);
  if (total > static_cast<std::int64_t>(kMaxDatagram)) return std::unexpected(EMSGSIZE);
  return total;
}

}  // namespace

AddressAnswer Sockets::message_to_host(tracer::SyscallStop& stop, const msghdr& msg, AddressUse use,
                                       const std::shared_ptr<HeldSocket>& held,
                                       std::optional<SockAddr>* own) {
  auto guest = read_sockaddr(stop.memory, reinterpret_cast<std::uint64_t>(msg.msg_name),
                             msg.msg_namelen);
  if (!guest) return AddressAnswer::refused(guest.error());
  if (!*guest) return AddressAnswer::as_is();
  if (own != nullptr) *own = **guest;
  return to_host(stop, held, use, **guest);
}

std::expected<std::optional<std::vector<std::byte>>, int> Sockets::control_to_kernel(
    const tracer::SyscallStop& stop, const msghdr& msg) {
  if (!control_ || msg.msg_control == nullptr || msg.msg_controllen == 0 ||
      msg.msg_controllen > kMaxControlCopy) {
    return std::nullopt;
  }
  std::vector<std::byte> control(msg.msg_controllen);
  // Unreadable: the kernel's EFAULT.
  if (!stop.memory.read(reinterpret_cast<std::uint64_t>(msg.msg_control), control)) return std::nullopt;
  return control_->to_kernel(stop, control);
}

Verdict Sockets::rewrite_msghdr(tracer::SyscallStop& stop) {
  msghdr msg{};
  if (!stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(&msg, 1)))) {
    return Verdict::resume();  // the kernel's EFAULT
  }
  if (net_ && msg.msg_namelen >= sizeof(sa_family_t) && msg.msg_name != nullptr) {
    sa_family_t family = AF_UNSPEC;
    if (stop.memory.read(reinterpret_cast<std::uint64_t>(msg.msg_name),
                         std::as_writable_bytes(std::span(&family, 1))) &&
        family == AF_NETLINK) {
      return netlink_message(stop, msg);
    }
  }
  const auto control = control_to_kernel(stop, msg);
  if (!control) return Verdict::deny(control.error());
  // In a network namespace the socket is held whatever the header names:
  // a sibling thread may give it a name after this look.
  const auto held = hold(stop);
  std::optional<SockAddr> own;
  const AddressAnswer a = message_to_host(stop, msg, use_of(stop.regs.arg(2)), held, &own);
  switch (a.kind) {
    case AddressAnswer::Kind::kRefused: return Verdict::deny(a.err);
    case AddressAnswer::Kind::kDropped: {
      auto size = message_size(stop.memory, msg);
      return size ? Verdict::skip(*size) : Verdict::deny(size.error());
    }
    case AddressAnswer::Kind::kAsIs:
    case AddressAnswer::Kind::kRewritten: break;
  }
  const bool rewritten = a.kind == AddressAnswer::Kind::kRewritten;
  // IP sockets: no control data of a translator's (credentials are unix(7)'s).
  if (held && held->ip_datagrams()) {
    return datagram_here(stop, msg, *held, rewritten ? &a.host : own ? &*own : nullptr);
  }
  if (held && held->type == SOCK_STREAM && (held->domain == AF_INET || held->domain == AF_INET6)) {
    return stream_message(stop, msg);
  }
  if (!rewritten && !*control) return Verdict::resume();
  return push_msghdr(stop, msg, rewritten ? &a.host : nullptr, *control ? &**control : nullptr);
}

Verdict Sockets::push_msghdr(tracer::SyscallStop& stop, msghdr msg, const SockAddr* name,
                             const std::vector<std::byte>* control) {
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  if (name != nullptr) {
    auto at = scratch.push(name->bytes());
    if (!at) return Verdict::deny(at.error());
    msg.msg_name = reinterpret_cast<void*>(*at);
    msg.msg_namelen = static_cast<socklen_t>(name->len);
  }
  if (control != nullptr) {
    auto at = scratch.push(*control);
    if (!at) return Verdict::deny(at.error());
    msg.msg_control = reinterpret_cast<void*>(*at);
    msg.msg_controllen = control->size();
  }
  auto at = scratch.push(std::as_bytes(std::span(&msg, 1)));
  if (!at) return Verdict::deny(at.error());
  stop.regs.set_arg(1, *at);
  return Verdict::resume();
}

// sendmsg(2) of a netlink request in one iovec (iproute2's rtnl_talk()):
// the request the namespace answers, behind a copy of the header and the
// iovec below the guest's stack.
Verdict Sockets::netlink_message(tracer::SyscallStop& stop, msghdr msg) {
  iovec iov{};
  if (!net_ || msg.msg_iovlen != 1 ||
      !stop.memory.read(reinterpret_cast<std::uint64_t>(msg.msg_iov),
                        std::as_writable_bytes(std::span(&iov, 1))) ||
      iov.iov_len > kMaxNetlinkRequest) {
    return Verdict::resume();
  }
  std::vector<std::byte> bytes(iov.iov_len);
  if (!stop.memory.read(reinterpret_cast<std::uint64_t>(iov.iov_base), bytes)) return Verdict::resume();
  auto request = net_->netlink_request(stop.tracee.tgid, bytes);
  if (!request) return Verdict::resume();
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  auto data = scratch.push(*request);
  if (!data) return Verdict::deny(data.error());
  iov.iov_base = reinterpret_cast<void*>(*data);
  auto vec = scratch.push(std::as_bytes(std::span(&iov, 1)));
  if (!vec) return Verdict::deny(vec.error());
  msg.msg_iov = reinterpret_cast<iovec*>(*vec);
  auto at = scratch.push(std::as_bytes(std::span(&msg, 1)));
  if (!at) return Verdict::deny(at.error());
  stop.regs.set_arg(1, *at);
  return Verdict::resume();
}

// sendmmsg(2): each message's control data as the kernel gets it (only
// the changed ones, by index). A message whose control data the kernel
// would refuse ends the batch before it (`count`), as the kernel's own
// refusal would; the first one's refusal is the call's.
std::expected<Sockets::Controls, int> Sockets::controls_to_kernel(const tracer::SyscallStop& stop,
                                                                  std::span<const mmsghdr> msgs) {
  Controls out;
  out.count = msgs.size();
  for (std::size_t i = 0; i < msgs.size() && control_; ++i) {
    auto c = control_to_kernel(stop, msgs[i].msg_hdr);
    if (!c && i == 0) return std::unexpected(c.error());
    if (!c) {
      out.count = i;
      break;
    }
    if (*c) out.changed.emplace_back(i, std::move(**c));
  }
  return out;
}

// The kernel sends the messages in order and stops at the first that
// fails, returning how many went (or the error, if none did). A message
// whose address cannot be translated ends the batch the same way: the ones
// before it are sent, and the guest's next call meets the error. A
// dropped datagram ends it too, and is answered alone when first.
Verdict Sockets::rewrite_mmsghdrs(tracer::SyscallStop& stop) {
  auto& regs = stop.regs;
  const std::size_t vlen = std::min<std::size_t>(static_cast<std::uint32_t>(regs.arg(2)), kMaxVlen);
  if (regs.arg(1) == 0 || vlen == 0) return Verdict::resume();
  std::vector<mmsghdr> msgs(vlen);
  auto got = stop.memory.read_some(regs.arg(1), std::as_writable_bytes(std::span(msgs)));
  const std::size_t readable = got ? *got / sizeof(mmsghdr) : 0;
  std::vector<std::pair<std::size_t, SockAddr>> rewrites;
  // What each message goes to, as the kernel must see it (none: the
  // connected peer), and the socket when the namespace handed it over.
  std::vector<std::optional<SockAddr>> names;
  const auto held = hold(stop);
  std::size_t count = readable;
  const AddressUse use = use_of(regs.arg(3));
  for (std::size_t i = 0; i < readable; ++i) {
    std::optional<SockAddr> own;
    const AddressAnswer a = message_to_host(stop, msgs[i].msg_hdr, use, held, &own);
    if (a.kind == AddressAnswer::Kind::kRewritten) rewrites.emplace_back(i, a.host);
    if (a.kind == AddressAnswer::Kind::kRewritten) names.emplace_back(a.host);
    if (a.kind == AddressAnswer::Kind::kAsIs) names.push_back(own);
    if (a.kind == AddressAnswer::Kind::kAsIs || a.kind == AddressAnswer::Kind::kRewritten) continue;
    if (i > 0) {
      count = i;
      break;
    }
    if (a.kind == AddressAnswer::Kind::kRefused) return Verdict::deny(a.err);
    return dropped_first(stop, msgs[0]);
  }
  if (held && held->ip_datagrams()) {
    return batch_here(stop, std::span(msgs).first(count), std::span(names).first(count), *held);
  }
  auto controls = controls_to_kernel(stop, std::span(msgs).first(count));
  if (!controls) return Verdict::deny(controls.error());
  count = controls->count;
  if (rewrites.empty() && controls->changed.empty()) {
    if (count < readable) regs.set_arg(2, count);
    return Verdict::resume();
  }
  count = std::min(count, kMaxRewritten);
  tracer::StackScratch scratch(stop.memory, regs.sp());
  for (const auto& [i, address] : rewrites) {
    if (i >= count) break;
    auto name = scratch.push(address.bytes());
    if (!name) return Verdict::deny(name.error());
    msgs[i].msg_hdr.msg_name = reinterpret_cast<void*>(*name);
    msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(address.len);
  }
  for (const auto& [i, control] : controls->changed) {
    if (i >= count) break;
    auto data = scratch.push(control);
    if (!data) return Verdict::deny(data.error());
    msgs[i].msg_hdr.msg_control = reinterpret_cast<void*>(*data);
    msgs[i].msg_hdr.msg_controllen = control.size();
  }
  auto at = scratch.push(std::as_bytes(std::span(msgs).first(count)));
  if (!at) return Verdict::deny(at.error());
  Pending p;
  p.kind = Pending::Kind::kBatch;
  p.arg = 1;
  p.guest[0] = regs.arg(1);
  p.guest[1] = regs.arg(2);
  p.scratch = *at;
  p.count = count;
  pending_.set(stop.tracee.tid, std::move(p));
  regs.set_arg(1, *at);
  regs.set_arg(2, count);
  return Verdict::resume_to_exit();
}

// A batch whose first message nobody may receive: that one answered
// alone, "sent", its msg_len written.
Verdict Sockets::dropped_first(tracer::SyscallStop& stop, const mmsghdr& first) {
  auto size = message_size(stop.memory, first.msg_hdr);
  if (!size) return Verdict::deny(size.error());
  const auto sent = static_cast<unsigned>(*size);
  (void)stop.memory.write(stop.regs.arg(1) + offsetof(mmsghdr, msg_len),
                          std::as_bytes(std::span(&sent, 1)));
  return Verdict::skip(1);
}

// The kernel stored each sent message's byte count in the copy's msg_len;
// the guest reads them in its own array.
void Sockets::lengths_back(tracer::SyscallStop& stop, const Pending& p) {
  const std::int64_t sent = stop.regs.result();
  if (sent <= 0) return;
  std::vector<mmsghdr> copy(std::min(static_cast<std::size_t>(sent), p.count));
  if (!stop.memory.read(p.scratch, std::as_writable_bytes(std::span(copy)))) return;
  for (std::size_t i = 0; i < copy.size(); ++i) {
    const std::uint64_t at = p.guest[0] + i * sizeof(mmsghdr) + offsetof(mmsghdr, msg_len);
    (void)stop.memory.write(at, std::as_bytes(std::span(&copy[i].msg_len, 1)));
  }
}

}  // namespace cocoon::syscalls
