// Calls of cocoon's own made by a stopped task (injection.h). The route,
// per call: the task's registers set to run the call from the syscall
// instruction it stopped just past (arch::SavedRegs::start_call: ip back on
// the instruction, number and arguments where it reads them), resumed
// under PTRACE_SYSCALL, its entry passed (no handler sees it: the call is
// cocoon's), its result read at its exit stop. From a call's entry the
// task's own call is skipped first (number -1) to reach an exit stop, and
// at the end rewound onto its instruction and run to the same entry again
// (rerun.cc's route), so that the handler that asked finds the task where
// it was. The calls pass cocoon's filter as the guest's would: it must let
// them run (landlock_* are allowed on every ABI).
#include "injection.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/memory.h"
#include "cocoon/tracer/tracer.h"

namespace cocoon::tracer {
namespace {

// Whether a SIGCONT waits in the task's queues, its own or its process's
// (PTRACE_PEEKSIGINFO, Linux 3.10): sent while the task was in a
// ptrace-stop, it is queued there until the task runs.
bool sigcont_queued(pid_t tid) {
  for (const unsigned flags : {0u, unsigned{PTRACE_PEEKSIGINFO_SHARED}}) {
    siginfo_t queue[32];
    __ptrace_peeksiginfo_args args{0, flags, 32};
    const long n = ptrace(PTRACE_PEEKSIGINFO, tid, &args, queue);
    for (long i = 0; i < n; ++i) {
      if (queue[i].si_signo == SIGCONT) return true;
    }
  }
  return false;
}

using Op = arch::StopContext::Op;

constexpr std::uint64_t bit(int signal) { return std::uint64_t{1} << (signal - 1); }

// Whether the instruction just before `ip` is the host ABI's own syscall
// instruction: on x86-64 `syscall` (0f 05), not `int 0x80`, whose i386
// numbers and registers differ.
bool after_syscall_insn(pid_t tid, std::uint64_t ip) {
  const std::size_t n = arch::syscall_insn_size(arch::host_arch());
  if (ip < n) return false;
  std::array<std::byte, 4> bytes{};
  if (!GuestMemory(tid).read(ip - n, std::span(bytes).first(n))) return false;
  std::uint32_t code = 0;
  std::memcpy(&code, bytes.data(), bytes.size());
  if (arch::host_arch() == arch::Arch::kX86_64) return (code & 0xffff) == 0x050f;
  return arch::is_syscall_insn(arch::host_arch(), code);
}

// A new task's first stop is an interrupt-stop (PTRACE_EVENT_STOP with
// SIGTRAP: ptrace(2), "automatically attached children"). A
// signal-delivery stop has a signal on its way, which resuming the task
// for a call would drop.
bool at_event_trap(pid_t tid) {
  siginfo_t si{};
  if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) != 0) return false;
  return si.si_signo == SIGTRAP && (si.si_code >> 8) == PTRACE_EVENT_STOP;
}

}  // namespace

std::expected<void, int> Injection::begin() {
  auto ctx = arch::stop_context(tid_);
  if (!ctx) return std::unexpected(ctx.error());
  if (ctx->abi != arch::host_arch()) return std::unexpected(EAGAIN);
  start_op_ = ctx->op;
  sp_ = ctx->sp;
  if (ctx->op == Op::kEntry || ctx->op == Op::kSeccomp) {
    from_ = From::kEntry;
  } else if (ctx->op == Op::kNone && !at_event_trap(tid_)) {
    return std::unexpected(EAGAIN);
  }
  if (!after_syscall_insn(tid_, ctx->ip)) return std::unexpected(EAGAIN);
  if (ptrace(PTRACE_GETSIGMASK, tid_, sizeof mask_, &mask_) != 0) return std::unexpected(errno);
  auto saved = arch::SavedRegs::save(tid_);
  if (!saved) return std::unexpected(saved.error());
  saved_ = *saved;
  if (from_ == From::kEntry) return skip_own_call();
  return {};
}

// The task's own call skipped (number -1: every arch then leaves the call
// unrun), to its exit stop, from which calls can be made.
std::expected<void, int> Injection::skip_own_call() {
  auto regs = arch::SyscallRegs::load(tid_);
  if (!regs) return std::unexpected(regs.error());
  own_nr_ = regs->nr();
  own_arg0_ = regs->arg(0);
  regs->skip_with(0);
  if (auto r = regs->store(tid_); !r) return std::unexpected(r.error());
  auto stop = run_to(PTRACE_SYSCALL, Op::kExit);
  if (!stop) return std::unexpected(stop.error());
  return {};
}

std::expected<std::int64_t, int> Injection::call(long nr, const std::array<std::uint64_t, 6>& args) {
  if (dead_) return std::unexpected(ESRCH);
  if (notified_ && notified_(nr, args)) return std::unexpected(EDEADLK);
  if (auto r = saved_.start_call(tid_, nr, args); !r) return std::unexpected(r.error());
  auto stop = run_to(PTRACE_SYSCALL, Op::kExit);
  if (!stop) return std::unexpected(stop.error());
  auto regs = arch::SyscallRegs::load(tid_);
  if (!regs) return std::unexpected(regs.error());
  log().debug("{}: injected syscall {} = {}", tid_, nr, regs->result());
  return regs->result();
}

