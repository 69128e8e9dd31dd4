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
// Whether a signal is pending for the thread `tid` (SigPnd:, its own, or
// ShdPnd:, its process's) that it would take: not blocked, not ignored,
// and not one whose default action is to be ignored while it has no
// handler (SIGCHLD, SIGCONT, SIGURG, SIGWINCH: the kernel queues those
// for a traced task only, for its tracer to see: sig_ignored(),
// kernel/signal.c). Such a signal ends an interruptible sleep natively.
std::optional<bool> signal_deliverable(pid_t tid);

}  // namespace cocoon::tracer
