#include "cocoon/tracer/dispatch.h"

#include <bit>
#include <cstdlib>
#include <span>
#include <utility>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::tracer {
namespace {

int rank(Action a) {
  switch (a) {
    case Action::kAllow: return 0;
    case Action::kNotify: return 1;
    case Action::kTrace: return 2;
    case Action::kErrno: return 3;
    case Action::kKill: return 4;
  }
  return 4;
}

bool sees_entry(Action a) { return a == Action::kTrace || a == Action::kNotify; }

bool emulates(const Decision& d) { return sees_entry(d.action) && d.phase == Phase::kEmulate; }

// Two handlers refusing flags of one row must test the same argument and
// answer the same errno: the filter has one refusal per row. Their bits add
// up.
Decision merge_refusals(const Decision& have, const Decision& wish, std::string_view name) {
  if (!have.refuses()) return wish;
  if (have.refuse_arg != wish.refuse_arg || have.refuse_err != wish.refuse_err) {
    log().critical("two handlers refuse different arguments of {}", name);
    std::abort();
  }
  return have.refusing(have.refuse_arg, have.refuse_bits | wish.refuse_bits, have.refuse_err);
}

// Two handlers testing values of one row must test the same argument, and
// refuse with the same errno: the filter's leaf has one value test. Their
// values add up.
Decision merge_values(const Decision& have, const Decision& wish, std::string_view name) {
  if (!have.tests_values()) return wish;
  const bool both_refuse = have.refuse_count > 0 && wish.refuse_count > 0;
  if (have.value_arg != wish.value_arg || (both_refuse && have.value_err != wish.value_err)) {
    log().critical("two handlers test different values of {}", name);
    std::abort();
  }
  Decision out = have;
  if (out.refuse_count == 0) out.value_err = wish.value_err;
  for (std::uint8_t i = 0; i < wish.refuse_count; ++i) {
    Decision::add_value(out.refuse_values, out.refuse_count, wish.refuse_values[i]);
  }
  for (std::uint8_t i = 0; i < wish.trace_count; ++i) {
    Decision::add_value(out.trace_values, out.trace_count, wish.trace_values[i]);
  }
  return out;
}

// `out` with one more handler's wish `d` (without its refusal), as the
// filter sees it.
Decision merge(Decision out, const Decision& d) {
  if (sees_entry(d.action) && sees_entry(out.action) && d.action != out.action) {
    return Decision::trace();  // a stop for both, for every call: the notified handler sees each one
  }
  if (rank(d.action) > rank(out.action)) {
    Decision kept{d.action, d.err, d.nonzero_arg};
    kept.when_bits = d.when_bits;
    return kept;
  }
  if (sees_entry(d.action) && d.action == out.action &&
      (d.nonzero_arg != out.nonzero_arg || d.when_bits != out.when_bits)) {
    return Decision{d.action, d.err};  // two conditions, or one and none: act whenever either could hold
  }
  return out;
}

// `out` with the refusal and the value tests some handlers asked for in
// front of it. A constant answer for every call leaves nothing to refuse.
Decision guarded(const Decision& out, const Decision& refusal, const Decision& values) {
  if (out.action == Action::kErrno || out.action == Action::kKill) return out;
  Decision d = out;
  if (refusal.refuses()) d = d.refusing(refusal.refuse_arg, refusal.refuse_bits, refusal.refuse_err);
  if (values.tests_values()) {
    d.value_arg = values.value_arg;
    d.value_err = values.value_err;
    d.refuse_values = values.refuse_values;
    d.refuse_count = values.refuse_count;
    d.trace_values = values.trace_values;
    d.trace_count = values.trace_count;
  }
  return d;
}

std::string conflict(const HandlerList& handlers, std::size_t a, std::size_t b,
                     const arch::SyscallDesc& row) {
  return "handlers " + std::string(handlers[a]->name()) + " and " +
         std::string(handlers[b]->name()) + " both emulate " + std::string(row.name);
}

// The index of the one handler that emulates the row among those whose
// decision yields to an owner (`yielding`) or not; -1: none.
std::expected<int, std::string> owner(const HandlerList& handlers,
                                      std::span<const Decision> ds, bool yielding,
                                      const arch::SyscallDesc& row) {
  int found = -1;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (!emulates(ds[i]) || ds[i].yields_to_owner != yielding) continue;
    if (found >= 0) return std::unexpected(conflict(handlers, static_cast<std::size_t>(found), i, row));
    found = static_cast<int>(i);
  }
  return found;
}

