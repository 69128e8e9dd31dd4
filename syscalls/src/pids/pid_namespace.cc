#include "pid_namespace.h"

#include <algorithm>

namespace cocoon::syscalls {

pid_t PidNamespace::add(pid_t real) {
  if (auto it = live_.find(real); it != live_.end()) by_virtual_.erase(it->second);
  if (auto it = retired_.find(real); it != retired_.end()) {
    by_virtual_.erase(it->second);
    retired_.erase(it);
  }
  const pid_t v = next_++;
  live_[real] = v;
  by_virtual_[v] = Entry{real, State::kLive};
  if (parent_) parent_->member(real);
  return v;
}

pid_t PidNamespace::member(pid_t real) {
  if (auto it = live_.find(real); it != live_.end()) return it->second;
  return add(real);
}

std::optional<pid_t> PidNamespace::virtual_of(pid_t real) const {
  if (auto it = live_.find(real); it != live_.end()) return it->second;
  return std::nullopt;
}

std::optional<pid_t> PidNamespace::group_virtual_of(pid_t real) const {
  if (auto v = virtual_of(real)) return v;
  if (auto it = retired_.find(real); it != retired_.end()) return it->second;
  return std::nullopt;
}

std::optional<pid_t> PidNamespace::real_of(pid_t vpid) const {
  auto it = by_virtual_.find(vpid);
  if (it == by_virtual_.end() || it->second.state != State::kLive) return std::nullopt;
  return it->second.real;
}

std::optional<pid_t> PidNamespace::waitable_real_of(pid_t vpid) const {
  auto it = by_virtual_.find(vpid);
  if (it == by_virtual_.end() || it->second.state == State::kReaped) return std::nullopt;
  return it->second.real;
}

std::optional<pid_t> PidNamespace::group_real_of(pid_t vpid) const {
  auto it = by_virtual_.find(vpid);
  if (it == by_virtual_.end()) return std::nullopt;
  return it->second.real;
}

void PidNamespace::retire(pid_t real) {
  if (parent_) parent_->retire(real);
  auto it = live_.find(real);
  if (it == live_.end()) return;
  const pid_t v = it->second;
  live_.erase(it);
  retired_[real] = v;
  by_virtual_[v].state = State::kDead;
}

void PidNamespace::reaped(pid_t real) {
  if (parent_) parent_->reaped(real);
  retire(real);
  if (auto it = retired_.find(real); it != retired_.end()) {
    by_virtual_[it->second].state = State::kReaped;
  }
}

std::vector<std::pair<pid_t, pid_t>> PidNamespace::members() const {
  std::vector<std::pair<pid_t, pid_t>> out;
  out.reserve(live_.size());
  for (const auto& [real, v] : live_) out.emplace_back(v, real);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cocoon::syscalls
