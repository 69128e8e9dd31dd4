// Sockets: names the kernel gives back (getsockname, getpeername, accept,
// accept4, recvfrom; recvmsg and recvmmsg in a network namespace), brought
// into guest terms at the exit stop.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "sockets.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// UIO_MAXIOV: recvmmsg(2) takes at most this many headers (do_recvmmsg()).
constexpr std::size_t kMaxBatch = 1024;

// What the kernel is handed instead of the guest's (addr, addrlen): a
// sockaddr_storage, the most move_addr_to_user() ever writes (net/socket.c),
// and its length. One push, one read back.
struct KernelName {
  socklen_t len = sizeof(sockaddr_storage);
  std::uint32_t pad = 0;
  sockaddr_storage name{};
};

}  // namespace

// No buffer (accept(fd, NULL, NULL)), or one the kernel refuses itself
// (an unreadable length: EFAULT; a negative one: EINVAL), goes as it is:
// the kernel's answer is the guest's. So does a stack with no room left,
// whose names then stay in host terms.
Verdict Sockets::redirect_name(tracer::SyscallStop& stop, int arg, bool efault_fails) {
  auto& regs = stop.regs;
  const std::uint64_t addr = regs.arg(arg), len_at = regs.arg(arg + 1);
  std::int32_t buf_len = 0;
  if (addr == 0 || len_at == 0 ||
      !stop.memory.read(len_at, std::as_writable_bytes(std::span(&buf_len, 1))) || buf_len < 0) {
    return Verdict::resume();
  }
  const KernelName k;
  tracer::StackScratch scratch(stop.memory, regs.sp());
  auto at = scratch.push(std::as_bytes(std::span(&k, 1)));
  if (!at) return Verdict::resume();
  regs.set_arg(arg, *at + offsetof(KernelName, name));
  regs.set_arg(arg + 1, *at);
  Pending p;
  p.arg = arg;
  p.guest[0] = addr;
  p.guest[1] = len_at;
  p.scratch = *at;
  p.buf_len = buf_len;
  p.efault_fails = efault_fails;
  p.fd = static_cast<int>(regs.arg(0));
  if (stop.desc.sys == arch::Sys::recvfrom) {
    p.buffer = regs.arg(1);
    p.buffer_len = regs.arg(2);
    p.flags = static_cast<int>(regs.arg(3));
  }
  pending_.set(stop.tracee.tid, p);
  return Verdict::resume_to_exit();
}

// recvmsg(2) and recvmmsg(2) write the sender's name where each header's
// msg_name points, min(msg_namelen, its length) bytes, and its length in
// msg_namelen (____sys_recvmsg(), move_addr_to_user()). The headers are
// the guest's, read again at the exit; the lengths given are noted here.
Verdict Sockets::note_received(tracer::SyscallStop& stop, bool many) {
  const bool names = net_ && net_->translates(stop.tracee.tgid);
  if (!names && !control_) return Verdict::resume();
  const std::uint64_t at = stop.regs.arg(1);
  const std::size_t count = many ? std::min<std::uint64_t>(static_cast<std::uint32_t>(stop.regs.arg(2)), kMaxBatch) : 1;
  const std::size_t stride = many ? sizeof(mmsghdr) : sizeof(msghdr);
  Pending p;
  p.kind = Pending::Kind::kReceived;
  p.guest[0] = at;
  p.count = count;
  p.fd = static_cast<int>(stop.regs.arg(0));
  p.flags = static_cast<int>(stop.regs.arg(2));
  bool any = false;
  for (std::size_t i = 0; i < count; ++i) {
    msghdr msg{};
    if (!stop.memory.read(at + i * stride, std::as_writable_bytes(std::span(&msg, 1)))) break;
    const std::uint32_t given = names && msg.msg_name != nullptr ? msg.msg_namelen : 0;
    // Room for at least a header: put_cmsg() writes none in less.
    const bool control = control_ && msg.msg_control != nullptr && msg.msg_controllen >= sizeof(cmsghdr);
    p.name_lens.push_back(given);
    p.controls.push_back(control);
    any = any || given != 0 || control;
  }
  if (!any) return Verdict::resume();
  pending_.set(stop.tracee.tid, std::move(p));
  return Verdict::resume_to_exit();
}

