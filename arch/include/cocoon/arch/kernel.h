// What the running kernel gives cocoon, probed once at run time by asking
// for each feature (never by comparing version numbers: distributions
// backport, and configs turn things off), and what each answer means for a
// run. The code that picks a mechanism asks kernel_features(); `cocoon
// doctor` prints describe_kernel(); a run refuses to start with
// missing_for_run()'s line. docs/kernels.md has the table of levels.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cocoon/arch/arch.h"

namespace cocoon::arch {

struct KernelFeatures {
  std::string release;            // uname -r, shown only, never decided on
  int landlock_abi = 0;           // landlock_create_ruleset(VERSION); 0: none (5.13+)
  bool seccomp_filter = false;    // SECCOMP_RET_TRACE available (3.5+)
  bool user_notif = false;        // SECCOMP_RET_USER_NOTIF and NEW_LISTENER (5.0+)
  bool notif_addfd = false;       // SECCOMP_IOCTL_NOTIF_ADDFD with FLAG_SEND (5.14+)
  bool wait_killable_recv = false;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19+)
  bool pidfd_open = false;        // pidfd_open(2) (5.3+)
  bool pidfd_getfd = false;       // pidfd_getfd(2) (5.6+)
  bool pidfd_thread = false;      // pidfd_open's PIDFD_THREAD (6.9+)
  bool openat2 = false;           // openat2(2) (5.6+)
  bool get_syscall_info = false;  // PTRACE_GET_SYSCALL_INFO (5.3+)
  bool set_syscall_info = false;  // PTRACE_SET_SYSCALL_INFO (6.16+)
  // PTRACE_O_TRACESECCOMP accepted by PTRACE_SEIZE: always by a kernel
  // (3.5+), not by a tracer above that emulates ptrace without it (cocoon
  // inside `cocoon run --no-seccomp`): a filter's stops would never come.
  bool trace_seccomp = false;
  // Whether the two above were asked at all: a child could be traced (not
  // where ptrace is refused, e.g. cocoon inside a sandbox); else unknown.
  bool ptrace_probed = false;
};

// Asks this kernel (a few syscalls and two short-lived children, one
// traced, one with a filter: about a millisecond).
KernelFeatures probe_kernel();

// probe_kernel() once per process. COCOON_TEST_KERNEL=feature,... turns
// those features off in the answer (tests: the fallbacks of an older
// kernel on this one; names as in describe_kernel, e.g.
// "wait_killable_recv,landlock").
const KernelFeatures& kernel_features();

// Whether cocoon may answer calls from seccomp user notifications without
// a stop: the listener and its ADDFD, pidfd_getfd to take the listener
// from the child, and WAIT_KILLABLE_RECV, without which a signal could
// abort a call cocoon already acted on and the guest then make it again
// (tracer/src/seccomp_filter.cc).
bool can_notify(const KernelFeatures& k);

// Whether cocoon's seccomp filter can work here: its SECCOMP_RET_TRACE
// stops come to cocoon only with PTRACE_O_TRACESECCOMP (true where ptrace
// could not be probed: the seize will say).
bool filter_stops_reported(const KernelFeatures& k);

// Whether a syscall's arg0 can be rewritten on `arch` (riscv64 keeps it in
// orig_a0, which only PTRACE_SET_SYSCALL_INFO reaches; docs/architecture.md).
bool can_set_arg0(const KernelFeatures& k, Arch arch);

// Why a run cannot start on this kernel, in one line naming the missing
// feature; nullopt when it can. `seccomp`: the run filters (no
// --no-seccomp).
std::optional<std::string> missing_for_run(const KernelFeatures& k, bool seccomp);

// One line per feature: "name: yes|no (Linux X.Y): what cocoon does about
// it", for `cocoon doctor`.
std::vector<std::string> describe_kernel(const KernelFeatures& k, Arch arch);

}  // namespace cocoon::arch
