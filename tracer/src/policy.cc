#include "cocoon/tracer/policy.h"

#include "cocoon/arch/syscall_table.h"

namespace cocoon::tracer {

Policy::Policy(arch::Arch host) : host_(host) {
  for (arch::Arch abi : abis()) {
    auto& v = by_abi_[static_cast<std::size_t>(abi)];
    v.assign(static_cast<std::size_t>(arch::max_syscall_number(abi)), unknown_decision());
    for (const auto& row : arch::all_syscalls()) {
      if (row.exists_on(abi)) v[static_cast<std::size_t>(row.number(abi))] = Decision::allow();
    }
  }
}

void Policy::set(arch::Arch abi, int nr, Decision d) {
  auto& v = by_abi_[static_cast<std::size_t>(abi)];
  if (nr >= 0 && static_cast<std::size_t>(nr) < v.size()) v[static_cast<std::size_t>(nr)] = d;
}

Decision Policy::decide(arch::Arch abi, long nr) const {
  const auto& v = by_abi_[static_cast<std::size_t>(abi)];
  if (nr < 0 || static_cast<unsigned long>(nr) >= v.size()) return unknown_decision();
  return v[static_cast<std::size_t>(nr)];
}

Policy Policy::without_notify() const {
  Policy out = *this;
  for (auto& v : out.by_abi_) {
    for (Decision& d : v) {
      if (d.action == Action::kNotify) d.action = Action::kTrace;  // a refusal stays
    }
  }
  return out;
}

bool Policy::notifies() const {
  for (const auto& v : by_abi_) {
    for (const Decision& d : v) {
      if (d.action == Action::kNotify) return true;
    }
  }
  return false;
}

int Policy::size(arch::Arch abi) const {
  return static_cast<int>(by_abi_[static_cast<std::size_t>(abi)].size());
}

const char* action_name(Action a) {
  switch (a) {
    case Action::kAllow: return "allow";
    case Action::kTrace: return "trace";
    case Action::kNotify: return "notify";
    case Action::kErrno: return "errno";
    case Action::kKill: return "kill";
  }
  return "?";
}

}  // namespace cocoon::tracer
