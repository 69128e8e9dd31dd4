// UnixSockets: names the kernel gives back (getsockname, getpeername,
// accept, accept4, recvfrom), brought into guest terms at the exit stop.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "unix_sockets.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

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
Verdict UnixSockets::redirect_name(tracer::SyscallStop& stop, int arg, bool efault_fails) {
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
  pending_.set(stop.tracee.tid, p);
  return Verdict::resume_to_exit();
}

// move_addr_to_user()'s contract, with the guest's name: min(buffer,
// length) bytes written, the whole length stored in *addrlen, so a guest
// whose buffer was short learns the size it needs, as natively.
void UnixSockets::name_back(tracer::SyscallStop& stop, const Pending& p) {
  if (stop.regs.result() < 0) return;  // the kernel wrote nothing
  KernelName k;
  if (!stop.memory.read(p.scratch, std::as_writable_bytes(std::span(&k, 1)))) return;
  const auto kernel = std::as_bytes(std::span(&k.name, 1))
                          .first(std::min<std::size_t>(k.len, sizeof k.name));
  const auto guest = addresses_.to_guest(kernel);
  const std::span<const std::byte> name = guest ? std::span<const std::byte>(*guest) : kernel;
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
