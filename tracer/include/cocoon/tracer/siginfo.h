// The siginfo of a tracee in a signal-delivery stop, read and rewritten
// with PTRACE_GETSIGINFO / PTRACE_SETSIGINFO (ptrace(2)): what the guest's
// handler, or sigwaitinfo, will see.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>

namespace cocoon::tracer {

std::optional<siginfo_t> get_siginfo(pid_t tid);
bool set_siginfo(pid_t tid, const siginfo_t& info);

}  // namespace cocoon::tracer
