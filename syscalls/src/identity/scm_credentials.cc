#include "scm_credentials.h"

#include <linux/capability.h>
#include <unistd.h>

#include <cstring>

#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

namespace {

// How a pid `host` is numbered in the PID namespace of `tgid`: pid_vnr()
// says 0 for a process outside it. A number that died since is still
// shown (the kernel's message holds the struct pid).
pid_t pid_seen_by(const IdentityState& s, pid_t tgid, pid_t host) {
  if (!s.pids || host <= 0) return host;
  const auto ns = s.pids->pid_ns(tgid);
  if (!ns) return host;
  return ns->group_virtual_of(host).value_or(0);
}

bool one_of(std::uint32_t id, std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  return id == a || id == b || id == c;
}

// The control data's SCM_CREDENTIALS messages in `control` (cmsg(3)'s
// macros walk a struct msghdr; this one points into the copy). A message
// of another length is the kernel's EINVAL (__scm_send()): `whole`
// is false for it.
template <typename Each>
void each_credentials(std::span<std::byte> control, Each each) {
  msghdr m{};
  m.msg_control = control.data();
  m.msg_controllen = control.size();
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
    const bool whole = c->cmsg_len == CMSG_LEN(sizeof(struct ucred));
    if (!each(CMSG_DATA(c), whole)) return;
  }
}

}  // namespace

struct ucred shown_to(IdentityState& s, const tracer::ProcessRegistry& registry, pid_t reader,
                      struct ucred kernel, bool effective) {
  struct ucred shown = kernel;
  const Credentials* peer = nullptr;
  if (kernel.pid > 0) peer = registry.follows(kernel.pid) ? &s.of(kernel.pid) : s.departed_of(kernel.pid);
  if (peer != nullptr) {
    shown.uid = effective ? peer->euid : peer->ruid;
    shown.gid = effective ? peer->egid : peer->rgid;
  }
  shown.uid = s.ids->map_out(reader, IdKind::kUid, shown.uid);
  shown.gid = s.ids->map_out(reader, IdKind::kGid, shown.gid);
  shown.pid = pid_seen_by(s, reader, kernel.pid);
  return shown;
}

ScmCredentials::ScmCredentials(std::shared_ptr<IdentityState> s, const tracer::ProcessRegistry& registry)
    : s_(std::move(s)), registry_(registry), real_uid_(::getuid()), real_gid_(::getgid()) {}

// scm_check_creds(): the uid and gid must map into the sender's user
// namespace (EINVAL), the pid must be its own unless it has CAP_SYS_ADMIN,
// each id one of its real, effective or saved ones unless it has
// CAP_SETUID / CAP_SETGID (EPERM). The emulated root holds them all.
std::expected<struct ucred, int> ScmCredentials::checked(pid_t tgid, const struct ucred& claim) {
  const auto uid = s_->ids->map_in(tgid, IdKind::kUid, claim.uid);
  const auto gid = s_->ids->map_in(tgid, IdKind::kGid, claim.gid);
  if (!uid || !gid) return std::unexpected(EINVAL);
  const Credentials& c = s_->of(tgid);
  const bool pid_ok = claim.pid == pid_seen_by(*s_, tgid, tgid) || c.capable(CAP_SYS_ADMIN);
  const bool uid_ok = one_of(*uid, c.ruid, c.euid, c.suid) || c.capable(CAP_SETUID);
  const bool gid_ok = one_of(*gid, c.rgid, c.egid, c.sgid) || c.capable(CAP_SETGID);
  if (!pid_ok || !uid_ok || !gid_ok) return std::unexpected(EPERM);
  return ucred{tgid, real_uid_, real_gid_};
}

std::expected<std::optional<std::vector<std::byte>>, int> ScmCredentials::to_kernel(
    const tracer::SyscallStop& stop, std::span<const std::byte> control) {
  std::vector<std::byte> copy(control.begin(), control.end());
  bool changed = false;
  int err = 0;
  each_credentials(copy, [&](unsigned char* data, bool whole) {
    if (!whole) {
      err = EINVAL;
      return false;
    }
    struct ucred claim {};
    std::memcpy(&claim, data, sizeof claim);
    auto real = checked(stop.tracee.tgid, claim);
    if (!real) {
      err = real.error();
      return false;
    }
    std::memcpy(data, &*real, sizeof *real);
    changed = true;
    return true;
  });
  if (err != 0) return std::unexpected(err);
  if (!changed) return std::nullopt;
  return copy;
}

bool ScmCredentials::to_guest(const tracer::SyscallStop& stop, std::span<std::byte> control) {
  bool changed = false;
  each_credentials(control, [&](unsigned char* data, bool whole) {
    // A message the receiver's buffer cut (MSG_CTRUNC) keeps what it got.
    if (!whole) return true;
    struct ucred kernel {};
    std::memcpy(&kernel, data, sizeof kernel);
    const struct ucred shown = shown_to(*s_, registry_, stop.tracee.tgid, kernel, false);
    std::memcpy(data, &shown, sizeof shown);
    changed = true;
    return true;
  });
  return changed;
}

}  // namespace cocoon::syscalls
