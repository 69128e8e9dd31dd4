// System calls of cocoon's own made by a stopped tracee (StopControl::inject,
// docs/internals/event-loop.md, "Calls of cocoon's own in a task"): the
// calls the kernel allows only on the caller itself, such as
// landlock_restrict_self(2). The task runs each from the syscall instruction
// it stopped just past, with registers cocoon sets; then its own registers
// go back. The route is rerun.cc's (an ip rewound onto the instruction at an
// exit stop), run to the end here, on the event loop's thread, waiting for
// the task's stops itself: the other tasks' events that come meanwhile are
// kept, in order, for the loop (Tracer::deferred_).
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <utility>

#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/wait_event.h"

namespace cocoon::tracer {

class Injection final : public TaskCalls {
 public:
  // Where the task was stopped: at a call's entry (seccomp or
  // syscall-entry stop, the call not run yet: kEntry, put back there at
  // the end), or just past a syscall instruction outside a call's entry
  // (its exit, or a new task's first stop: kAfter, left with its own
  // registers at the end).
  enum class From : std::uint8_t { kEntry, kAfter };

  // `notified`: whether the run answers a call by seccomp notification,
  // which the notifier does under the loop's lock, held here: such a call
  // would wait for an answer that never comes (EDEADLK instead).
  Injection(pid_t tid, std::deque<DeferredWait>& deferred, std::atomic<std::uint64_t>& reaps,
            std::function<bool(long, const std::array<std::uint64_t, 6>&)> notified)
      : tid_(tid), deferred_(deferred), reaps_(reaps), notified_(std::move(notified)) {}

  // Checks the stop and takes the task's registers and signal mask;
  // EAGAIN for a stop no call can be made from.
  std::expected<void, int> begin();
  std::expected<std::int64_t, int> call(long nr, const std::array<std::uint64_t, 6>& args) override;
  std::uint64_t sp() const override { return sp_; }
  // The task as it was: its registers, at the same stop for kEntry; its
  // signal mask, with the signals that came meanwhile pending.
  std::expected<void, int> finish();

 private:
  std::expected<void, int> skip_own_call();
  std::expected<arch::StopContext, int> run_to(long request, arch::StopContext::Op want);
  int keep_signal(int signal);
  std::expected<WaitEvent, int> wait_own();

  pid_t tid_;
  std::deque<DeferredWait>& deferred_;
  std::atomic<std::uint64_t>& reaps_;
  std::function<bool(long, const std::array<std::uint64_t, 6>&)> notified_;
  From from_ = From::kAfter;
  arch::StopContext::Op start_op_ = arch::StopContext::Op::kNone;
  arch::SavedRegs saved_;
  std::uint64_t sp_ = 0;
  long own_nr_ = -1;           // kEntry: the task's own call, run again at the end
  std::uint64_t own_arg0_ = 0;
  std::uint64_t mask_ = 0;     // the task's signal mask at the start
  bool mask_changed_ = false;
  bool stop_pending_ = false;  // a SIGSTOP that came meanwhile, sent again at the end
  bool dead_ = false;
};

}  // namespace cocoon::tracer
