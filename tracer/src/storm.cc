#include "storm.h"

#include <sys/ptrace.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/log.h"

namespace cocoon::tracer {
namespace {

constexpr std::uint64_t bit(int signal) { return std::uint64_t{1} << (signal - 1); }

// The kernel's sigset_t is 8 bytes on every arch cocoon runs on, which
// PTRACE_GETSIGMASK and PTRACE_SETSIGMASK want as their size argument
// (ptrace(2)).
std::expected<std::uint64_t, int> get_mask(pid_t tid) {
  std::uint64_t mask = 0;
  if (ptrace(PTRACE_GETSIGMASK, tid, sizeof mask, &mask) != 0) return std::unexpected(errno);
  return mask;
}

bool set_mask(pid_t tid, std::uint64_t mask) {
  if (ptrace(PTRACE_SETSIGMASK, tid, sizeof mask, &mask) == 0) return true;
  if (errno != ESRCH) log().warn("PTRACE_SETSIGMASK {}: errno {}", tid, errno);
  return false;
}

}  // namespace

bool may_hold_back(int signal) {
  if (signal <= 0 || signal >= 32) return false;  // real-time signals start at 32 (signal(7))
  switch (signal) {
    case SIGKILL:
    case SIGSTOP:
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
    case SIGCONT:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU: return false;
    default: return true;
  }
}

bool same_context(std::uint64_t ip, std::uint64_t sp, std::uint64_t last_ip,
                  std::uint64_t last_sp, std::size_t insn_size) {
  return sp == last_sp && (ip == last_ip || ip + insn_size == last_ip);
}

void SignalStorms::on_call(pid_t tid, bool sigreturn) {
  if (tasks_.empty()) return;
  const auto it = tasks_.find(tid);
  if (it == tasks_.end()) return;
  it->second.calls = sigreturn ? 0 : it->second.calls + 1;
}

void SignalStorms::on_signal_stop(pid_t tid, int signal, bool answered) {
  if (!may_hold_back(signal)) {
    if (auto it = tasks_.find(tid); it != tasks_.end()) it->second.last_delivery.reset();
    return;
  }
  auto here = arch::stop_context(tid);
  if (!here) return;
  Task& task = tasks_[tid];
  const auto& last = task.last_delivery;
  if (last && task.calls == 0 && !answered &&
      same_context(here->ip, here->sp, (*last)[0], (*last)[1], arch::syscall_insn_size(here->abi))) {
    // Its own code has not run since the last signal went in: hold this
    // one back until it has. The next one found here goes in again, so a
    // storm alternates: a signal in, the task's code up to its next call.
    task.last_delivery.reset();
    return hold(tid, task, signal);
  }
  task.last_delivery = std::array{here->ip, here->sp};
  task.calls = 0;
}

void SignalStorms::hold(pid_t tid, Task& task, int signal) {
  auto mask = get_mask(tid);
  if (!mask || !set_mask(tid, *mask | bit(signal))) return;
  task.held_mask = *mask;
  task.deadline = Clock::now() + kHoldLimit;
  task.through_call = false;
  task.interrupted = false;
  ++holding_;
  log().debug("{}: signal {} held back (a storm: the task's code did not run since the last)",
              tid, signal);
}

bool SignalStorms::holding(pid_t tid) const {
  if (holding_ == 0) return false;
  const auto it = tasks_.find(tid);
  return it != tasks_.end() && it->second.held_mask.has_value();
}

void SignalStorms::on_stop(pid_t tid, bool at_syscall_entry, bool entry_of_notified_call) {
  const auto it = tasks_.find(tid);
  if (it == tasks_.end() || !it->second.held_mask) return;
  Task& task = it->second;
  // A notified call's entry: the mask goes back at its exit. Any other
  // call sees its own mask, as natively: the mask goes back before it
  // runs (it could read the mask, change it, or pass it on at a fork).
  if (at_syscall_entry && entry_of_notified_call && !task.through_call) {
    task.through_call = true;
    return;
  }
  release(tid, task);
}

void SignalStorms::release(pid_t tid, Task& task) {
  set_mask(tid, *task.held_mask);
  task.held_mask.reset();
  --holding_;
}

void SignalStorms::forget(pid_t tid) {
  const auto it = tasks_.find(tid);
  if (it == tasks_.end()) return;
  if (it->second.held_mask) --holding_;
  tasks_.erase(it);
}

SignalStorms::Clock::time_point SignalStorms::next_deadline() const {
  auto next = Clock::time_point::max();
  if (holding_ == 0) return next;
  for (const auto& [tid, task] : tasks_) {
    if (task.held_mask && !task.interrupted) next = std::min(next, task.deadline);
  }
  return next;
}

void SignalStorms::enforce_deadlines() {
  const auto now = Clock::now();
  for (auto& [tid, task] : tasks_) {
    if (!task.held_mask || task.interrupted || task.deadline > now) continue;
    // The task is running (cocoon resumed it): its interrupt stop comes
    // at its next return to user mode or out of an interruptible wait,
    // and puts the mask back (Tracer::handle).
    task.interrupted = true;
    if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0 && errno != ESRCH) {
      log().warn("PTRACE_INTERRUPT {}: errno {}", tid, errno);
    }
  }
}

}  // namespace cocoon::tracer
