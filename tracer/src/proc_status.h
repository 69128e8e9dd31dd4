// Facts about a task read from /proc, for events that do not carry them.
#pragma once

#include <sys/types.h>

#include <optional>

namespace cocoon::tracer {

// The thread group of `tid` (the Tgid: line of /proc/TID/status).
std::optional<pid_t> read_tgid(pid_t tid);
// Its parent process (PPid:).
std::optional<pid_t> read_ppid(pid_t tid);
// Its scheduler state (R running or waiting for a CPU, S, D, T, t, Z...:
// proc_pid_stat(5)), from /proc/TID/task/TID/stat: the thread's own, where
// /proc/TID/stat walks the whole thread group for its sums
// (do_task_stat(whole)).
std::optional<char> read_state(pid_t tid);
// Whether `sig` is blocked by the thread `tid` (SigBlk:, its own mask) or
// ignored by its process (SigIgn:, the shared dispositions).
std::optional<bool> signal_blocked_or_ignored(pid_t tid, int sig);

}  // namespace cocoon::tracer
