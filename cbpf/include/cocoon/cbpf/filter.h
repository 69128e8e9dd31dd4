// One seccomp filter: a classic-BPF program over struct seccomp_data, as
// the kernel accepts and runs it (seccomp(2), SECCOMP_SET_MODE_FILTER).
//
// cocoon runs a guest's own filters itself where the kernel's evaluation
// would come too late (docs/internals/ptrace.md, "A guest's own seccomp
// filters"), so this must answer what the kernel answers for every
// program the kernel installs, and refuse what it refuses.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <span>

namespace cocoon::cbpf {

// The kernel's limit on one program (BPF_MAXINSNS, include/uapi/linux/bpf_common.h).
inline constexpr std::size_t kMaxInsns = BPF_MAXINSNS;

// 0 if the kernel would install `prog` as a seccomp filter, else EINVAL:
// the checks of bpf_check_classic() (net/core/filter.c: length, jump
// targets inside the program, constant divisors and shifts, scratch slots
// written before read, a RET last) and then seccomp_check_filter()
// (kernel/seccomp.c: only the instructions listed there; LD W ABS
// aligned inside seccomp_data).
int check(std::span<const sock_filter> prog);

// What `prog` returns for `data` (a SECCOMP_RET_* action and its data).
// `prog` must have passed check(): then every jump goes forward, and the
// run ends at a RET within prog.size() instructions.
std::uint32_t run(std::span<const sock_filter> prog, const seccomp_data& data);

}  // namespace cocoon::cbpf