// One row on one ABI: the filter's decision, and who sees its entry in
// which phase.
// `ds` holds one decision per handler (the caller's, reused: a
// Decision is 140 bytes, and a plan asks for some thousand rows).
std::expected<std::pair<Decision, PhaseMasks>, std::string> plan_row(
    const HandlerList& handlers, const arch::SyscallDesc& row, arch::Arch abi, std::vector<Decision>& ds) {
  for (std::size_t i = 0; i < handlers.size(); ++i) ds[i] = handlers[i]->decision(row, abi);
  const std::span<const Decision> all(ds.data(), handlers.size());
  auto own = owner(handlers, all, false, row);
  if (!own) return std::unexpected(own.error());
  if (auto fallback = owner(handlers, all, true, row); !fallback) {
    return std::unexpected(fallback.error());
  }
  Decision out = Decision::allow();
  Decision refusal = Decision::allow();  // the refusal some handler asked for, if any
  Decision values = Decision::allow();   // the values handlers refuse or stop at, if any
  PhaseMasks masks;
  std::uint64_t key = 0;  // the agent's pass, if a handler gives one
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Decision& d = all[i];
    // Most handlers let most rows run: nothing to merge (and no copy).
    if (d.action == Action::kAllow && !d.refuses() && !d.tests_values() && d.trace_count == 0 && d.pass_key == 0) {
      continue;
    }
    if (d.yields_to_owner && *own >= 0) continue;
    if (d.pass_key != 0) key = d.pass_key;
    if (d.refuses()) refusal = merge_refusals(refusal, d, row.name);
    if (d.tests_values()) values = merge_values(values, d, row.name);
    out = merge(out, d.unguarded());
    if (!sees_entry(d.action) && d.trace_count == 0) continue;
    std::uint32_t& m = d.phase == Phase::kTranslate ? masks.translate
                       : d.phase == Phase::kEmulate ? masks.emulate
                                                    : masks.fixup;
    m |= 1u << i;
  }
  Decision planned = guarded(out, refusal, values);
  if (sees_entry(planned.action)) planned.pass_key = key;
  return std::pair{planned, masks};
}

// The policy of `handlers` on `host`, and into `masks` (when not null) who
// sees each entry.
std::expected<Policy, std::string> plan(const HandlerList& handlers, arch::Arch host,
                                        std::array<std::vector<PhaseMasks>, arch::kArchCount>* masks) {
  if (handlers.size() > 32) std::abort();  // masks are 32 bits wide
  Policy policy(host);
  std::vector<Decision> ds(handlers.size());
  for (arch::Arch abi : policy.abis()) {
    std::vector<PhaseMasks>* by_nr = masks ? &(*masks)[static_cast<std::size_t>(abi)] : nullptr;
    if (by_nr) by_nr->assign(static_cast<std::size_t>(policy.size(abi)), PhaseMasks{});
    for (const auto& row : arch::all_syscalls()) {
      if (!row.exists_on(abi)) continue;
      auto r = plan_row(handlers, row, abi, ds);
      if (!r) return std::unexpected(r.error());
      policy.set(abi, row.number(abi), r->first);
      if (by_nr) (*by_nr)[static_cast<std::size_t>(row.number(abi))] = r->second;
    }
  }
  return policy;
}

// The handlers of `m` in the order their entries run: translate, emulate,
// fix up, each phase in list order. `f(i)` false ends the walk.
template <typename F>
void for_each_entry(const PhaseMasks& m, F&& f) {
  for (std::uint32_t mask : {m.translate, m.emulate, m.fixup}) {
    for (; mask != 0; mask &= mask - 1) {
      if (!f(static_cast<std::size_t>(std::countr_zero(mask)))) return;
    }
  }
}

// -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND (include/linux/errno.h):
// a signal interrupted the call, and unless a handler without SA_RESTART
// runs, the kernel runs it again from the registers as they are
// (arch_do_signal_or_restart()), which is what the exit stop sees: a
// rewritten argument would be taken as the guest's own and translated
// twice (a pid read as a virtual number, a host path as a guest path).
// The guest's arguments go back, and the restarted call stops at entry
// again. arm64 and riscv64 restart arg0 from orig_x0 / orig_a0, saved
// before the entry stop; their arg0 register holds the result here.
bool restart_with_guest_args(const Tracee& t, arch::SyscallRegs& regs) {
  const std::int64_t r = regs.result();
  if (r != -512 && r != -513 && r != -514) return false;
  const int first = regs.abi() == arch::Arch::kX86_64 || regs.abi() == arch::Arch::kI386 ? 0 : 1;
  for (int i = first; i < 6; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    if (t.guest_args[idx] != t.entry_args[idx]) regs.set_arg(i, t.guest_args[idx]);
  }
  return true;
}

}  // namespace

std::expected<Policy, std::string> build_policy(const HandlerList& handlers, arch::Arch host) {
  return plan(handlers, host, nullptr);
}

Dispatcher::Dispatcher(HandlerList handlers, arch::Arch host)
    : handlers_(std::move(handlers)), policy_(host) {
  auto p = plan(handlers_, host, &masks_);
  if (p) {
    policy_ = std::move(*p);
  } else {
    conflict_ = p.error();
    for (auto& m : masks_) m.clear();
  }
}

const PhaseMasks& Dispatcher::masks_of(arch::Arch abi, long nr) const {
  static const PhaseMasks kNone;
  const auto& masks = masks_[static_cast<std::size_t>(abi)];
  if (nr < 0 || static_cast<unsigned long>(nr) >= masks.size()) return kNone;
  return masks[static_cast<std::size_t>(nr)];
}

