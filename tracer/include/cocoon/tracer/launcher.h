// Starts the command with the tracer attached from its first instruction.
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <array>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/tracer/error.h"

namespace cocoon::tracer {

// How a command execvp(3) cannot run is reported: `prefix` then its name
// and strerror on stderr; the status `status`, or as shells do (127 not
// found, 126 not executable) when 0. bwrap says "bwrap: execvp NAME: ..."
// and exits 1.
struct ExecFailure {
  std::string prefix = "cocoon: ";
  int status = 0;
};

struct LaunchSpec {
  std::vector<std::string> argv;
  // Not empty: the program's argv[0] (bwrap's --argv0); argv's first word
  // still names the program execvp(3) runs.
  std::string argv0;
  // Empty: no seccomp filter; the tracer then stops the child right after the
  // seize so it can trace with PTRACE_SYSCALL from before execve.
  std::vector<sock_filter> filter;
  // Not empty: the program installed in place of `filter`, with a
  // notification listener for its SECCOMP_RET_USER_NOTIF answers (the
  // parent takes the descriptor with pidfd_getfd(2)). `filter`, the same
  // policy with those answers made SECCOMP_RET_TRACE, is installed instead
  // when the kernel refuses a listener: EBUSY, a filter on cocoon itself
  // has one (seccomp(2)); EINVAL, a kernel before 5.19 (install_filter).
  std::vector<sock_filter> notify_filter;
  // The host directory the command starts in; empty: cocoon's own. Entered
  // before the tracer attaches, so the chdir is never itself translated.
  std::string cwd;
  // A Landlock ruleset the child enforces on itself before exec (-1: none).
  int landlock_fd = -1;
  // setsid(2) before exec: the command leaves cocoon's terminal session
  // (bwrap's --new-session: no TIOCSTI into the caller's terminal).
  bool new_session = false;
  // A command that cannot be executed: the line on stderr and the status.
  ExecFailure exec_failure;
  // PR_SET_CHILD_SUBREAPER before exec (kept across it, prctl(2)): the
  // command's orphaned descendants are reparented to it rather than to
  // cocoon, as they are to PID 1 of a PID namespace.
  bool child_subreaper = false;
  // The user's own seccomp programs (bwrap --seccomp / --add-seccomp-fd),
  // installed after cocoon's: the kernel runs every filter and the most
  // restrictive answer wins (seccomp(2)), so the user's denials hold and
  // cocoon still sees what it traces.
  std::vector<std::vector<sock_filter>> user_filters;
  // A command entered into a running run (`cocoon enter`, Tracer::enter):
  // its environment (nullopt: cocoon's) and its standard descriptors
  // (-1: cocoon's), the caller's, made 0, 1 and 2 before exec.
  std::optional<std::vector<std::string>> env;
  std::array<int, 3> stdio{-1, -1, -1};
  // Close every other descriptor the child inherited from cocoon before
  // it becomes dumpable again (an entered command: forked from a cocoon
  // holding its listener, database and control socket, and seized, hence
  // a guest, before its exec).
  bool close_inherited = false;
  // Resource limits (resource, soft and hard) the child sets on itself
  // before it is seized (an OCI bundle's process.rlimits): setrlimit(2)
  // there is cocoon's own call, never a guest's.
  std::vector<std::pair<int, rlimit>> rlimits;
  // A FIFO the child opens for writing, and writes one byte to, before it
  // reports ready: open(2) of a FIFO for writing blocks until someone opens
  // it for reading (fifo(7)), so the child waits there, not yet seized,
  // until the OCI `start` reads it (runc's exec.fifo). `on_held` is told
  // the child's pid as soon as it is forked. Empty: no hold.
  std::string hold_fifo;
  std::function<void(pid_t)> on_held;
};

// fork; the child waits on a pipe until the parent has PTRACE_SEIZEd it, then
// installs the filter and execs, so execve itself is already filtered and
// traced. A command that cannot be executed ends the child with 127 (not
// found) or 126 (not executable), as shells do.
struct Launched {
  pid_t pid = -1;
  int listener = -1;  // the notification listener, the caller's to close; -1: none
};
std::expected<Launched, Error> launch(const LaunchSpec& spec);

// The options every tracee carries (ptrace(2)); EXITKILL: if cocoon dies, so
// does every tracee, so nothing runs on unsupervised. TRACESECCOMP where
// the tracer above allows it (arch::filter_stops_reported()).
unsigned long ptrace_options();

}  // namespace cocoon::tracer
