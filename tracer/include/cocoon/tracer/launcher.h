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
  // Both installed with SECCOMP_FILTER_FLAG_SPEC_ALLOW unless false
  // (TracerOptions::spec_mitigation).
  bool spec_allow = true;
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
  // Make stdio[0], a terminal's slave, the command's controlling terminal
  // (TIOCSCTTY, tty_ioctl(4)) once it leads a session of its own
  // (new_session), as runc's init does with a --console-socket's pty.
  bool controlling_terminal = false;
  // Close every other descriptor the child inherited from cocoon before
  // it becomes dumpable again (an entered command: forked from a cocoon
  // holding its listener, database and control socket, and seized, hence
  // a guest, before its exec).
  bool close_inherited = false;
  // Resource limits (resource, soft and hard) the child sets on itself
  // before it is seized (an OCI bundle's process.rlimits): setrlimit(2)
  // there is cocoon's own call, never a guest's.
  std::vector<std::pair<int, rlimit>> rlimits;
  // A FIFO that holds the command before its exec until the OCI `start`
  // reads it (runc's exec.fifo). The child is seized and confined first,
  // so the run follows it (and `cocoon oci exec` can enter it) while it
  // waits; it then waits on a pipe, not on the FIFO, so that no path of
  // cocoon's is ever a guest's call (without seccomp every call after the
  // seize stops, and a view would translate it). A thread of cocoon's
  // opens the FIFO for writing, which blocks until a reader opens it
  // (fifo(7)), writes it one byte (the reader's sign that the command goes
  // on) and releases the child. Empty: no hold.
  std::string hold_fifo;
  // An entered command's working directory and ids of the caller's choice
  // (`cocoon oci exec --cwd/--user`): the child makes chdir(2), then
  // setresgid(2) and setresuid(2), itself once confined, as the guest it
  // is, so that the run's handlers answer them as any guest's (the view
  // translates the path; the emulated credentials decide what may be set).
  // A refusal ends the child with 125, said on its stderr.
  std::string guest_cwd;
  std::optional<std::pair<uid_t, gid_t>> guest_ids;
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
