#include "cocoon/tracer/dispatch.h"

#include <cstdlib>

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

Decision combine(const HandlerList& handlers, const arch::SyscallDesc& row, arch::Arch abi) {
  Decision out = Decision::allow();
  Decision refusal = Decision::allow();  // the refusal some handler asked for, if any
  for (const auto& h : handlers) {
    const Decision wish = h->decision(row, abi);
    if (wish.refuses()) refusal = merge_refusals(refusal, wish, row.name);
    const Decision d = wish.unguarded();
    if (sees_entry(d.action) && sees_entry(out.action) && d.action != out.action) {
      // A stop for both, for every call: the notified handler sees each one.
      out = Decision::trace();
    } else if (rank(d.action) > rank(out.action)) {
      out = d;
    } else if (sees_entry(d.action) && d.action == out.action &&
               (d.nonzero_arg != out.nonzero_arg || d.when_bits != out.when_bits)) {
      // Two conditions, or one and none: act whenever either could hold.
      out = d.unconditional();
    }
  }
  // A constant answer for every call leaves nothing to refuse.
  if (!refusal.refuses() || out.action == Action::kErrno || out.action == Action::kKill) return out;
  return out.refusing(refusal.refuse_arg, refusal.refuse_bits, refusal.refuse_err);
}

// Bit i set: handler i traces the syscall.
std::uint32_t tracing_mask(const HandlerList& handlers, const arch::SyscallDesc& row,
                           arch::Arch abi) {
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < handlers.size(); ++i) {
    if (sees_entry(handlers[i]->decision(row, abi).action)) mask |= 1u << i;
  }
  return mask;
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

Policy build_policy(const HandlerList& handlers, arch::Arch host) {
  Policy policy(host);
  for (arch::Arch abi : policy.abis()) {
    for (const auto& row : arch::all_syscalls()) {
      if (row.exists_on(abi)) policy.set(abi, row.number(abi), combine(handlers, row, abi));
    }
  }
  return policy;
}

Dispatcher::Dispatcher(HandlerList handlers, arch::Arch host)
    : handlers_(std::move(handlers)), policy_(build_policy(handlers_, host)) {
  if (handlers_.size() > 32) std::abort();  // masks are 32 bits wide
  for (arch::Arch abi : policy_.abis()) {
    auto& masks = masks_[static_cast<std::size_t>(abi)];
    masks.assign(static_cast<std::size_t>(policy_.size(abi)), 0);
    for (const auto& row : arch::all_syscalls()) {
      if (row.exists_on(abi)) {
        masks[static_cast<std::size_t>(row.number(abi))] = tracing_mask(handlers_, row, abi);
      }
    }
  }
}

std::uint32_t Dispatcher::mask_of(arch::Arch abi, long nr) const {
  const auto& masks = masks_[static_cast<std::size_t>(abi)];
  if (nr < 0 || static_cast<unsigned long>(nr) >= masks.size()) return 0;
  return masks[static_cast<std::size_t>(nr)];
}

Verdict Dispatcher::on_entry(Tracee& t, arch::SyscallRegs& regs) {
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), regs.nr());
  if (row == nullptr) return Verdict::deny(ENOSYS);
  const std::uint32_t mask = mask_of(regs.abi(), regs.nr());
  GuestMemory memory(t.tid);
  SyscallStop stop{t, regs, *row, memory};
  t.exit_handlers = 0;
  for (int i = 0; i < 6; ++i) t.guest_args[static_cast<std::size_t>(i)] = regs.arg(i);
  Verdict result = Verdict::resume();
  for (std::size_t i = 0; i < handlers_.size(); ++i) {
    if ((mask & (1u << i)) == 0) continue;
    const Verdict v = handlers_[i]->on_entry(stop);
    if (v.kind == Verdict::Kind::kInstallFd) {
      // Only a notification can install a descriptor (SyscallStop::via).
      log().critical("{}: handler {} answered {} with a descriptor at a ptrace stop", t.tid,
                     handlers_[i]->name(), row->name);
      std::abort();
    }
    if (v.want_exit) t.exit_handlers |= 1u << i;
    if (v.kind == Verdict::Kind::kSkip) {
      result = v;
      break;
    }
  }
  result.want_exit = t.exit_handlers != 0 && result.kind == Verdict::Kind::kResume;
  if (result.want_exit) {
    t.entry_nr = regs.nr();
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
  const std::uint32_t mask = mask_of(regs.abi(), regs.nr());
  SyscallStop stop{t, regs, *row, memory, via};
  for (std::size_t i = 0; i < handlers_.size(); ++i) {
    if ((mask & (1u << i)) == 0) continue;
    const Verdict v = handlers_[i]->on_entry(stop);
    if (v.want_exit || regs.edited()) {
      log().error("{}: handler {} edited a notified {} (a kNotify handler must not)", t.tid,
                  handlers_[i]->name(), row->name);
      return Verdict::deny(ENOSYS);
    }
    if (v.kind == Verdict::Kind::kInstallFd && via != Via::kNotification) {
      log().critical("{}: handler {} answered {} with a descriptor while settling it", t.tid,
                     handlers_[i]->name(), row->name);
      std::abort();
    }
    if (v.kind != Verdict::Kind::kResume) return v;
  }
  return Verdict::resume();
}

void Dispatcher::on_exit(Tracee& t, arch::SyscallRegs& regs) {
  const std::uint32_t mask = t.exit_handlers;
  t.exit_handlers = 0;
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), t.entry_nr);
  if (row == nullptr || mask == 0) return;
  if (restart_with_guest_args(t, regs)) return;
  GuestMemory memory(t.tid);
  SyscallStop stop{t, regs, *row, memory};
  for (std::size_t i = handlers_.size(); i-- > 0;) {
    if (mask & (1u << i)) handlers_[i]->on_exit(stop);
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

void Dispatcher::on_exec(Tracee& t) {
  GuestMemory memory(t.tid);
  for (const auto& h : handlers_) h->on_exec(t, memory);
}

}  // namespace cocoon::tracer
