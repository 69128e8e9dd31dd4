// The host's /proc shown in a view (`--proc`) lists every process, and a
// process of the same user outside the guest gives itself away through
// the files the kernel guards with a ptrace access check
// (ptrace_may_access(), fs/proc/base.c): its environment, its memory, its
// descriptors and working directory as magic links. Landlock refuses those
// across its domain; without it only this check stands between a guest
// and, say, the user's shell's open files (docs/threat-model.md).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace cocoon::syscalls {

// Whether `host` (a resolved host path) is /proc/PID/ENTRY or
// /proc/PID/task/TID/ENTRY of a process this cocoon does not trace (every
// guest task is its tracee, from its first instruction), ENTRY not
// one of the world-readable summaries ps and top read (stat, status,
// cmdline...). The directories themselves may be listed.
bool private_to_an_outsider(std::string_view host);

// The process whose private entry `host` is (/proc/PID/ENTRY or
// /proc/PID/task/TID/ENTRY, ENTRY not a summary, as above), whoever
// traces it: a guest process that made itself not dumpable keeps those
// from the guest's other processes too (guard/dumpable.h; the kernel's
// ptrace access check, EACCES). nullopt for any other path.
std::optional<pid_t> private_entry_of(std::string_view host);

}  // namespace cocoon::syscalls
