#include "refused_userns.h"

#include <sched.h>

#include <cerrno>
#include <cstring>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using arch::Sys;
using tracer::Decision;
using tracer::Verdict;

Decision RefusedUserNs::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (disabled_ && row.sys == Sys::clone) {
    return Decision::notify_if_any(0, CLONE_NEWUSER).in(tracer::Phase::kEmulate);
  }
  // unshare(2) is rare: a stop at each costs nothing a program notices.
  if (row.sys != Sys::unshare || abi != arch::host_arch()) return Decision::allow();
  return Decision::trace().in(disabled_ ? tracer::Phase::kEmulate : tracer::Phase::kFixup);
}

Verdict RefusedUserNs::on_entry(tracer::SyscallStop& stop) {
  // clone's and unshare's flags are both argument 0 on every arch.
  const bool new_user = (stop.regs.arg(0) & CLONE_NEWUSER) != 0;
  if (disabled_) return new_user ? Verdict::deny(ENOSPC) : Verdict::resume();
  if (hinted_ || !new_user) return Verdict::resume();
  return Verdict::resume_to_exit();
}

// The kernel's refusals of a user namespace (unshare(2), user_namespaces(7)):
// EPERM (unprivileged user namespaces disabled, an LSM), ENOSPC (the
// max_user_namespaces limit, 0 where they are turned off), EUSERS (nesting
// deeper than 32), and EINVAL where the kernel has no CONFIG_USER_NS.
void RefusedUserNs::on_exit(tracer::SyscallStop& stop) {
  const std::int64_t r = stop.regs.result();
  if (hinted_ || (r != -EPERM && r != -ENOSPC && r != -EUSERS && r != -EINVAL)) return;
  hinted_ = true;
  tracer::module_logger("syscalls")
      ->warn("the kernel refused the guest a user namespace ({}); cocoon run --namespaces "
             "emulates them (and every other namespace kind) without the kernel",
             std::strerror(static_cast<int>(-r)));
}

}  // namespace cocoon::syscalls
