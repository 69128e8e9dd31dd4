// A guest's own seccomp filters without cocoon's filter (--no-seccomp),
// and with it where they must stop for calls cocoon's filter answers
// first (guest_trace_at_entry()).
//
// Every call then stops at its syscall entry (PTRACE_SYSCALL), and the
// kernel runs the task's filters only after that stop (syscall_trace_enter(),
// kernel/entry/common.c: "Do seccomp after ptrace, to catch any tracer
// changes"): on the registers cocoon's handlers left, a call they answered
// showing number -1. So cocoon keeps a copy of each task's filters
// (Tracee::guest_filters, taken when the kernel installed them) and runs
// them itself on the guest's own registers before any handler
// (cbpf::evaluate: the kernel's order and precedence). A filter sees only
// struct seccomp_data (nr, arch, ip, args: populate_seccomp_data(),
// kernel/seccomp.c), never memory, so the same registers give the same
// answer.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <csignal>
#include <optional>
#include <vector>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/cbpf/filter.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/memory.h"
#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/siginfo.h"
#include "cocoon/tracer/tracer.h"
#include "proc_status.h"

namespace cocoon::tracer {
namespace {

seccomp_data data_of(const arch::SyscallRegs& regs) {
  seccomp_data d{};
  d.nr = static_cast<int>(regs.nr());
  d.arch = arch::audit_arch(regs.abi());
  d.instruction_pointer = regs.ip();
  for (int i = 0; i < 6; ++i) d.args[i] = regs.arg(i);
  return d;
}

std::uint32_t action(std::uint32_t ret) { return ret & SECCOMP_RET_ACTION_FULL; }

// Calls that do nothing the guest could not do anyway, to run in place of
// one the guest's filters refuse: -1 (the tracer's skip, whose result
// register the kernel leaves alone), numbers past every table
// (sys_ni_syscall), and calls without effects, which an allow-list lets
// through. The exit stop writes the refused call's result over theirs.
std::vector<long> inert_numbers(arch::Arch abi) {
  std::vector<long> nrs = {-1, 1023, 4095};
  for (arch::Sys sys : {arch::Sys::getpid, arch::Sys::gettid, arch::Sys::sched_yield}) {
    const arch::SyscallDesc& row = arch::find_syscall(sys);
    if (row.exists_on(abi)) nrs.push_back(row.number(abi));
  }
  return nrs;
}

// The first inert number for which the filters' answer satisfies `fits`.
template <typename Fits>
std::optional<long> inert_number(const cbpf::FilterStack* stack, arch::SyscallRegs regs, Fits fits) {
  for (long nr : inert_numbers(regs.abi())) {
    regs.set_nr(nr);
    if (fits(cbpf::evaluate(stack, data_of(regs)))) return nr;
  }
  return std::nullopt;
}

// An answer after which the call's result is the exit stop's to write:
// not a kill or a trap.
bool quiet(std::uint32_t ret) { return !cbpf::stronger(ret, SECCOMP_RET_ERRNO); }

// The kernel's ERRNO data is capped at MAX_ERRNO (__seccomp_filter()).
std::int64_t errno_result(std::uint32_t ret) {
  return -static_cast<std::int64_t>(std::min<std::uint32_t>(ret & SECCOMP_RET_DATA, 4095));
}

// A filter being installed: seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)
// or prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog); its struct
// sock_fprog's address, or 0.
std::uint64_t fprog_address(const arch::SyscallRegs& regs, bool* tsync) {
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), regs.nr());
  if (row == nullptr) return 0;
  if (row->sys == arch::Sys::seccomp && regs.arg(0) == SECCOMP_SET_MODE_FILTER) {
    *tsync = (regs.arg(1) & SECCOMP_FILTER_FLAG_TSYNC) != 0;
    return regs.arg(2);
  }
  if (row->sys == arch::Sys::prctl && regs.arg(0) == PR_SET_SECCOMP &&
      regs.arg(1) == SECCOMP_MODE_FILTER) {
    *tsync = false;
    return regs.arg(2);
  }
  return 0;
}

}  // namespace

