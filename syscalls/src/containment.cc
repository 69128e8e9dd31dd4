#include "containment.h"

#include <cerrno>
#include <string_view>

namespace cocoon::syscalls {

using tracer::Decision;

Decision Containment::decision(const arch::SyscallDesc& row, arch::Arch) const {
  using arch::Sys;
  // io_uring submits opens, stats and socket calls from a kernel worker that
  // no seccomp filter sees (IORING_OP_OPENAT...). Without io_uring_setup the
  // other two have nothing to act on; ENOSYS makes liburing users fall back.
  if (arch::is_any(row.sys, {Sys::io_uring_setup, Sys::io_uring_enter, Sys::io_uring_register})) {
    return Decision::fail(ENOSYS);
  }
  // clone3 passes its flags in memory a filter cannot read; glibc 2.34+
  // falls back to clone on ENOSYS, whose flags are in a register.
  if (row.sys == Sys::clone3) return Decision::fail(ENOSYS);
  return Decision::allow();
}

}  // namespace cocoon::syscalls
