// Routes each traced syscall to the handlers that asked for it, and derives
// the Policy (what the filter does with every number) from those handlers.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/policy.h"

namespace cocoon::tracer {

using HandlerList = std::vector<std::unique_ptr<SyscallHandler>>;

// Combines the handlers' wishes for every row on every ABI of `host`. A
// constant answer beats a trace (the call never runs), kill beats both; a
// refusal of flags (Decision::refusing) goes in front of the combined
// decision.
Policy build_policy(const HandlerList& handlers, arch::Arch host = arch::host_arch());

class Dispatcher {
 public:
  explicit Dispatcher(HandlerList handlers, arch::Arch host = arch::host_arch());

  const Policy& policy() const { return policy_; }

  // Runs the entry chain of the syscall in `regs`: handlers in order, until one
  // skips. Records in the tracee which handlers want the exit stop.
  Verdict on_entry(Tracee& t, arch::SyscallRegs& regs);
  // Runs the entry chain of a call that arrived as a seccomp user
  // notification (Action::kNotify): the same handlers, with `memory`
  // confirming each read. The verdict is the answer (kSkip, kInstallFd) or
  // "let it run as it is" (kResume); a handler that edited `regs` or asked
  // for the exit breaks kNotify's contract, and the call fails with ENOSYS
  // rather than run without the edit. `via`: kSettle when the call is
  // answered at the signal-delivery stop that interrupted it (no
  // descriptor can be installed there).
  Verdict on_notification(Tracee& t, arch::SyscallRegs& regs, const GuestMemory& memory,
                          Via via = Via::kNotification);
  // Runs the exit handlers the entry recorded, in reverse order.
  void on_exit(Tracee& t, arch::SyscallRegs& regs);
  // Tells every handler that `t` has exec'd (handlers that care are few,
  // and an exec is rare next to syscalls).
  void on_exec(Tracee& t);
  void on_clone(const Tracee& parent, const Tracee& child);
  // The signal to deliver after every handler had its say.
  int on_signal(Tracee& t, int signal);
  void on_death(const Tracee& t);
 private:
  std::uint32_t mask_of(arch::Arch abi, long nr) const;

  HandlerList handlers_;
  Policy policy_;
  // Per ABI, per number: bit i set when handler i traces it. Computed once,
  // so a stop costs no virtual calls for handlers that are not interested.
  std::array<std::vector<std::uint32_t>, arch::kArchCount> masks_;
};

}  // namespace cocoon::tracer
