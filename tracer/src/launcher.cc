#include "cocoon/tracer/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>
#include <utility>

#include "cocoon/arch/kernel.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/seccomp_filter.h"

namespace cocoon::tracer {
namespace {

[[noreturn]] void child_fail(const char* what, int err, int status) {
  dprintf(STDERR_FILENO, "cocoon: %s: %s\n", what, std::strerror(err));
  _exit(status);
}

constexpr int kListenerTimeoutMs = 10000;

// cocoon's filter, with a listener when asked for one. The listener's
// number goes to the parent over `handshake`, which then takes its own
// copy (pidfd_getfd) and says so; the child's copy is closed. Every signal
// is held meanwhile: a ptraced child stops even for an ignored one
// (kernel/signal.c, sig_ignored() for a traced task), and the parent is not
// in waitpid to let it go on. Nothing here is a traced call (write, read,
// close), so no ptrace stop can wait for the parent either.
int install_cocoon_filter(const LaunchSpec& spec, int handshake) {
  if (spec.notify_filter.empty()) return install_filter(spec.filter, nullptr, spec.spec_allow);
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  int listener = -1;
  if (install_filter(spec.notify_filter, &listener, spec.spec_allow) != 0) {
    listener = -1;
    if (int err = install_filter(spec.filter, nullptr, spec.spec_allow); err != 0) return err;
  }
  char ack = 0;
  if (write(handshake, &listener, sizeof listener) != sizeof listener) _exit(125);
  if (listener >= 0 && read(handshake, &ack, 1) != 1) _exit(125);
  if (listener >= 0) close(listener);
  close(handshake);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return 0;
}

// An entered command's descriptors and environment (LaunchSpec::stdio,
// env), in the child before it reports ready. dup2 clears close-on-exec on
// the copy (dup(2)); the originals are cocoon's, close-on-exec.
void take_callers_stdio(const LaunchSpec& spec, char** env) {
  for (int i = 0; i < 3; ++i) {
    if (spec.stdio[static_cast<std::size_t>(i)] >= 0 &&
        dup2(spec.stdio[static_cast<std::size_t>(i)], i) < 0) {
      child_fail("dup2 of the caller's descriptor", errno, 125);
    }
  }
  if (env != nullptr) environ = env;
}

// Closes every descriptor from 3 up but those in `keep` (-1: none), with
// close_range(2) (5.9) where the kernel has it, else one by one up to the
// descriptor limit. Async-signal-safe.
void close_all_but(std::array<int, 4> keep) {
  std::sort(keep.begin(), keep.end());
  int from = 3;
  rlimit lim{};
  const unsigned top = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                           ? static_cast<unsigned>(lim.rlim_cur) : 1u << 20;
  auto close_span = [](unsigned lo, unsigned hi) {
    if (lo > hi) return;
    if (syscall(SYS_close_range, lo, hi, 0) == 0) return;
    for (unsigned fd = lo; fd <= hi; ++fd) close(static_cast<int>(fd));
  };
  for (int fd : keep) {
    if (fd < from) continue;
    close_span(static_cast<unsigned>(from), static_cast<unsigned>(fd - 1));
    from = fd + 1;
  }
  close_span(static_cast<unsigned>(from), top);
}

// LaunchSpec::hold_fifo, the child's half: one byte on `hold` from
// cocoon's opener thread (start_opener) lets it go on; the end of the pipe
// without one (cocoon could not open the FIFO) ends it.
void wait_for_start(int hold) {
  char go = 0;
  ssize_t n;
  while ((n = read(hold, &go, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) _exit(125);
  close(hold);
}

// LaunchSpec::guest_cwd and guest_ids, made by the confined child as the
// guest's own calls (the run's handlers answer them).
void take_guest_cwd_and_ids(const LaunchSpec& spec) {
  if (!spec.guest_cwd.empty() && chdir(spec.guest_cwd.c_str()) != 0) {
    const int err = errno;
    dprintf(STDERR_FILENO, "cocoon: --cwd %s: %s\n", spec.guest_cwd.c_str(), std::strerror(err));
    _exit(125);
  }
  if (!spec.guest_ids) return;
  const auto [uid, gid] = *spec.guest_ids;
  // The group first: once the uid is not 0 any more, setresgid may be
  // refused (setresgid(2): CAP_SETGID).
  const char* call = setresgid(gid, gid, gid) != 0 ? "setresgid"
                     : setresuid(uid, uid, uid) != 0 ? "setresuid" : nullptr;
  if (call != nullptr) {
    const int err = errno;
    dprintf(STDERR_FILENO, "cocoon: --user %u:%u: %s: %s\n", uid, gid, call, std::strerror(err));
    _exit(125);
  }
}

// Runs in the forked child: only async-signal-safe calls until execvp.
[[noreturn]] void child_main(pid_t cocoon, int ready_fd, int sync_fd, int handshake, int hold,
                             const char* program, char* const* argv, char** env, const LaunchSpec& spec) {
  // Until cocoon has seized it (then PTRACE_O_EXITKILL holds), the child
  // dies with cocoon: most waits below end at cocoon's death anyway (its
  // ends of the pipes close), but an OCI start FIFO would hold it forever.
  // Cleared before the exec: the guest's own PR_GET_PDEATHSIG reads 0, as
  // natively (the setting survives execve, prctl(2)).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != cocoon) _exit(125);
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
  take_callers_stdio(spec, env);
  if (spec.close_inherited) close_all_but({ready_fd, sync_fd, handshake, spec.landlock_fd});
  // A child forked after cocoon made itself non-dumpable (an entered
  // command) inherits the flag with its copy of the mm, and PTRACE_SEIZE
  // by a user without CAP_SYS_PTRACE would be refused
  // (ptrace_may_access(), kernel/ptrace.c): the child's own flag, not
  // cocoon's. execve sets it again from the program anyway.
  prctl(PR_SET_DUMPABLE, 1);
  if (spec.new_session) setsid();
  if (spec.controlling_terminal && ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0) {
    child_fail("making the terminal the controlling one (TIOCSCTTY)", errno, 125);
  }
  if (spec.child_subreaper) prctl(PR_SET_CHILD_SUBREAPER, 1);
  for (const auto& [resource, limit] : spec.rlimits) {
    if (setrlimit(static_cast<__rlimit_resource>(resource), &limit) != 0) {
      child_fail("setrlimit of process.rlimits", errno, 125);
    }
  }
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
    if (int err = install_cocoon_filter(spec, handshake); err != 0) {
      child_fail("installing the seccomp filter", err, 125);
    }
  }
  if (!spec.user_filters.empty() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    child_fail("prctl(PR_SET_NO_NEW_PRIVS)", errno, 125);
  }
  for (const auto& prog : spec.user_filters) {
    if (int err = install_user_filter(prog); err != 0) {
      child_fail("installing --seccomp's program", err, 125);
    }
  }
  if (hold >= 0) wait_for_start(hold);
  take_guest_cwd_and_ids(spec);
  prctl(PR_SET_PDEATHSIG, 0);
  execvp(program, argv);
  const int err = errno;
  const ExecFailure& f = spec.exec_failure;
  dprintf(STDERR_FILENO, "%s%s: %s\n", f.prefix.c_str(), program, std::strerror(err));
  _exit(f.status != 0 ? f.status : err == ENOENT || err == ENOTDIR ? 127 : 126);
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

// The parent's half of install_cocoon_filter(): the child's listener
// number, then its own copy of the descriptor. -1 when the child has none
// (the kernel refused one) or died first (the caller's waitpid sees why).
std::expected<int, Error> take_listener(pid_t pid, int handshake) {
  pollfd p{handshake, POLLIN, 0};
  const int ready = poll(&p, 1, kListenerTimeoutMs);
  if (ready == 0) return std::unexpected(Error{ETIMEDOUT, "waiting for the command's seccomp filter"});
  int number = -1;
  if (ready < 0 || read(handshake, &number, sizeof number) != sizeof number || number < 0) {
    return -1;
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return std::unexpected(Error{errno, "pidfd_open of the command"});
  const int fd = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, number, 0));
  const int err = errno;
  close(pidfd);
  if (fd < 0) return std::unexpected(Error{err, "pidfd_getfd of the command's seccomp listener"});
  const char ack = 1;
  if (write(handshake, &ack, 1) != 1) {
    close(fd);
    return -1;  // the child is gone
  }
  return fd;
}

}  // namespace

unsigned long ptrace_options() {
  const unsigned long seccomp =
      arch::filter_stops_reported(arch::kernel_features()) ? PTRACE_O_TRACESECCOMP : 0;
  return PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
         PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | seccomp;
}

namespace {

// What execvp(3) in the child takes, made before the fork (the child may
// only make async-signal-safe calls): the program, argv with argv0 in
// place of its first word, and the environment (null: cocoon's).
struct ExecImage {
  const char* program;
  std::vector<char*> argv;
  std::vector<char*> env;
  char** envp() { return env.empty() ? nullptr : env.data(); }
};

ExecImage exec_image(const LaunchSpec& spec) {
  ExecImage image{nullptr, {}, {}};
  for (const auto& a : spec.argv) image.argv.push_back(const_cast<char*>(a.c_str()));
  image.argv.push_back(nullptr);
  image.program = image.argv[0];
  if (!spec.argv0.empty()) image.argv[0] = const_cast<char*>(spec.argv0.c_str());
  if (spec.env) {
    for (const auto& e : *spec.env) image.env.push_back(const_cast<char*>(e.c_str()));
    image.env.push_back(nullptr);
  }
  return image;
}

// The child reported `child_err` instead of waiting to be started (it could
// not enter its working directory), or ended (EPIPE); it is reaped here.
Error early_end(pid_t pid, int child_err, const LaunchSpec& spec) {
  waitpid(pid, nullptr, __WALL);
  return Error{child_err, "Can't chdir to " + spec.cwd};  // bwrap's words
}

// LaunchSpec::hold_fifo, cocoon's half, on a detached thread: open(2) of
// the FIFO for writing blocks until the OCI start opens it for reading,
// which may be never (a container deleted before its start: its cocoon
// exits then, and the thread with it). `release` is the pipe the child
// waits on.
void start_opener(std::string fifo, int release) {
  std::thread([fifo = std::move(fifo), release] {
    int fd;
    while ((fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0) log().warn("opening the start FIFO {}: errno {}", fifo, errno);
    const char go = 0;
    const bool told = fd >= 0 && write(fd, &go, 1) == 1;
    if (fd >= 0) close(fd);
    if (told && write(release, &go, 1) != 1) log().warn("releasing the command: errno {}", errno);
    close(release);  // without its byte, the child ends
  }).detach();
}

}  // namespace

std::expected<Launched, Error> launch(const LaunchSpec& spec) {
  ExecImage image = exec_image(spec);

  int sync[2] = {-1, -1}, ready[2] = {-1, -1}, handshake[2] = {-1, -1}, hold[2] = {-1, -1};
  // A failure before the fork closes what was made (cocoon enter launches
  // again and again in one run).
  auto fail_early = [&](const char* what) -> std::expected<Launched, Error> {
    const int err = errno;
    for (int fd : {sync[0], sync[1], ready[0], ready[1], handshake[0], handshake[1], hold[0], hold[1]}) {
      if (fd >= 0) close(fd);
    }
    return std::unexpected(Error{err, what});
  };
  if (pipe2(sync, O_CLOEXEC) != 0) return fail_early("pipe2");
  if (pipe2(ready, O_CLOEXEC) != 0) return fail_early("pipe2");
  if (!spec.notify_filter.empty() &&
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, handshake) != 0) {
    return fail_early("socketpair");
  }
  if (!spec.hold_fifo.empty() && pipe2(hold, O_CLOEXEC) != 0) return fail_early("pipe2");
  const pid_t cocoon = getpid();
  const pid_t pid = fork();
  if (pid < 0) return fail_early("fork");
  if (pid == 0) {
    close(sync[1]);
    close(ready[0]);
    if (handshake[0] >= 0) close(handshake[0]);
    if (hold[1] >= 0) close(hold[1]);
    child_main(cocoon, ready[1], sync[0], handshake[1], hold[0], image.program, image.argv.data(), image.envp(),
               spec);
  }
  close(sync[0]);
  close(ready[1]);
  if (handshake[1] >= 0) close(handshake[1]);
  if (hold[0] >= 0) close(hold[0]);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) close(fd);
    }
  } closer{handshake[0]}, hold_closer{hold[1]};
  int child_err = EPIPE;
  if (read(ready[0], &child_err, sizeof child_err) != sizeof child_err) child_err = EPIPE;
  close(ready[0]);
  auto kill_child = [pid](Error e) -> std::expected<Launched, Error> {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, __WALL);
    return std::unexpected(std::move(e));
  };
  auto fail = [&](Error e) {
    close(sync[1]);  // the child reads EOF and exits 125
    return kill_child(std::move(e));
  };
  if (child_err != 0) {
    close(sync[1]);
    return std::unexpected(early_end(pid, child_err, spec));
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
  Launched out{pid, -1};
  if (handshake[0] >= 0) {
    auto listener = take_listener(pid, handshake[0]);
    if (!listener) return kill_child(listener.error());
    out.listener = *listener;
  }
  if (hold[1] >= 0) start_opener(spec.hold_fifo, std::exchange(hold_closer.fd, -1));
  return out;
}

}  // namespace cocoon::tracer