// At a syscall entry without cocoon's filter: true if the guest's filters
// decided the call, which then runs no handler. The call's registers stay
// the guest's except for the number, which becomes one that runs nothing
// whenever the guest's filters refuse the call: the kernel's own run of
// them then refuses it the same way, and should the copy ever differ from
// what the kernel installed (a sibling thread rewriting the program while
// the kernel copied it), the call still runs nothing cocoon did not see.
bool Tracer::judged_by_guest_filters(Tracee& t, arch::SyscallRegs& regs) {
  const bool recheck = t.guest_filters_ran;
  t.guest_filters_ran = true;
  const std::uint32_t ret = cbpf::evaluate(t.guest_filters.get(), data_of(regs));
  if (cbpf::runs(ret)) return false;
  if (action(ret) == SECCOMP_RET_TRACE) {
    // Resumed from the stop a guest's tracer was given: the kernel runs
    // the filters again and lets a second TRACE through
    // (__seccomp_filter(), recheck_after_trace).
    if (recheck) return false;
    if (guest_seccomp_stop(t, static_cast<std::uint16_t>(ret & SECCOMP_RET_DATA))) return true;
    // No tracer of the guest's asked for the stop (PTRACE_O_TRACESECCOMP):
    // ENOSYS (__seccomp_filter(): "ENOSYS these calls if there is no
    // tracer attached").
    return refuse_as_filtered(t, regs, SECCOMP_RET_ERRNO | ENOSYS);
  }
  // No listener can be the guest's (containment refuses one): ENOSYS,
  // as seccomp_do_user_notification() answers without one.
  if (action(ret) == SECCOMP_RET_USER_NOTIF) return refuse_as_filtered(t, regs, SECCOMP_RET_ERRNO | ENOSYS);
  return refuse_as_filtered(t, regs, ret);
}

// The call is refused with `ret` (ERRNO, TRAP, a KILL, or an action the
// kernel kills for) and runs no handler. It becomes an inert number
// (inert_numbers()) for which the guest's filters give the same answer,
// so that the kernel errs, traps or kills as natively, or, if none does,
// an inert number they answer quietly while cocoon does what the kernel
// would: an errno written at the exit stop, a SIGSYS it sends. A KILL
// with no inert number, or a TRAP whose SIGSYS the kernel would force to
// a death, is kill_as_filtered()'s.
bool Tracer::refuse_as_filtered(Tracee& t, arch::SyscallRegs& regs, std::uint32_t ret) {
  const cbpf::FilterStack* stack = t.guest_filters.get();
  const long guest_nr = regs.nr();
  const bool is_errno = action(ret) == SECCOMP_RET_ERRNO;
  const bool is_trap = action(ret) == SECCOMP_RET_TRAP;
  log().debug("{}: syscall {} refused by the guest's own filter ({:#x})", t.tid, guest_nr, ret);
  auto same = inert_number(stack, regs, [&](std::uint32_t r) { return is_errno ? quiet(r) : r == ret; });
  std::optional<long> inert = same;
  if (!same) inert = inert_number(stack, regs, quiet);
  if (!same && !is_errno && !is_trap) return kill_as_filtered(t, regs, ret);
  if (!same && is_trap && sigsys_forced(t.tid)) {
    // A SIGSYS cocoon sent would wait while blocked or be dropped while
    // ignored; the kernel's is forced through: it unblocks SIGSYS and
    // resets it to SIG_DFL (force_sig_seccomp() -> force_sig_info_to_task(),
    // HANDLER_CURRENT, kernel/signal.c), so the process dies of SIGSYS with
    // a core dump, which a KILL_PROCESS with the trap's data gives too
    // (force_sig_seccomp(), force_coredump), the same si_errno in the core.
    return kill_as_filtered(t, regs, SECCOMP_RET_KILL_PROCESS | (ret & SECCOMP_RET_DATA));
  }
  if (is_errno) {
    t.forced_result = errno_result(ret);
  } else if (is_trap) {
    // The kernel rolls the registers back to the call's (syscall_rollback():
    // x86's ax = orig_ax, the number; arm64's x0 and riscv64's a0 their
    // first argument), and SIGSYS names the guest's call (sigsys_stop()).
    const bool x86 = regs.abi() == arch::Arch::kX86_64 || regs.abi() == arch::Arch::kI386;
    t.forced_result = x86 ? guest_nr : static_cast<std::int64_t>(regs.arg(0));
    t.trap = Tracee::Trap{guest_nr, static_cast<std::uint16_t>(ret & SECCOMP_RET_DATA), regs.ip(),
                          arch::audit_arch(regs.abi()), !same};
    if (!same) syscall(SYS_tgkill, t.tgid, t.tid, SIGSYS);
  }
  regs.set_nr(inert.value_or(-1));
  if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
  resume(t);
  return true;
}

