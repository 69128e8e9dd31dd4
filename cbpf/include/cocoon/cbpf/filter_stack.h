// A task's stack of seccomp filters, newest first, as the kernel keeps it
// (struct seccomp_filter's `prev` chain, kernel/seccomp.c): shared, never
// changed once made. A new filter is pushed onto a new stack whose older
// part is the old one, so tasks that inherited the same filters share
// them (fork, clone and execve keep a task's filters; a thread that
// installs one changes its own stack only, unless it asks for TSYNC).
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace cocoon::cbpf {

class FilterStack;
using Stack = std::shared_ptr<const FilterStack>;

class FilterStack {
 public:
  // `prog` must have passed check() (filter.h).
  FilterStack(std::vector<sock_filter> prog, Stack older)
      : prog_(std::move(prog)), older_(std::move(older)) {}

  std::span<const sock_filter> program() const { return prog_; }
  const Stack& older() const { return older_; }

 private:
  std::vector<sock_filter> prog_;
  Stack older_;
};

// `stack` with `prog` on top. `prog` must have passed check() (filter.h).
Stack push(const Stack& stack, std::vector<sock_filter> prog);

// The action the kernel takes for `data`: every filter's answer, newest
// first, the strongest action winning and, among equal actions, the
// newest filter's data (seccomp_run_filters(), kernel/seccomp.c). With no
// filter, SECCOMP_RET_ALLOW.
std::uint32_t evaluate(const FilterStack* stack, const seccomp_data& data);

// The order of actions, strongest first: KILL_PROCESS > KILL_THREAD >
// TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW, compared as the
// kernel does, on the action bits taken as signed (ACTION_ONLY()).
// An action the kernel does not know ranks by its value too, and the
// kernel kills for it (__seccomp_filter(), the default case).
bool stronger(std::uint32_t a, std::uint32_t b);

// Whether the kernel runs a call this action was taken for: ALLOW and
// LOG run it; TRACE depends on a tracer.
inline bool runs(std::uint32_t action) {
  const std::uint32_t a = action & SECCOMP_RET_ACTION_FULL;
  return a == SECCOMP_RET_ALLOW || a == SECCOMP_RET_LOG;
}

}  // namespace cocoon::cbpf
