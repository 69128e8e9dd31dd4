// Compiles a Policy into a classic-BPF seccomp program (seccomp(2),
// SECCOMP_SET_MODE_FILTER).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <expected>
#include <vector>

#include "cocoon/tracer/policy.h"

namespace cocoon::tracer {

// The program checks seccomp_data.arch first: each ABI of the host gets its
// own section keyed by its AUDIT_ARCH, and any other arch is killed. Within a
// section the number space [0, 2^32) is cut into ranges of equal decision and
// searched as a balanced tree, so a call costs O(log ranges) instructions, and
// an allowed call never leaves the kernel.
// Every SECCOMP_RET_TRACE of the program carries `trace_data` (its
// SECCOMP_RET_DATA), which a seccomp stop's event message gives back: so the
// tracer tells its own filter's stops from those a guest's filter asked for
// (own_trace_data()).
std::vector<sock_filter> build_filter(const Policy& policy, std::uint16_t trace_data = 0);

// The SECCOMP_RET_* word a decision compiles to (for a conditional trace,
// when its argument is not 0).
std::uint32_t seccomp_return(Decision d, std::uint16_t trace_data = 0);

// The data of this cocoon's RET_TRACE: a constant plus the number of
// filters on cocoon itself (/proc/self/status's Seccomp_filters, Linux
// 5.9), so that a cocoon run inside another's guest (which has the outer
// one's filter, and so one more) marks its stops differently. Among filters
// that all say TRACE the newest one's data wins (seccomp_run_filters(),
// kernel/seccomp.c), so a stop whose data is not this one's was asked for
// by a filter the guest installed after cocoon's.
std::uint16_t own_trace_data();

// Installs `prog` on the calling thread (PR_SET_NO_NEW_PRIVS first, as an
// unprivileged process must). Returns errno on failure. Called in the child
// between fork and exec, so it only makes async-signal-safe calls.
// With `listener`, the filter gets a notification listener
// (SECCOMP_FILTER_FLAG_NEW_LISTENER) whose descriptor (close-on-exec) is
// stored there, and waits for it killable once received
// (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV); EBUSY when a filter already on
// the task has a listener, EINVAL before Linux 5.19.
// With `spec_allow`, SECCOMP_FILTER_FLAG_SPEC_ALLOW (Linux 4.17) too: the
// kernel then leaves the task's speculation controls as they were instead
// of forcing its mitigations where they are in "seccomp" mode
// (arch_seccomp_spec_mitigate(), arch/x86/kernel/cpu/bugs.c: SSBD, and
// IBPB/STIBP at every switch to or from the task, two per ptrace stop).
int install_filter(const std::vector<sock_filter>& prog, int* listener = nullptr, bool spec_allow = false);
// Installs a caller's program (bwrap's --seccomp / --add-seccomp-fd) as
// bubblewrap does: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER), so each
// program but the last need only allow that prctl (bwrap(1),
// --add-seccomp-fd), not seccomp(2). no_new_privs must be set already.
// 0 or the errno; async-signal-safe.
int install_user_filter(const std::vector<sock_filter>& prog);

}  // namespace cocoon::tracer
