// Facts about a task read from /proc, for events that do not carry them.
#pragma once

#include <sys/types.h>

#include <optional>

namespace cocoon::tracer {

// The thread group of `tid` (the Tgid: line of /proc/TID/status).
std::optional<pid_t> read_tgid(pid_t tid);
// Its parent process (PPid:).
std::optional<pid_t> read_ppid(pid_t tid);

}  // namespace cocoon::tracer
