// SECCOMP_MODE_STRICT, asked for by seccomp(SECCOMP_SET_MODE_STRICT, 0,
// NULL) or prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT): afterwards a thread
// may only read, write, _exit and return from a signal handler; any other
// call ends it with SIGKILL (__secure_computing_strict(), kernel/seccomp.c:
// do_exit(SIGKILL)).
//
// Under cocoon's filter the kernel would refuse it (EINVAL: a task in
// filter mode cannot change mode, seccomp_may_assign_mode()), where
// natively a task without a filter of its own enters it. So a task whose
// only filter is cocoon's gets, in place of strict mode, a filter of the
// same rule: the allowed calls pass, every other one traps. A trap
// outranks every answer of cocoon's filter but its kills (ERRNO,
// USER_NOTIF, TRACE: seccomp_run_filters()), so no call after it reaches
// cocoon's handlers or the kernel, and its SIGSYS, forced through whatever
// the guest's mask and handler (force_sig_seccomp()), becomes the SIGKILL
// strict mode gives. Without cocoon's filter the kernel's strict mode is
// the guest's own; the tracer then runs no handler for a call it kills
// (Tracer::on_syscall_entry), which natively never runs.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "cocoon/tracer/handler.h"

namespace cocoon::syscalls {

// Strict mode's rule as a seccomp filter for a host of `host`: the calls
// arch::strict_mode_allows() lets through ALLOW, per entry ABI of the host
// (x86-64's i386 has the compat list), everything else TRAP.
std::vector<sock_filter> strict_mode_program(arch::Arch host);

class StrictMode final : public tracer::SyscallHandler {
 public:
  std::string_view name() const override { return "strict mode"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;
  int on_signal(tracer::Tracee& tracee, int signal) override;
  void on_start(tracer::StopControl& control) override { control_ = &control; }

 private:
  tracer::StopControl* control_ = nullptr;
};

}  // namespace cocoon::syscalls
