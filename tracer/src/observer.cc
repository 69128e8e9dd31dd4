#include "cocoon/tracer/observer.h"

#include "observed_call.h"

namespace cocoon::tracer {
namespace {

// Traces what the observer asks for beyond the handlers' needs; does
// nothing at the stop, so the other handlers decide as in a plain run.
class ObserverRows : public SyscallHandler {
 public:
  explicit ObserverRows(const TraceObserver& o) : observer_(o) {}
  std::string_view name() const override { return "observer"; }
  Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override {
    return observer_.traces(row, abi) ? Decision::trace().in(Phase::kFixup) : Decision::allow();
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }

 private:
  const TraceObserver& observer_;
};

}  // namespace

HandlerList attach_observer(HandlerList handlers, TraceObserver* observer) {
  if (observer == nullptr) return handlers;
  // A conflict among the handlers stops the run before the first call.
  if (auto policy = build_policy(handlers)) observer->set_policy(*policy);
  handlers.push_back(std::make_unique<ObserverRows>(*observer));
  return handlers;
}

ObservedCall::ObservedCall(TraceObserver* observer, Tracee& t, const arch::SyscallRegs& regs)
    : observer_(observer), t_(t) {
  if (observer_ == nullptr) return;
  stopped_at_ = Clock::now();
  if (!observer_->wants(t, regs)) return;
  before_ = regs;
  t_.notes = &notes_;
}

void ObservedCall::finish(const arch::SyscallRegs& after, const Verdict& v) {
  t_.notes = nullptr;
  if (!before_) return;
  const bool exit = observer_->on_entry({t_, *before_, after, v, notes_, stopped_at_});
  t_.observe_exit = exit && v.kind == Verdict::Kind::kResume;
}

}  // namespace cocoon::tracer
