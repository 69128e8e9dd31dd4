// The TracerPid line of /proc/PID/status under the emulated ptrace. The
// kernel shows the tracer's thread group id in the reader's view
// (proc_pid_status(): task_tgid_nr_ns(ptrace_parent(p), ns), ns being the
// pid namespace of the /proc instance read; 0 for a tracer that namespace
// does not hold, and 0 when untraced). Every guest task's real tracer is
// cocoon, which a guest must never see ("am I being debugged?" checks, gdb's
// "already traced by" message): a task of the run shows its emulated tracer
// (a guest debugger) or 0. docs/internals/ptrace.md, "TracerPid".
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "cocoon/tracer/registry.h"
#include "pids/pid_namespace.h"
#include "ptrace/ptrace.h"
#include "view/proc_status.h"

namespace cocoon::syscalls {

// `text` with its "TracerPid:" line's value made `tracer` (proc(5):
// "TracerPid:\t0"); a text without one is returned as it is. Pure.
std::string with_tracer_pid(const std::string& text, pid_t tracer);

// The editor of ProcStatusFiles for the emulated tracees (`pids`: the run's
// PID namespaces, null without them): a task the run does not follow keeps
// the host's line.
ProcStatusFiles::Editor tracer_pid_status_editor(std::shared_ptr<const EmulatedTracees> tracees,
                                                 std::shared_ptr<const PidNamespaces> pids,
                                                 tracer::ProcessRegistry& registry);

}  // namespace cocoon::syscalls
