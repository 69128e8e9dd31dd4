// UnixSockets: the destination in sendmsg's and sendmmsg's struct msghdr.
// The guest's headers are copied below its stack with msg_name pointing at
// the translated address; its own memory is not changed.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <utility>
#include <vector>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "unix_sockets.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// UIO_MAXIOV: __sys_sendmmsg() (net/socket.c) silently sends no more.
constexpr std::size_t kMaxVlen = 1024;
// At most this many messages go in one rewritten sendmmsg, so the copy
// fits the stack's scratch room; the caller sees a short count, which
// sendmmsg(2) allows (it returns the number of messages sent).
constexpr std::size_t kMaxRewritten = 64;

std::expected<std::optional<UnixAddress>, int> host_name(tracer::SyscallStop& stop,
                                                         UnixAddresses& addresses,
                                                         const msghdr& msg) {
  auto guest = read_path_address(stop.memory, reinterpret_cast<std::uint64_t>(msg.msg_name),
                                 msg.msg_namelen);
  if (!guest || !*guest) return guest;
  return addresses.to_host(stop, **guest, false);
}

}  // namespace

Verdict UnixSockets::rewrite_msghdr(tracer::SyscallStop& stop) {
  msghdr msg{};
  if (!stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(&msg, 1)))) {
    return Verdict::resume();  // the kernel's EFAULT
  }
  auto host = host_name(stop, addresses_, msg);
  if (!host) return Verdict::deny(host.error());
  if (!*host) return Verdict::resume();
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  auto name = scratch.push((*host)->bytes());
  if (!name) return Verdict::deny(name.error());
  msg.msg_name = reinterpret_cast<void*>(*name);
  msg.msg_namelen = static_cast<socklen_t>((*host)->len);
  auto at = scratch.push(std::as_bytes(std::span(&msg, 1)));
  if (!at) return Verdict::deny(at.error());
  stop.regs.set_arg(1, *at);
  return Verdict::resume();
}

// The kernel sends the messages in order and stops at the first that
// fails, returning how many went (or the error, if none did). A message
// whose address cannot be translated ends the batch the same way: the ones
// before it are sent, and the guest's next call meets the error.
Verdict UnixSockets::rewrite_mmsghdrs(tracer::SyscallStop& stop) {
  auto& regs = stop.regs;
  const std::size_t vlen = std::min<std::size_t>(static_cast<std::uint32_t>(regs.arg(2)), kMaxVlen);
  if (regs.arg(1) == 0 || vlen == 0) return Verdict::resume();
  std::vector<mmsghdr> msgs(vlen);
  auto got = stop.memory.read_some(regs.arg(1), std::as_writable_bytes(std::span(msgs)));
  const std::size_t readable = got ? *got / sizeof(mmsghdr) : 0;
  std::vector<std::pair<std::size_t, UnixAddress>> rewrites;
  std::size_t count = readable;
  for (std::size_t i = 0; i < readable; ++i) {
    auto host = host_name(stop, addresses_, msgs[i].msg_hdr);
    if (!host && i == 0) return Verdict::deny(host.error());
    if (!host) {
      count = i;
      break;
    }
    if (*host) rewrites.emplace_back(i, **host);
  }
  if (rewrites.empty()) {
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
  auto at = scratch.push(std::as_bytes(std::span(msgs).first(count)));
  if (!at) return Verdict::deny(at.error());
  Pending p;
  p.batch = true;
  p.arg = 1;
  p.guest[0] = regs.arg(1);
  p.guest[1] = regs.arg(2);
  p.scratch = *at;
  p.count = count;
  pending_.set(stop.tracee.tid, p);
  regs.set_arg(1, *at);
  regs.set_arg(2, count);
  return Verdict::resume_to_exit();
}

// The kernel stored each sent message's byte count in the copy's msg_len;
// the guest reads them in its own array.
void UnixSockets::lengths_back(tracer::SyscallStop& stop, const Pending& p) {
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
