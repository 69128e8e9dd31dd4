// Progress under a storm of signals: the signals cocoon holds back from a
// task whose own code no longer runs between them. Owned by the Tracer and
// used under its lock (Tracer::mu_): on the event-loop thread, which makes
// every ptrace request here (they must come from the thread that traces),
// and by the notifier thread for on_call alone.
//
// Every signal a traced task receives is a signal-delivery stop, a round
// trip through cocoon. A timer faster than that round trip finds a new
// signal pending whenever the task returns from its handler, so the task
// goes from one handler to the next and its own code never runs again.
// Natively a signal may arrive later than it was sent, and a standard
// signal sent again while pending is merged with the first (signal(7)): so
// cocoon may hold one back for a while. It does so the kernel's way: it
// blocks the signal in the task's mask (PTRACE_SETSIGMASK) and passes it on
// at the stop, and the kernel queues a signal that is blocked there again,
// siginfo and all (ptrace_signal(), kernel/signal.c: "If the (new) signal
// is now blocked, requeue it"). The task's own code then runs up to its
// next system call, where the mask is put back before the call runs (the
// task resumes with PTRACE_SYSCALL), and the pending signal is delivered.
// docs/architecture.md, "Signal storms".
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace cocoon::tracer {

class SignalStorms {
 public:
  using Clock = std::chrono::steady_clock;
  // How long a signal is held back from a task that makes no system call:
  // its own code runs that long between two deliveries.
  static constexpr auto kHoldLimit = std::chrono::milliseconds(1);

  // At a signal-delivery stop, `signal` being what the task is to receive
  // (0: nothing), which the tracer passes on when resuming it: held back
  // (blocked, so the kernel queues it again) when the task is where the
  // last signal that went in found it: its own code has not run since.
  // `answered`: a call the task made was answered at this very stop
  // (Tracer::settle_if_notified), so its own code ran since the last.
  void on_signal_stop(pid_t tid, int signal, bool answered);

  // A system call of the task reached cocoon (a stop, or a notification):
  // its own code ran since the last signal went in, unless the call is
  // the handler's sigreturn, after which only calls count. A loop making
  // the same call from the same place is found at the same ip and sp at
  // each signal, and this tells it from a storm.
  void on_call(pid_t tid, bool sigreturn);
  // Whether any task has had a signal looked at (else on_call has nothing
  // to count, and callers need not decode the call for it).
  bool tracking() const { return !tasks_.empty(); }

  // At any other stop of a task holding back a signal, before the stop is
  // handled. `entry_of_notified_call`: a syscall-entry stop of a call the
  // notifier answers, which a pending signal would interrupt before it is
  // received (and restart, for a call let run as it is): the mask is put
  // back at that call's exit instead.
  void on_stop(pid_t tid, bool at_syscall_entry, bool entry_of_notified_call);

  // Whether the task must stop at its next system call (PTRACE_SYSCALL).
  bool holding(pid_t tid) const;
  // The first deadline of a task holding a signal back (max() if none):
  // the event loop must not block for longer.
  Clock::time_point next_deadline() const;
  // Interrupts every task past its deadline (PTRACE_INTERRUPT: its
  // interrupt stop puts the mask back).
  void enforce_deadlines();
  void forget(pid_t tid);  // it died

 private:
  struct Task {
    // Where the last signal that went in found the task (ip, sp), and the
    // calls it made since (after the handler's sigreturn).
    std::optional<std::array<std::uint64_t, 2>> last_delivery;
    std::uint32_t calls = 0;
    // The task's own signal mask while cocoon blocks a signal in it.
    std::optional<std::uint64_t> held_mask;
    Clock::time_point deadline;
    bool through_call = false;  // the mask goes back at this call's exit
    bool interrupted = false;   // PTRACE_INTERRUPT sent at the deadline
  };
  void hold(pid_t tid, Task& task, int signal);
  void release(pid_t tid, Task& task);

  std::unordered_map<pid_t, Task> tasks_;  // tasks that took a signal
  std::size_t holding_ = 0;                 // of them, holding one back
};

// Whether a signal may be held back: a standard signal sent from outside
// the task. Not SIGKILL and SIGSTOP (never blocked), not a fault the
// kernel forces (a blocked SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP or
// SIGSYS kills the task: force_sig_info_to_task(), kernel/signal.c), not
// job control (SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU), and not a real-time
// signal, whose instances must come in the order sent: one queued again
// goes behind the others.
bool may_hold_back(int signal);

// Whether a signal-delivery stop at (ip, sp) finds a task where the one
// at (last_ip, last_sp) left it: the same context, or that context moved
// back onto the system-call instruction to restart the call it
// interrupted (`insn_size`: arch::syscall_insn_size; x86 handle_signal()
// moves ip back 2 bytes, arm64's and riscv64's do_signal() pc 4).
bool same_context(std::uint64_t ip, std::uint64_t sp, std::uint64_t last_ip,
                  std::uint64_t last_sp, std::size_t insn_size);

}  // namespace cocoon::tracer
