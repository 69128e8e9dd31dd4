// The tasks a handler holds in an interruptible call (Verdict::
// hold_interruptible: an emulated tracer's blocking wait), watched for a
// signal that would end that call natively.
//
// A task kept in a ptrace-stop takes no signal: one sent to it stays
// pending, and the kernel tells its tracer nothing (a non-fatal signal
// does not wake a traced task: signal_wake_up_state(), kernel/signal.c).
// Natively the same task would sleep in do_wait() and leave it with
// -ERESTARTSYS at once (kernel/exit.c), to be restarted after the
// handler (SA_RESTART) or fail with EINTR. So a thread of cocoon's looks
// at the held tasks' pending signals in /proc every kPeriod while there
// are any, and rings the event loop's doorbell when one would be taken;
// the loop then ends those calls (Tracer::interrupt_signalled_holds()).
// The thread makes no ptrace request: the loop's thread is the tracer.
// docs/internals/ptrace.md, "A held wait and signals".
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace cocoon::tracer {

class SignalWatch {
 public:
  // How late a signal may end a held call: the watch's one cost while
  // something is held (a /proc read per held task each period).
  static constexpr auto kPeriod = std::chrono::milliseconds(20);

  SignalWatch();
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  // The loop's side: `tid` is now held interruptibly (watch()), or no
  // longer (forget(): released, interrupted, dead).
  void watch(pid_t tid);
  void forget(pid_t tid);
  // Whether the doorbell rang since the loop last asked.
  bool rung() { return rung_.exchange(0, std::memory_order_acq_rel) != 0; }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pid_t> tids_;
  bool stop_ = false;
  // An int: a one-byte atomic exchange needs libatomic on riscv64.
  std::atomic<int> rung_{0};
  std::thread thread_;
};

}  // namespace cocoon::tracer
