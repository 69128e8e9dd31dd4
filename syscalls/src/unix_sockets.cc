#include "unix_sockets.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "path_effects.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

Decision UnixSockets::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // i386's multiplexer passes its arguments in memory the filter cannot see.
  if (row.name == "socketcall") return Decision::fail(ENOSYS);
  if (row.name != "bind" && row.name != "connect") return Decision::allow();
  // The i386 entry reaches these through socketcall(2) too: refused there
  // like every i386 path call (see Paths::decision).
  return abi == arch::host_arch() ? Decision::trace() : Decision::fail(ENOSYS);
}

Verdict UnixSockets::on_entry(tracer::SyscallStop& stop) {
  auto& regs = stop.regs;
  const std::uint64_t len = regs.arg(2);
  sockaddr_un addr{};
  constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
  if (regs.arg(1) == 0 || len <= kPathOffset || len > sizeof addr) return Verdict::resume();
  if (!stop.memory.read(regs.arg(1), std::as_writable_bytes(std::span(&addr, 1)).first(len))) {
    return Verdict::deny(EFAULT);
  }
  if (addr.sun_family != AF_UNIX || addr.sun_path[0] == '\0') return Verdict::resume();
  // unix_mkname_bsd() (net/unix/af_unix.c): the path ends at the first NUL
  // or at addrlen.
  const std::string path(addr.sun_path, strnlen(addr.sun_path, len - kPathOffset));
  const bool binding = stop.desc.name == "bind";
  vfs::ResolveFlags flags;
  flags.follow_last = !binding;
  auto r = view_->resolve_at(stop.tracee.tid, stop.tracee.tgid, AT_FDCWD, path, flags);
  if (!r) return Verdict::deny(r.error());
  if (binding) {
    if (int err = effect_error(Effect::kCreate, 0, *r, false)) {
      return Verdict::deny(err == EEXIST ? EADDRINUSE : err);  // bind's word for it
    }
  }
  const std::string& host = r->host.str();
  // Longer host paths than sun_path holds need another route (a short link
  // in the scratch directory): not done yet.
  if (host.size() >= sizeof addr.sun_path) return Verdict::deny(ENAMETOOLONG);
  sockaddr_un out{};
  out.sun_family = AF_UNIX;
  std::memcpy(out.sun_path, host.data(), host.size());
  const std::size_t out_len = kPathOffset + host.size() + 1;
  tracer::StackScratch scratch(stop.memory, regs.sp());
  auto at = scratch.push(std::as_bytes(std::span(&out, 1)).first(out_len));
  if (!at) return Verdict::deny(at.error());
  regs.set_arg(1, *at);
  regs.set_arg(2, out_len);
  return Verdict::resume();
}

}  // namespace cocoon::syscalls
