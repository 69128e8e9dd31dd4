// The tracer's side of an observed entry stop: copies the registers before
// the handlers run, points the tracee's note sink at a fresh one, and hands
// everything to the observer once the call is decided.
#pragma once

#include <optional>

#include "cocoon/tracer/observer.h"

namespace cocoon::tracer {

class ObservedCall {
 public:
  // Watches nothing when `observer` is null or does not want this call.
  ObservedCall(TraceObserver* observer, Tracee& t, const arch::SyscallRegs& regs);
  ~ObservedCall() { t_.notes = nullptr; }
  ObservedCall(const ObservedCall&) = delete;
  ObservedCall& operator=(const ObservedCall&) = delete;

  // Reports the decided call; sets Tracee::observe_exit when the observer
  // wants its exit.
  void finish(const arch::SyscallRegs& after, const Verdict& v);

 private:
  TraceObserver* observer_;
  Tracee& t_;
  std::optional<arch::SyscallRegs> before_;
  NoteSink notes_;
  Clock::time_point stopped_at_;
};

}  // namespace cocoon::tracer