// The guest's filters end the process for the call (`ret`: a KILL) and no
// inert number makes the kernel's run of them do so. Where cocoon's own
// policy runs the call untouched anyway, the kernel's run of the guest's
// filters on it acts as natively (the number stays the guest's); else
// install_kill(), or, where that cannot be done, SIGKILL (not the kernel's
// SIGSYS and core dump).
bool Tracer::kill_as_filtered(Tracee& t, arch::SyscallRegs& regs, std::uint32_t ret) {
  const Decision d = decision_for(regs);
  if (d.action == Action::kAllow) {
    resume(t);  // the call is the guest's, untouched
    return true;
  }
  if (install_kill(t, regs, ret)) return true;
  log().warn("{}: the guest's filter kills for syscall {}: killed", t.tid, regs.nr());
  kill(t.tgid, SIGKILL);
  return true;
}

// Whether the kernel would force a SIGSYS for a trap through to a death:
// the thread blocks it or its process ignores it. Unknown (the task is
// gone) counts as no.
bool Tracer::sigsys_forced(pid_t tid) {
  return signal_blocked_or_ignored(tid, SIGSYS).value_or(false);
}

// A KILL no inert number can carry, for a call cocoon's handlers would
// have to see: the task's call becomes seccomp(SECCOMP_SET_MODE_FILTER)
// of a one-instruction filter returning the guest's own answer, written
// below its stack; at that call's exit its own call is put back on its
// syscall instruction (kill_rerun()) and runs again, and the kernel kills
// for it with the guest's number and arguments, whatever the copy of the
// guest's filters cocoon holds. The task may install it: it installed a
// filter already (with no_new_privs or CAP_SYS_ADMIN, which it keeps).
// False where arg0 cannot be set (riscv64 before Linux 6.16), the stack
// has no room, or the guest's filters would refuse that seccomp(2).
bool Tracer::install_kill(Tracee& t, arch::SyscallRegs& regs, std::uint32_t ret) {
  if (!arch::SyscallRegs::can_set_arg0() || regs.abi() == arch::Arch::kI386) return false;
  const GuestMemory memory(t.tid);
  StackScratch scratch(memory, regs.sp());
  const sock_filter prog[] = {BPF_STMT(BPF_RET | BPF_K, ret)};
  const auto filter_at = scratch.push(std::as_bytes(std::span(prog)));
  if (!filter_at) return false;
  sock_fprog fprog{1, reinterpret_cast<sock_filter*>(*filter_at)};
  const auto fprog_at = scratch.push(std::as_bytes(std::span(&fprog, 1)));
  if (!fprog_at) return false;
  Tracee::KillRerun rerun{regs.nr(), {}, false};
  for (int i = 0; i < 6; ++i) rerun.args[static_cast<std::size_t>(i)] = regs.arg(i);
  regs.set_nr(nr_seccomp_);
  regs.set_arg(0, SECCOMP_SET_MODE_FILTER);
  regs.set_arg(1, 0);
  regs.set_arg(2, *fprog_at);
  if (!cbpf::runs(cbpf::evaluate(t.guest_filters.get(), data_of(regs)))) return false;
  t.kill_rerun = rerun;
  if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
  resume(t);
  return true;
}