Verdict Dispatcher::on_entry(Tracee& t, arch::SyscallRegs& regs) {
  const long nr = regs.nr();
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), nr);
  if (row == nullptr) return Verdict::deny(ENOSYS);
  GuestMemory memory(t.tid);
  SyscallStop stop{t, regs, *row, memory};
  t.exit_handlers = 0;
  for (int i = 0; i < 6; ++i) t.guest_args[static_cast<std::size_t>(i)] = regs.arg(i);
  Verdict result = Verdict::resume();
  for_each_entry(masks_of(regs.abi(), nr), [&](std::size_t i) {
    const Verdict v = handlers_[i]->on_entry(stop);
    if (v.kind == Verdict::Kind::kInstallFd) {
      // Only a notification can install a descriptor (SyscallStop::via).
      log().critical("{}: handler {} answered {} with a descriptor at a ptrace stop", t.tid,
                     handlers_[i]->name(), row->name);
      std::abort();
    }
    if (v.want_exit) t.exit_handlers |= 1u << i;
    if (v.kind == Verdict::Kind::kResume) return true;
    result = v;
    return false;
  });
  // A held entry may yet run (StopControl::release): its exits are kept.
  result.want_exit = t.exit_handlers != 0 && (result.kind == Verdict::Kind::kResume ||
                                              result.kind == Verdict::Kind::kHold);
  if (result.want_exit) {
    // The row the handlers saw: a translation may change the number the
    // kernel runs (riscv64's execve made execveat).
    t.entry_nr = nr;
    for (int i = 0; i < 6; ++i) t.entry_args[static_cast<std::size_t>(i)] = regs.arg(i);
  } else {
    t.exit_handlers = 0;
  }
  return result;
}

Verdict Dispatcher::on_notification(Tracee& t, arch::SyscallRegs& regs,
                                    const GuestMemory& memory, Via via) {
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), regs.nr());
  if (row == nullptr) return Verdict::deny(ENOSYS);
  SyscallStop stop{t, regs, *row, memory};
  stop.via = via;
  Verdict result = Verdict::resume();
  for_each_entry(masks_of(regs.abi(), regs.nr()), [&](std::size_t i) {
    const Verdict v = handlers_[i]->on_entry(stop);
    if (v.want_exit || regs.edited()) {
      log().error("{}: handler {} edited a notified {} (a kNotify handler must not)", t.tid,
                  handlers_[i]->name(), row->name);
      result = Verdict::deny(ENOSYS);
      return false;
    }
    if (v.kind == Verdict::Kind::kHold) {
      // Only a ptrace stop can be kept (handler.h).
      log().critical("{}: handler {} held a notified {}", t.tid, handlers_[i]->name(), row->name);
      std::abort();
    }
    if (v.kind == Verdict::Kind::kInstallFd && via != Via::kNotification) {
      log().critical("{}: handler {} answered {} with a descriptor while settling it", t.tid,
                     handlers_[i]->name(), row->name);
      std::abort();
    }
    if (v.kind == Verdict::Kind::kResume) return true;
    result = v;
    return false;
  });
  return result;
}

void Dispatcher::on_exit(Tracee& t, arch::SyscallRegs& regs) {
  const std::uint32_t mask = t.exit_handlers;
  t.exit_handlers = 0;
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), t.entry_nr);
  if (row == nullptr || mask == 0) return;
  if (restart_with_guest_args(t, regs)) return;
  GuestMemory memory(t.tid);
  SyscallStop stop{t, regs, *row, memory};
  const PhaseMasks& m = masks_of(regs.abi(), t.entry_nr);
  for (std::uint32_t phase : {m.fixup, m.emulate, m.translate}) {
    for (std::uint32_t left = phase & mask; left != 0;) {
      const int i = 31 - std::countl_zero(left);
      left &= ~(1u << i);
      handlers_[static_cast<std::size_t>(i)]->on_exit(stop);
    }
  }
}

void Dispatcher::on_clone(const Tracee& parent, const Tracee& child) {
  for (const auto& h : handlers_) h->on_clone(parent, child);
}

int Dispatcher::on_signal(Tracee& t, int signal) {
  for (const auto& h : handlers_) {
    if (signal == 0) break;
    signal = h->on_signal(t, signal);
  }
  return signal;
}

void Dispatcher::on_death(const Tracee& t) {
  for (const auto& h : handlers_) h->on_death(t);
}

void Dispatcher::on_hold_interrupted(const Tracee& t) {
  for (const auto& h : handlers_) h->on_hold_interrupted(t);
}

void Dispatcher::on_start(StopControl& control) {
  for (const auto& h : handlers_) h->on_start(control);
}

void Dispatcher::on_syscall_report(Tracee& t, bool at_entry) {
  for (const auto& h : handlers_) h->on_syscall_report(t, at_entry);
}

void Dispatcher::on_event_stop(Tracee& t, const EventStop& stop) {
  for (const auto& h : handlers_) h->on_event_stop(t, stop);
}

void Dispatcher::on_exec(Tracee& t) {
  GuestMemory memory(t.tid);
  for (const auto& h : handlers_) h->on_exec(t, memory);
}

}  // namespace cocoon::tracer
