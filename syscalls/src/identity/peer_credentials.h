// SO_PEERCRED (socket(7), unix(7)): getsockopt gives the credentials of
// the process at the other end of a unix socket, its effective uid and gid
// as the reader's user namespace sees them (cred_to_ucred(),
// net/core/sock.c: from_kuid_munged(current_ns(), cred->euid)). The kernel
// knows only the real ids, so under identity emulation a server that
// checks its client (a fake-root client, or one inside `unshare -Ur`) would
// see the host's numbers. PeerCredentials puts the peer's emulated
// effective ids there when the peer is a process of the run, and maps
// every id out through the reader's user namespace.
//
// The kernel keeps the peer's credentials as they were at connect(2),
// socketpair(2) or listen(2); cocoon shows the peer's credentials as they
// are when the reader asks (a peer that changed its ids since shows the
// new ones). The pid is the reader's PID namespace's number for it (0:
// outside it). SCM_CREDENTIALS messages: scm_credentials.h.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "identity.h"

namespace cocoon::syscalls {

class PeerCredentials final : public tracer::SyscallHandler {
 public:
  PeerCredentials(std::shared_ptr<IdentityState> s, const tracer::ProcessRegistry& registry)
      : s_(std::move(s)), registry_(registry) {}
  std::string_view name() const override { return "peer-credentials"; }
  // getsockopt stops only when its option is SO_PEERCRED (a value the
  // filter tests), and only to fix the answer up at its exit.
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;

 private:
  std::shared_ptr<IdentityState> s_;
  const tracer::ProcessRegistry& registry_;
};

}  // namespace cocoon::syscalls