// The exit of install_kill()'s seccomp(2): the task's own call goes back
// on its instruction, with its arguments; its entry then passes untouched
// (kill_rerun->rewound) and the kernel kills. Should the install have
// failed, cocoon kills the process.
void Tracer::kill_rerun(Tracee& t, arch::SyscallRegs& regs) {
  Tracee::KillRerun& k = *t.kill_rerun;
  if (regs.result() != 0) {
    log().warn("{}: the guest's filter kills for syscall {}: killed", t.tid, k.nr);
    kill(t.tgid, SIGKILL);
    return;
  }
  for (int i = 1; i < 6; ++i) regs.set_arg(i, k.args[static_cast<std::size_t>(i)]);
  auto stored = regs.store(t.tid);
  if (stored) stored = arch::SyscallRegs::rerun_call(t.tid, regs.abi(), k.nr, k.args[0]);
  if (!stored && stored.error() != ESRCH) log().warn("rewinding {}: errno {}", t.tid, stored.error());
  k.rewound = true;
  resume(t);
}

// With cocoon's filter, at the syscall-entry stop of a task under
// Tracee::judge_entries (an emulated tracer asked for
// PTRACE_O_TRACESECCOMP): a call the guest's filters say
// SECCOMP_RET_TRACE for, and that cocoon's filter answers with an action
// that outranks TRACE (a notification, an errno, a kill: the kernel takes
// the strongest of all filters' answers, seccomp_run_filters()), would
// never make the guest's seccomp stop. cocoon makes it here, before the
// kernel runs the filters (ptrace's entry report comes first:
// syscall_trace_enter(), kernel/entry/common.c), on the guest's own
// registers: the guest's tracer sees and may change the call, and once it
// lets it go the call goes on to cocoon's filter as it then is. Calls
// cocoon's filter traces or allows are left to the kernel, which makes
// the stop itself (the guest's TRACE outranks ALLOW, and of two TRACEs
// the newer filter's data is reported): on_seccomp_stop().
bool Tracer::guest_trace_at_entry(Tracee& t, const arch::SyscallRegs& regs) {
  if (!t.guest_filters) return false;
  const std::uint32_t ret = cbpf::evaluate(t.guest_filters.get(), data_of(regs));
  if (action(ret) != SECCOMP_RET_TRACE) return false;
  const Decision d = decision_for(regs);
  const bool outranked = d.action == Action::kErrno || d.action == Action::kKill ||
                         (d.action == Action::kNotify && notifies());
  if (!outranked) return false;
  dispatcher_.on_event_stop(t, EventStop{PTRACE_EVENT_SECCOMP, 0, ret & SECCOMP_RET_DATA});
  if (!t.held) return false;
  t.seccomp_at_entry = true;
  t.guest_filters_ran = true;  // this call's stop is made (on_seccomp_stop())
  return true;
}

// The guest's tracer let go of the stop guest_trace_at_entry() made. A
// call it skipped (number -1) is not run through the filters again
// natively (__seccomp_filter(): "the tracer forced the syscall to be
// skipped"), but here the kernel runs them next, on -1, and cocoon's
// answers ENOSYS for it: the tracer's result is written again at the exit
// stop, and the number becomes one the guest's filters answer quietly
// (quiet_skip()).
void Tracer::release_seccomp_at_entry(Tracee& t) {
  t.seccomp_at_entry = false;
  auto regs = arch::SyscallRegs::load(t.tid);
  if (regs && regs->nr() == -1) keep_skipped_result(t, *regs);
  resume(t);
}

// A guest tracer's skip (number -1 in `regs`) about to meet the guest's
// filters, or cocoon's, on -1: its result is kept for the exit stop and
// the number made an inert one (quiet_skip()), stored.
void Tracer::keep_skipped_result(Tracee& t, arch::SyscallRegs& regs) {
  const auto result = skipped_result(t.tid);
  if (!result) return;
  quiet_skip(t, regs, *result);
  if (auto r = regs.store(t.tid); !r && r.error() != ESRCH) {
    log().warn("writing registers of {}: errno {}", t.tid, r.error());
  }
}

