// Whether a guest task holds CAP_SYS_PTRACE over another, as the kernel
// decides it for ptrace's access checks: the capability counts in the
// target's user namespace only (ptrace_has_cap() -> ns_capable(tcred->
// user_ns), kernel/ptrace.c), which a task has when it holds the bit in
// that namespace or in one of its ancestors, or when its euid owns a
// namespace on the way whose parent is the task's own (cap_capable(),
// security/commoncap.c). A guest that made a user namespace of its own
// (`unshare -r` where the host allows it) has every bit of CapEff there,
// and none of it over the rest of the run.
#pragma once

#include <sys/types.h>

namespace cocoon::syscalls {

// Over the target's credentials (tcred->user_ns: the uid and gid check).
// Reads /proc (CapEff, euid, ns/user of both) and walks the target's user
// namespaces up with NS_GET_PARENT (Linux 4.9). False when the caller is
// gone. A namespace cocoon may not read (a task that is not dumpable, an
// unprivileged cocoon) is taken to be cocoon's own: such a caller's
// capability counts as it did before namespaces were looked at.
bool has_cap_sys_ptrace_over(pid_t caller_tid, pid_t target_tid);

// The capability module's own rule (cap_ptrace_access_check(), security/
// commoncap.c), after the ones above: in the same user namespace, the
// caller's permitted set covers the target's; otherwise CAP_SYS_PTRACE over
// the target's credentials. So a task of a namespace of its own never
// attaches to one outside it.
bool caps_cover(pid_t caller_tid, pid_t target_tid);

// Over a target's memory (mm->user_ns: the check of a task that is not
// dumpable). That namespace is the one the memory was exec'd in, which no
// /proc file shows (a task that unshared its user namespace since keeps
// its old one), so only a caller whose bit counts in every namespace of
// the run has it here: one in cocoon's own user namespace, the top of all
// of them. Never more than the kernel allows; less only to a caller with
// the capability in a namespace of its own over a task exec'd there.
bool has_cap_sys_ptrace_over_memory(pid_t caller_tid);

}  // namespace cocoon::syscalls
