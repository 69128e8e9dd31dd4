#include "peer_credentials.h"

#include <sys/socket.h>

#include <cstdint>
#include <span>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/tracee.h"
#include "scm_credentials.h"

namespace cocoon::syscalls {

using arch::Sys;
using tracer::Decision;
using tracer::Verdict;

namespace {

// getsockopt(fd, level, optname, optval, optlen)
constexpr int kLevelArg = 1, kOptnameArg = 2, kOptvalArg = 3, kOptlenArg = 4;

}  // namespace

Decision PeerCredentials::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (row.sys != Sys::getsockopt || abi != arch::host_arch()) return Decision::allow();
  return Decision::allow().tracing_values(kOptnameArg, {SO_PEERCRED}).in(tracer::Phase::kFixup);
}

Verdict PeerCredentials::on_entry(tracer::SyscallStop& stop) {
  // Another level's option with SO_PEERCRED's number is not ours.
  if (static_cast<int>(stop.regs.arg(kLevelArg)) != SOL_SOCKET ||
      static_cast<int>(stop.regs.arg(kOptnameArg)) != SO_PEERCRED) {
    return Verdict::resume();
  }
  return Verdict::resume_to_exit();
}

void PeerCredentials::on_exit(tracer::SyscallStop& stop) {
  if (stop.regs.result() != 0) return;
  const auto& args = stop.tracee.entry_args;
  // The kernel copies min(*optlen, sizeof(struct ucred)) bytes and says
  // how many in *optlen: only a whole ucred is rewritten.
  socklen_t len = 0;
  if (!stop.memory.read(args[kOptlenArg], std::as_writable_bytes(std::span(&len, 1))) ||
      len < sizeof(struct ucred)) {
    return;
  }
  struct ucred cred {};
  const std::uint64_t at = args[kOptvalArg];
  if (!stop.memory.read(at, std::as_writable_bytes(std::span(&cred, 1)))) return;
  // The kernel's numbers are the host's (PID namespaces are emulated above
  // the kernel's); a process of the run has emulated credentials.
  cred = shown_to(*s_, registry_, stop.tracee.tgid, cred, true);
  (void)stop.memory.write(at, std::as_bytes(std::span(&cred, 1)));
}

}  // namespace cocoon::syscalls