// A name the kernel cut (the buffer shorter than it) stays as it is.
void Sockets::received_back(tracer::SyscallStop& stop, const Pending& p) {
  const std::int64_t result = stop.regs.result();
  if (result < 0) return;
  const bool many = stop.desc.sys == arch::Sys::recvmmsg;
  const std::size_t stride = many ? sizeof(mmsghdr) : sizeof(msghdr);
  const std::size_t filled = many ? std::min<std::size_t>(static_cast<std::size_t>(result), p.name_lens.size()) : p.name_lens.size();
  for (std::size_t i = 0; i < filled; ++i) {
    const std::uint64_t at = p.guest[0] + i * stride;
    msghdr msg{};
    if (!stop.memory.read(at, std::as_writable_bytes(std::span(&msg, 1)))) continue;
    if (p.controls[i]) control_back(stop, msg);
    if (p.name_lens[i] == 0 || msg.msg_namelen > p.name_lens[i] ||
        msg.msg_namelen > sizeof(sockaddr_storage)) {
      continue;
    }
    sockaddr_storage name{};
    const auto bytes = std::as_writable_bytes(std::span(&name, 1)).first(msg.msg_namelen);
    if (!stop.memory.read(reinterpret_cast<std::uint64_t>(msg.msg_name), bytes)) continue;
    if (!many && name.ss_family == AF_NETLINK) {
      netlink_reply_back(stop, p, message_iovecs(stop.memory, msg).value_or(std::vector<iovec>{}));
      continue;
    }
    const auto guest = to_guest(stop.tracee.tgid, SockAddr::of(bytes));
    if (!guest) continue;
    const auto len = static_cast<socklen_t>(guest->len);
    (void)stop.memory.write(reinterpret_cast<std::uint64_t>(msg.msg_name),
                            guest->bytes().first(std::min<std::size_t>(guest->len, p.name_lens[i])));
    (void)stop.memory.write(at + offsetof(msghdr, msg_namelen), std::as_bytes(std::span(&len, 1)));
  }
}

// The kernel set msg_controllen to the length of the control data it
// wrote (scm_recv(), put_cmsg()): that much is read, changed and written
// back in place.
void Sockets::control_back(tracer::SyscallStop& stop, const msghdr& msg) {
  if (msg.msg_control == nullptr || msg.msg_controllen < sizeof(cmsghdr) ||
      msg.msg_controllen > kMaxControlCopy) {
    return;
  }
  std::vector<std::byte> control(msg.msg_controllen);
  const auto where = reinterpret_cast<std::uint64_t>(msg.msg_control);
  if (!stop.memory.read(where, control)) return;
  if (control_->to_guest(stop, control)) (void)stop.memory.write(where, control);
}

// move_addr_to_user()'s contract, with the guest's name: min(buffer,
// length) bytes written, the whole length stored in *addrlen, so a guest
// whose buffer was short learns the size it needs, as natively.
void Sockets::name_back(tracer::SyscallStop& stop, const Pending& p) {
  if (stop.regs.result() < 0) return;  // the kernel wrote nothing
  KernelName k;
  if (!stop.memory.read(p.scratch, std::as_writable_bytes(std::span(&k, 1)))) return;
  const SockAddr kernel =
      SockAddr::of(std::as_bytes(std::span(&k.name, 1)).first(std::min<std::size_t>(k.len, sizeof k.name)));
  if (kernel.family() == AF_NETLINK && stop.desc.sys == arch::Sys::recvfrom) {
    const iovec buffer{reinterpret_cast<void*>(p.buffer), static_cast<std::size_t>(p.buffer_len)};
    netlink_reply_back(stop, p, std::span(&buffer, 1));
  }
  const auto guest = to_guest(stop.tracee.tgid, kernel);
  const std::span<const std::byte> name = guest ? guest->bytes() : kernel.bytes();
  const std::size_t copy = std::min(name.size(), static_cast<std::size_t>(p.buf_len));
  const auto len = static_cast<socklen_t>(name.size());
  const bool ok = (copy == 0 || stop.memory.write(p.guest[0], name.first(copy))) &&
                  stop.memory.write(p.guest[1], std::as_bytes(std::span(&len, 1)));
  // getsockname and getpeername change nothing else, so EFAULT is exact.
  // accept and recvfrom would have closed the new socket or consumed the
  // data for nothing (do_accept(), __sys_recvfrom()): the guest gets those
  // and an unwritten name instead, which the tracer cannot undo.
  if (!ok && p.efault_fails) stop.regs.set_result(-EFAULT);
}

}  // namespace cocoon::syscalls
