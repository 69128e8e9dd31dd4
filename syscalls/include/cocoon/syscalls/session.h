// One run of a command under cocoon: the library entry point front ends call
// once they have filled a Session from their command line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "cocoon/arch/arch.h"
#include "cocoon/syscalls/config.h"
#include "cocoon/tracer/error.h"
#include "cocoon/tracer/tracer.h"

namespace cocoon::syscalls {

struct Session {
  RunConfig view;
  tracer::TracerOptions tracer;
  std::vector<std::string> argv;
  // `cocoon run --name`: what `cocoon ps` shows and `cocoon enter` takes
  // beside the run's id (docs/sandboxes.md); empty: the id only.
  std::string name;
  // Called once the command runs, with its pid and, for each namespace
  // kind bwrap reports (cgroup, ipc, mnt, net, pid, uts), the id the
  // command reads in /proc/self/ns/KIND: its emulated namespace's where
  // cocoon emulates that kind, else the kernel's (bwrap's --info-fd).
  std::function<void(pid_t, const std::vector<std::pair<std::string, std::uint64_t>>&)> on_launched_ns;
};

// Why a run could not start: one line, and cocoon's exit status for it (125,
// or sandboxes.h's kNameInUse).
struct RunError {
  std::string message;
  int status = 125;
  RunError(std::string m, int s = 125) : message(std::move(m)), status(s) {}  // NOLINT: implicit
};

// The status a shell would report for the command (see tracer::Tracer::run),
// or why it could not run (a bad option value, a failure of cocoon itself,
// a name in use).
std::expected<int, RunError> run_session(const Session& session);

// Prints the syscall table of `abi`: number, name, argument roles, and what
// `view` makes the filter do with it. only_intercepted: only the rows that
// are not simply allowed (traced, answered by the filter, or killed).
std::expected<void, std::string> print_syscalls(std::ostream& out, arch::Arch abi,
                                               const RunConfig& view, bool only_intercepted);

// Prints the guest's mount table the configuration makes (`cocoon mounts`).
std::expected<void, std::string> print_mounts(std::ostream& out, const RunConfig& view);

}  // namespace cocoon::syscalls
