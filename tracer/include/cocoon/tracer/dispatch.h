// Routes each traced syscall to the handlers that asked for it, phase by
// phase, and derives the Policy (what the filter does with every number)
// from those handlers.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/policy.h"

namespace cocoon::tracer {

using HandlerList = std::vector<std::unique_ptr<SyscallHandler>>;

// Combines the handlers' wishes for every row on every ABI of `host`. A
// constant answer beats a trace (the call never runs), kill beats both; a
// refusal of flags (Decision::refusing) goes in front of the combined
// decision. A row has one emulating handler at most (Phase::kEmulate): two
// are an error, one line naming both and the syscall. A decision that
// yields to an owner (Decision::unless_owned) drops out where another
// handler emulates the row.
std::expected<Policy, std::string> build_policy(const HandlerList& handlers,
                                                arch::Arch host = arch::host_arch());

// Per syscall number: which handlers see its entry (bit i: handler i), by
// the phase they run in.
struct PhaseMasks {
  std::uint32_t translate = 0, emulate = 0, fixup = 0;
};

class Dispatcher {
 public:
  explicit Dispatcher(HandlerList handlers, arch::Arch host = arch::host_arch());

  const Policy& policy() const { return policy_; }
  // build_policy()'s error for these handlers, or empty. A dispatcher with
  // a conflict intercepts nothing, and the tracer refuses to start.
  const std::string& conflict() const { return conflict_; }

  // Runs the entry of the syscall in `regs`: the translating handlers, the
  // emulating one, the fix-ups, each phase in list order, until one skips.
  // Records in the tracee which handlers want the exit stop.
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
  // Runs the exit handlers the entry recorded, the other way round: fix-ups
  // first, the translating handlers last.
  void on_exit(Tracee& t, arch::SyscallRegs& regs);
  // Tells every handler that `t` has exec'd (handlers that care are few,
  // and an exec is rare next to syscalls).
  void on_exec(Tracee& t);
  void on_clone(const Tracee& parent, const Tracee& child);
  // The signal to deliver after every handler had its say.
  int on_signal(Tracee& t, int signal);
  void on_death(const Tracee& t);
  void on_hold_interrupted(const Tracee& t);
  void on_start(StopControl& control);
  void on_syscall_report(Tracee& t, bool at_entry);
  void on_event_stop(Tracee& t, const EventStop& stop);

 private:
  const PhaseMasks& masks_of(arch::Arch abi, long nr) const;

  HandlerList handlers_;
  Policy policy_;
  std::string conflict_;
  // Per ABI, per number. Computed once, so a stop costs no virtual calls
  // for handlers that are not interested.
  std::array<std::vector<PhaseMasks>, arch::kArchCount> masks_;
};

}  // namespace cocoon::tracer
