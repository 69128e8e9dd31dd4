#include "cocoon/cbpf/filter_stack.h"

#include "cocoon/cbpf/filter.h"

namespace cocoon::cbpf {
namespace {

// ACTION_ONLY() (kernel/seccomp.c): the action bits as a signed number,
// so that SECCOMP_RET_KILL_PROCESS (0x80000000) ranks first.
std::int32_t action_only(std::uint32_t ret) {
  return static_cast<std::int32_t>(ret & SECCOMP_RET_ACTION_FULL);
}

}  // namespace

Stack push(const Stack& stack, std::vector<sock_filter> prog) {
  return std::make_shared<const FilterStack>(std::move(prog), stack);
}

bool stronger(std::uint32_t a, std::uint32_t b) { return action_only(a) < action_only(b); }

std::uint32_t evaluate(const FilterStack* stack, const seccomp_data& data) {
  std::uint32_t ret = SECCOMP_RET_ALLOW;
  for (const FilterStack* f = stack; f != nullptr; f = f->older().get()) {
    const std::uint32_t cur = run(f->program(), data);
    // Strictly stronger: among equal actions the first run, the newest, stays.
    if (stronger(cur, ret)) ret = cur;
  }
  return ret;
}

}  // namespace cocoon::cbpf
