#include "cocoon/tracer/launcher.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "cocoon/tracer/seccomp_filter.h"

namespace cocoon::tracer {
namespace {

[[noreturn]] void child_fail(const char* what, int err, int status) {
  dprintf(STDERR_FILENO, "cocoon: %s: %s\n", what, std::strerror(err));
  _exit(status);
}

// Runs in the forked child: only async-signal-safe calls until execvp.
[[noreturn]] void child_main(int ready_fd, int sync_fd, char* const* argv,
                             const LaunchSpec& spec) {
  // Unblock only what cocoon's kill switch blocked (INT/TERM/HUP/QUIT): any
  // other signal the user blocked before starting cocoon stays blocked in
  // the guest, as it would be had the user run the command directly.
  sigset_t ours;
  sigemptyset(&ours);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&ours, sig);
  sigprocmask(SIG_UNBLOCK, &ours, nullptr);
  // The parent seizes only after this report (0 or chdir's errno): nothing
  // above is traced, even without seccomp, where every syscall after the
  // seize stops.
  if (spec.new_session) setsid();
  if (spec.child_subreaper) prctl(PR_SET_CHILD_SUBREAPER, 1);
  const int cd_err = !spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0 ? errno : 0;
  if (write(ready_fd, &cd_err, sizeof cd_err) != sizeof cd_err || cd_err != 0) _exit(125);
  close(ready_fd);
  char go = 0;
  if (read(sync_fd, &go, 1) != 1) _exit(125);  // the parent failed to seize us
  close(sync_fd);
  if (spec.landlock_fd >= 0) {
    // landlock_restrict_self(2) needs no_new_privs (or CAP_SYS_ADMIN); the
    // seccomp filter below needs it too.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail("prctl(PR_SET_NO_NEW_PRIVS)", errno, 125);
    if (syscall(SYS_landlock_restrict_self, spec.landlock_fd, 0) != 0) {
      child_fail("landlock_restrict_self", errno, 125);
    }
    close(spec.landlock_fd);
  }
  if (!spec.filter.empty()) {
    if (int err = install_filter(spec.filter); err != 0) {
      child_fail("installing the seccomp filter", err, 125);
    }
  }
  for (const auto& prog : spec.user_filters) {
    if (int err = install_filter(prog); err != 0) child_fail("installing --seccomp's program", err, 125);
  }
  execvp(argv[0], argv);
  const int err = errno;
  child_fail(argv[0], err, err == ENOENT || err == ENOTDIR ? 127 : 126);
}

std::expected<void, Error> wait_interrupt_stop(pid_t pid) {
  if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) != 0) {
    return std::unexpected(Error{errno, "ptrace(PTRACE_INTERRUPT) of the command"});
  }
  int status = 0;
  if (waitpid(pid, &status, __WALL) != pid) {
    return std::unexpected(Error{errno, "waiting for the command's first stop"});
  }
  return {};
}

}  // namespace

unsigned long ptrace_options() {
  return PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
         PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP;
}

std::expected<pid_t, Error> launch(const LaunchSpec& spec) {
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int sync[2], ready[2];
  if (pipe2(sync, O_CLOEXEC) != 0) return std::unexpected(Error{errno, "pipe2"});
  if (pipe2(ready, O_CLOEXEC) != 0) return std::unexpected(Error{errno, "pipe2"});
  const pid_t pid = fork();
  if (pid < 0) return std::unexpected(Error{errno, "fork"});
  if (pid == 0) {
    close(sync[1]);
    close(ready[0]);
    child_main(ready[1], sync[0], argv.data(), spec);
  }
  close(sync[0]);
  close(ready[1]);
  int child_err = EPIPE;
  if (read(ready[0], &child_err, sizeof child_err) != sizeof child_err) child_err = EPIPE;
  close(ready[0]);
  auto fail = [&](Error e) -> std::expected<pid_t, Error> {
    close(sync[1]);  // the child reads EOF and exits 125
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, __WALL);
    return std::unexpected(std::move(e));
  };
  if (child_err != 0) {
    close(sync[1]);
    waitpid(pid, nullptr, __WALL);
    return std::unexpected(Error{child_err, "entering the working directory " + spec.cwd});
  }
  if (ptrace(PTRACE_SEIZE, pid, 0, ptrace_options()) != 0) {
    return fail(Error{errno, "ptrace(PTRACE_SEIZE) of the command"});
  }
  if (spec.filter.empty()) {
    if (auto r = wait_interrupt_stop(pid); !r) return fail(r.error());
  }
  const char go = 1;
  if (write(sync[1], &go, 1) != 1) return fail(Error{errno, "starting the command"});
  close(sync[1]);
  return pid;
}

}  // namespace cocoon::tracer
