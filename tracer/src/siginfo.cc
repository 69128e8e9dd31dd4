#include "cocoon/tracer/siginfo.h"

#include <sys/ptrace.h>

namespace cocoon::tracer {

std::optional<siginfo_t> get_siginfo(pid_t tid) {
  siginfo_t info{};
  if (ptrace(PTRACE_GETSIGINFO, tid, 0, &info) != 0) return std::nullopt;
  return info;
}

bool set_siginfo(pid_t tid, const siginfo_t& info) {
  return ptrace(PTRACE_SETSIGINFO, tid, 0, &info) == 0;
}

}  // namespace cocoon::tracer