// A call skipped at its entry (number -1) by a handler or by the guest's
// tracer, in a task with filters of its own: the kernel runs them after
// this stop on number -1 (natively a tracer's skip at a seccomp stop is
// not run through them again: __seccomp_filter(), "the tracer forced the
// syscall to be skipped"), and their answer for -1 could replace the
// result (an allow-list's ERRNO), trap or kill. So the result is written
// again at the exit stop (`result`), and the number becomes an inert one
// they answer quietly.
void Tracer::quiet_skip(Tracee& t, arch::SyscallRegs& regs, std::int64_t result) {
  t.forced_result = result;
  const auto inert = inert_number(t.guest_filters.get(), regs, quiet);
  if (inert && *inert != regs.nr()) regs.set_nr(*inert);
}

// The result register a guest's tracer wrote when it skipped a call at
// its seccomp stop (x86-64: rax; only an x86-64 guest's ptrace is emulated).
std::optional<std::int64_t> Tracer::skipped_result(pid_t tid) {
#if defined(__x86_64__)
  errno = 0;
  const long rax = ptrace(PTRACE_PEEKUSER, tid, offsetof(user_regs_struct, rax), nullptr);
  if (errno == 0) return rax;
#else
  (void)tid;
#endif
  return std::nullopt;
}

// A filter the guest installs: copied at the call's entry, before the
// kernel copies it in, and kept if the kernel accepted it (filter_exit).
// A program cbpf would refuse is one the kernel refuses too (the unit
// tests check that against the kernel): nothing to keep. The i386 ABI's
// struct sock_fprog is not read: such a filter is not kept.
void Tracer::filter_entry(Tracee& t, const arch::SyscallRegs& regs) {
  t.installing.reset();
  if (regs.abi() == arch::Arch::kI386) return;
  bool tsync = false;
  const std::uint64_t at = fprog_address(regs, &tsync);
  if (at == 0) return;
  const GuestMemory memory(t.tid);
  sock_fprog fprog{};
  if (!memory.read(at, std::as_writable_bytes(std::span(&fprog, 1)))) return;
  if (fprog.len == 0 || fprog.len > cbpf::kMaxInsns) return;
  std::vector<sock_filter> prog(fprog.len);
  const auto where = reinterpret_cast<std::uint64_t>(fprog.filter);
  if (!memory.read(where, std::as_writable_bytes(std::span(prog)))) return;
  if (cbpf::check(prog) != 0) return;
  t.installing = cbpf::push(t.guest_filters, std::move(prog));
  t.installing_tsync = tsync;

}

// The install's exit: 0 is success (with TSYNC too; a failed TSYNC
// returns a thread's id, seccomp(2)). TSYNC gives every thread of the
// group the caller's filters (seccomp_sync_threads(), kernel/seccomp.c).
void Tracer::filter_exit(Tracee& t, const arch::SyscallRegs& regs) {
  cbpf::Stack installed = std::move(t.installing);
  t.installing.reset();
  if (regs.result() != 0) return;
  t.guest_filters = installed;
  if (!t.installing_tsync) return;
  tracees_.for_each([&](Tracee& other) {
    if (other.tgid == t.tgid) other.guest_filters = installed;
  });
}



// The SIGSYS of a call the guest's filters trapped (refuse_as_filtered()),
// with the kernel's siginfo for it (force_sig_seccomp(), kernel/seccomp.c):
// the guest's call, its address and arch, the filter's data. The kernel
// sent it for the inert call that replaced the guest's, or cocoon did.
void Tracer::sigsys_stop(Tracee& t) {
  const Tracee::Trap trap = *t.trap;
  t.trap.reset();
  constexpr int kSysSeccomp = 1;  // SYS_SECCOMP (include/uapi/asm-generic/siginfo.h)
  auto info = get_siginfo(t.tid);
  if (!info || (!trap.sent && info->si_code != kSysSeccomp)) return;
  if (trap.sent) {
    *info = siginfo_t{};
    info->si_signo = SIGSYS;
    info->si_code = kSysSeccomp;
    info->si_errno = trap.data;
    info->si_call_addr = reinterpret_cast<void*>(trap.ip);
    info->si_arch = trap.audit_arch;
  }
  info->si_syscall = static_cast<int>(trap.nr);
  set_siginfo(t.tid, *info);
}

}  // namespace cocoon::tracer
