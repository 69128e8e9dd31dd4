#include "strict_mode.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include <csignal>
#include <cstddef>
#include <span>
#include <vector>

#include "cocoon/arch/arch.h"
#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/siginfo.h"
#include "cocoon/tracer/tracee.h"
#include "proc_fields.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

bool asks_strict(const tracer::SyscallStop& stop) {
  const auto& regs = stop.regs;
  if (stop.desc.sys == arch::Sys::seccomp) {
    // Strict mode takes no flags and no argument: anything else is EINVAL
    // (do_seccomp()), which the kernel answers under cocoon's filter too.
    return regs.arg(0) == SECCOMP_SET_MODE_STRICT && regs.arg(1) == 0 && regs.arg(2) == 0;
  }
  // prctl_set_seccomp() passes no argument for strict mode.
  return stop.desc.sys == arch::Sys::prctl && static_cast<std::uint32_t>(regs.arg(0)) == PR_SET_SECCOMP &&
         regs.arg(1) == SECCOMP_MODE_STRICT;
}

// Whether the task's only filter is cocoon's: natively it would have none
// and could enter strict mode. One more (the guest's own, bwrap's
// --seccomp, or a filter cocoon itself runs under, which natively the
// guest would have too) makes the kernel's EINVAL the native answer.
bool only_cocoons_filter(pid_t tid) {
  const auto n = proc_field(tid, "status", "Seccomp_filters:");
  return n && *n == "1";
}

using Program = std::vector<sock_filter>;

// "nr is one of strict mode's calls of `abi` ? ALLOW : TRAP", after the
// arch test that selects it.
void add_section(Program& out, arch::Arch abi) {
  std::vector<long> allowed;
  for (long nr = 0; nr <= arch::max_syscall_number(abi); ++nr) {
    if (arch::strict_mode_allows(abi, nr)) allowed.push_back(nr);
  }
  const auto n = static_cast<std::uint8_t>(allowed.size());
  // arch != abi's: past this section (its load, tests and two returns).
  out.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch::audit_arch(abi), 0,
                         static_cast<std::uint8_t>(n + 3)));
  out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  for (std::uint8_t i = 0; i < n; ++i) {
    // Equal: to the ALLOW after the remaining tests and the TRAP.
    out.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(allowed[i]),
                           static_cast<std::uint8_t>(n - i), 0));
  }
  out.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP));
  out.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  // The next section reloads the arch.
  out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
}

}  // namespace

std::vector<sock_filter> strict_mode_program(arch::Arch host) {
  Program out{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch))};
  for (arch::Arch abi : arch::entry_abis(host)) add_section(out, abi);
  out.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP));
  return out;
}

// Only the requests for strict mode stop (the filter tests the op or the
// option); the i386 ABI's are left to the kernel.
Decision StrictMode::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (abi != arch::host_arch()) return Decision::allow();
  if (row.sys == arch::Sys::seccomp) {
    return Decision::allow().tracing_values(0, {SECCOMP_SET_MODE_STRICT}).in(tracer::Phase::kFixup);
  }
  if (row.sys == arch::Sys::prctl) {
    return Decision::allow().tracing_values(0, {PR_SET_SECCOMP}).in(tracer::Phase::kFixup);
  }
  return Decision::allow();
}

// A fix-up, the last handler to see the call: the call becomes
// seccomp(SECCOMP_SET_MODE_FILTER, 0, the strict program), written below
// the guest's stack, and its exit gives the guest back its arguments.
// Without cocoon's filter the kernel's strict mode runs; its exit is noted.
Verdict StrictMode::on_entry(tracer::SyscallStop& stop) {
  if (stop.via != tracer::Via::kStop || !asks_strict(stop)) return Verdict::resume();
  if (control_ == nullptr || !control_->filtered()) return Verdict::resume_to_exit();
  if (!only_cocoons_filter(stop.tracee.tid)) return Verdict::resume();
  const Program prog = strict_mode_program(arch::host_arch());
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  const auto prog_at = scratch.push(std::as_bytes(std::span(prog)));
  if (!prog_at) return Verdict::resume();  // no room: the kernel's EINVAL
  const sock_fprog fprog{static_cast<unsigned short>(prog.size()),
                         reinterpret_cast<sock_filter*>(*prog_at)};
  const auto fprog_at = scratch.push(std::as_bytes(std::span(&fprog, 1)));
  if (!fprog_at) return Verdict::resume();
  auto& regs = stop.regs;
  regs.set_nr(arch::find_syscall(arch::Sys::seccomp).number(regs.abi()));
  regs.set_arg(0, SECCOMP_SET_MODE_FILTER);
  regs.set_arg(1, 0);
  regs.set_arg(2, *fprog_at);
  return Verdict::resume_to_exit();
}

// The exit of a request for strict mode: 0 is the task in it. The
// argument registers go back to the guest's (x86-64 keeps them across a
// call; arm64 and riscv64 return the result in the first).
void StrictMode::on_exit(tracer::SyscallStop& stop) {
  auto& t = stop.tracee;
  if (stop.regs.result() == 0) t.strict_mode = true;
  if (control_ == nullptr || !control_->filtered()) return;
  const bool x86 = stop.regs.abi() == arch::Arch::kX86_64 || stop.regs.abi() == arch::Arch::kI386;
  for (int i = x86 ? 0 : 1; i < 3; ++i) stop.regs.set_arg(i, t.guest_args[static_cast<std::size_t>(i)]);
}

// The trap of the strict program (SYS_SECCOMP: no filter of the guest's
// can be on a task in strict mode) is strict mode's kill. SIGKILL ends the
// whole process where strict mode ends the calling thread: a thread alone
// cannot be killed from outside.
int StrictMode::on_signal(tracer::Tracee& tracee, int signal) {
  if (signal != SIGSYS || !tracee.strict_mode) return signal;
  constexpr int kSysSeccomp = 1;  // SYS_SECCOMP (include/uapi/asm-generic/siginfo.h)
  const auto info = tracer::get_siginfo(tracee.tid);
  if (!info || info->si_code != kSysSeccomp) return signal;
  ::kill(tracee.tgid, SIGKILL);
  return 0;
}

}  // namespace cocoon::syscalls
