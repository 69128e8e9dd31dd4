#include "containment.h"

#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>

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
  // A CLONE_UNTRACED child is not attached by PTRACE_O_TRACECLONE/FORK
  // (kernel/fork.c, kernel_clone()): it keeps the filter but no tracer, so
  // a tracer of the guest's own (PTRACE_TRACEME in its child) would get its
  // RET_TRACE stops and run the calls untranslated, and PTRACE_O_EXITKILL
  // would not reach it when cocoon dies. Refused rather than stripped:
  // clone's flags are argument 0, which riscv64 cannot rewrite before
  // Linux 6.16 (docs/architecture.md). The flags are argument 0 on every
  // ABI (CLONE_BACKWARDS variants move only the tid and tls arguments).
  if (row.sys == Sys::clone) return Decision::refuse_if_any(0, CLONE_UNTRACED, EPERM);
  // A listener of the guest's own would outrank cocoon: its filter's
  // SECCOMP_RET_USER_NOTIF takes precedence over cocoon's RET_TRACE
  // (kernel/seccomp.c, seccomp_run_filters()), and an answer with
  // SECCOMP_USER_NOTIF_FLAG_CONTINUE runs the call untranslated. EBUSY is
  // what the kernel answers when a filter on the task already has one,
  // as cocoon's does when it notifies. prctl(PR_SET_SECCOMP) has no flags
  // (prctl_set_seccomp() passes 0), so it cannot ask for a listener, and a
  // filter returning USER_NOTIF without one gets ENOSYS for its calls.
  if (row.sys == Sys::seccomp) return Decision::refuse_if_any(1, SECCOMP_FILTER_FLAG_NEW_LISTENER, EBUSY);
  // Every guest task is cocoon's tracee, so a debugger inside gets EPERM
  // from PTRACE_TRACEME and PTRACE_ATTACH anyway; refusing every request
  // also closes ptrace of cocoon itself and of the user's processes
  // outside, and a CLONE_UNTRACED task's tracer (threat-model.md). Where
  // the guest's ptrace is emulated (ptrace/ptrace.h) the emulation owns
  // the row and never makes a real request for the guest but on its own
  // emulated tracees.
  if (row.sys == Sys::ptrace) return Decision::fail(EPERM).unless_owned();
  // TIOCSTI pushes bytes into a terminal's input queue, TIOCLINUX's
  // TIOCL_SETSEL/PASTESEL does so on a virtual console: on a terminal the
  // guest shares with the user's shell, input the shell reads once cocoon
  // exits (commands run outside the run). Linux 6.2+ refuses TIOCSTI to
  // unprivileged callers only where dev.tty.legacy_tiocsti is 0
  // (Documentation/admin-guide/sysctl/kernel.rst), so the filter refuses
  // both as such a kernel does (EPERM), every other ioctl running as it is.
  // The command is an unsigned int to the kernel: the filter compares its
  // low half (Decision::refusing_values).
  if (row.sys == Sys::ioctl) return Decision::allow().refusing_values(1, {TIOCSTI, TIOCLINUX}, EPERM);
  return Decision::allow();
}

}  // namespace cocoon::syscalls
