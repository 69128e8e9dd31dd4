// SCM_CREDENTIALS (unix(7)): a message on a unix socket can carry its
// sender's pid, uid and gid, checked by the kernel when the sender names
// them (scm_check_creds(), net/core/scm.c: its own pid, and one of its
// real, effective or saved ids, unless it has CAP_SYS_ADMIN / CAP_SETUID /
// CAP_SETGID), filled in with its pid and real ids when it does not, and
// shown to a receiver that set SO_PASSCRED as the receiver's namespaces
// number them (scm_recv(): pid_vnr(), from_kuid_munged()).
//
// The kernel knows only the real ids, so under identity emulation a sender
// naming its emulated ids (a fake root's 0) would get EPERM, and a receiver
// would read the host's numbers. ScmCredentials, handed the control data
// by Sockets (control_messages.h):
//  - on the way out checks a named ucred against the sender's emulated
//    credentials with the kernel's rule, and gives the kernel the sender's
//    real ones instead, which it accepts;
//  - on the way in shows the sender's emulated real ids when the sender is
//    a process of the run (the kernel's are the host's), maps them out
//    through the receiver's user namespace, and its pid as the receiver's
//    emulated PID namespace numbers it (0: outside it, as pid_vnr()).
// What the kernel cannot carry: a sender naming an id other than its real
// one (its effective or saved uid, or any uid as the emulated root) is
// shown with its real one, and an emulated root naming another process's
// pid sends its own (internals/identity.md).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <memory>

#include "cocoon/tracer/registry.h"
#include "sockets/control_messages.h"
#include "identity.h"

namespace cocoon::syscalls {

// What `reader` is shown of the process the kernel describes in `kernel`
// (a ucred in the host's numbers): that process's emulated ids when it is
// one of the run's (its effective ones if `effective`, as SO_PEERCRED
// shows, else its real ones, as SCM_CREDENTIALS does), mapped out through
// the reader's user namespace, and its pid as the reader's PID namespace
// numbers it.
struct ucred shown_to(IdentityState& s, const tracer::ProcessRegistry& registry, pid_t reader,
                      struct ucred kernel, bool effective);

class ScmCredentials final : public ControlTranslator {
 public:
  ScmCredentials(std::shared_ptr<IdentityState> s, const tracer::ProcessRegistry& registry);
  std::expected<std::optional<std::vector<std::byte>>, int> to_kernel(
      const tracer::SyscallStop& stop, std::span<const std::byte> control) override;
  bool to_guest(const tracer::SyscallStop& stop, std::span<std::byte> control) override;

 private:
  // The ucred the kernel gets for `claim`, named by process `tgid`, or
  // the kernel's errno for it under the emulated credentials.
  std::expected<struct ucred, int> checked(pid_t tgid, const struct ucred& claim);

  std::shared_ptr<IdentityState> s_;
  const tracer::ProcessRegistry& registry_;
  // The ids every guest task really has: cocoon's, which it inherited.
  uid_t real_uid_;
  gid_t real_gid_;
};

}  // namespace cocoon::syscalls