// A task put back at its call's entry reaches it the way it first did:
// through cocoon's filter (PTRACE_CONT, a seccomp stop) or a syscall-entry
// stop (PTRACE_SYSCALL), with the same number, arguments and ip.
std::expected<void, int> Injection::finish() {
  if (dead_) return std::unexpected(ESRCH);
  if (from_ == From::kAfter) {
    if (auto r = saved_.restore(tid_); !r) return std::unexpected(r.error());
  } else {
    if (auto r = saved_.restore_rewound(tid_, own_nr_, own_arg0_); !r) return std::unexpected(r.error());
    const long request = start_op_ == Op::kSeccomp ? long{PTRACE_CONT} : long{PTRACE_SYSCALL};
    auto stop = run_to(request, start_op_);
    if (!stop) return std::unexpected(stop.error());
    if (stop->ip != saved_.ip()) {
      log().warn("{}: back at a call's entry at {:#x}, not {:#x}", tid_, stop->ip, saved_.ip());
    }
  }
  if (mask_changed_ && ptrace(PTRACE_SETSIGMASK, tid_, sizeof mask_, &mask_) != 0) {
    return std::unexpected(errno);
  }
  // The SIGSTOP dropped meanwhile, unless a SIGCONT sent after it is
  // pending now (it came while the task was in a ptrace-stop, so it was
  // queued, not seen): natively it would have ended that stop, and a stop
  // signal queued now would flush it (prepare_signal(), kernel/signal.c),
  // leaving the task stopped for good.
  // Looked at with PTRACE_PEEKSIGINFO, the quickest look there is: a
  // SIGCONT landing between the look and the tkill would still be lost.
  // Under a storm of STOP/CONT pairs 20-220 us apart sent from outside
  // to tasks making 15 scoped unshares: 11 of 150 left stopped without
  // the look, 1 in 150 with /proc's SigPnd/ShdPnd (slower), 0 in 450 with
  // this one; natively 0.
  if (stop_pending_ && !sigcont_queued(tid_)) ::syscall(SYS_tkill, tid_, SIGSTOP);
  return {};
}

// Resumes the task with `request` until a syscall stop of kind `want`,
// passing the stops on the way: the call's entry (and a seccomp stop a
// filter of the guest's asks for) on the way to its exit, signals (kept:
// keep_signal), group- and interrupt-stops.
std::expected<arch::StopContext, int> Injection::run_to(long request, Op want) {
  int signal = 0;
  for (;;) {
    if (ptrace(static_cast<__ptrace_request>(request), tid_, 0, signal) != 0) {
      dead_ = errno == ESRCH;
      return std::unexpected(errno);
    }
    signal = 0;
    auto ev = wait_own();
    if (!ev) return std::unexpected(ev.error());
    if (ev->kind == EventKind::kSignalStop) {
      signal = keep_signal(ev->signal);
      continue;
    }
    if (ev->kind != EventKind::kSyscallStop && ev->kind != EventKind::kSeccompStop) continue;
    auto ctx = arch::stop_context(tid_);
    if (!ctx) return std::unexpected(ctx.error());
    if (ctx->op == want) return *ctx;
  }
}

// A signal that comes while the task runs cocoon's calls waits for the
// task's own code: blocked, and passed on, the kernel queues it again,
// siginfo and all (ptrace_signal(), kernel/signal.c), to be delivered
// once finish() gives the task its own mask back. SIGSTOP cannot be
// blocked (sigprocmask(2)): dropped now, sent again at the end.
int Injection::keep_signal(int signal) {
  log().debug("{}: signal {} kept until cocoon's calls are made", tid_, signal);
  if (signal == SIGSTOP) {
    stop_pending_ = true;
    return 0;
  }
  // A SIGCONT after the SIGSTOP kept above: natively the stop would have
  // happened and been ended, and queuing SIGCONT clears a pending stop
  // signal (prepare_signal(), kernel/signal.c), so sending SIGSTOP at the
  // end would leave the task stopped for good.
  if (signal == SIGCONT) stop_pending_ = false;
  std::uint64_t mask = 0;
  if (ptrace(PTRACE_GETSIGMASK, tid_, sizeof mask, &mask) == 0 && (mask & bit(signal)) == 0) {
    mask |= bit(signal);
    if (ptrace(PTRACE_SETSIGMASK, tid_, sizeof mask, &mask) == 0) mask_changed_ = true;
  }
  return signal;
}

// The task's next stop. Every other task's report goes to the loop, in
// order (a death counted as reaped now, as the loop counts it); a report
// of this task's that is not a stop it can be resumed from (its death, an
// exec by another thread that took its tid, PTRACE_EVENT_EXIT) too, and
// the injection ends: ESRCH.
std::expected<WaitEvent, int> Injection::wait_own() {
  for (;;) {
    int status = 0;
    const pid_t tid = ::waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(errno);
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) reaps_.fetch_add(1, std::memory_order_release);
    const WaitEvent ev = decode_wait_status(tid, status);
    const bool resumable = ev.kind == EventKind::kSyscallStop || ev.kind == EventKind::kSeccompStop ||
                           ev.kind == EventKind::kSignalStop || ev.kind == EventKind::kGroupStop ||
                           ev.kind == EventKind::kInterruptStop;
    if (tid == tid_ && resumable) return ev;
    deferred_.push_back(DeferredWait{tid, status});
    if (tid == tid_) {
      dead_ = true;
      return std::unexpected(ESRCH);
    }
  }
}

// StopControl::inject.
std::expected<void, int> Tracer::inject(Tracee& t, const std::function<void(TaskCalls&)>& calls) {
  auto notified = [this](long nr, const std::array<std::uint64_t, 6>& args) {
    const Decision d = dispatcher_.policy().decide(arch::host_arch(), nr).for_call(
        [&args](int i) { return args[static_cast<std::size_t>(i)]; });
    return notifier_ != nullptr && d.action == Action::kNotify;
  };
  Injection injection(t.tid, deferred_, reaps_, notified);
  if (auto r = injection.begin(); !r) {
    if (r.error() != ESRCH && r.error() != EAGAIN) log().warn("calls in {}: errno {}", t.tid, r.error());
    return r;
  }
  calls(injection);
  return injection.finish();
}

}  // namespace cocoon::tracer
