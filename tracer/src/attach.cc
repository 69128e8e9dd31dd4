// `cocoon trace -p PID`: following a process that is already running. No
// seccomp filter can be installed into it from outside, so every syscall
// stops twice (PTRACE_SYSCALL); and the process is not cocoon's to kill:
// no PTRACE_O_EXITKILL, and SIGINT/SIGTERM/SIGHUP detach instead of the
// kill switch.
#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <vector>

#include "cocoon/tracer/launcher.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracer.h"
#include "placement.h"

namespace cocoon::tracer {
namespace {

volatile std::sig_atomic_t g_detach = 0;

void on_detach_signal(int) { g_detach = 1; }

// Without SA_RESTART, so the blocking waitpid returns EINTR and the loop
// sees the flag. (A signal landing between the flag test and waitpid waits
// for the guest's next event: a window of a few instructions.)
void catch_detach_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_detach_signal;
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    sigaction(sig, &sa, nullptr);
    sigaddset(&set, sig);
  }
  // The kill switch (built with every Tracer, armed only by run()) blocks
  // them for its signalfd.
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

std::vector<pid_t> threads_of(pid_t pid) {
  std::vector<pid_t> tids;
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (d == nullptr) return tids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') tids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  closedir(d);
  return tids;
}

// Stops a running tracee (PTRACE_INTERRUPT) and lets it go; a signal it
// was about to receive is delivered.
void detach_one(pid_t tid) {
  if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0) return;
  int status = 0;
  while (waitpid(tid, &status, __WALL) == tid) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) return;
    const WaitEvent ev = decode_wait_status(tid, status);
    const int sig = ev.kind == EventKind::kSignalStop ? ev.signal : 0;
    if (ptrace(PTRACE_DETACH, tid, 0, sig) == 0 || errno == ESRCH) return;
  }
}

}  // namespace

std::expected<int, Error> Tracer::attach(pid_t pid) {
  if (!dispatcher_.conflict().empty()) return std::unexpected(Error{0, dispatcher_.conflict()});
  options_.use_seccomp = false;
  placement_ = std::make_unique<Placement>(false, mu_, tracees_);
  catch_detach_signals();
  const unsigned long opts = ptrace_options() & ~static_cast<unsigned long>(PTRACE_O_EXITKILL);
  ptrace_options_ = opts;
  // Threads started while we seize the others are reported by their
  // parent's clone event once that parent is seized; a second pass catches
  // those cloned before.
  for (int pass = 0; pass < 2; ++pass) {
    for (pid_t tid : threads_of(pid)) {
      if (tracees_.find(tid) != nullptr) continue;
      if (ptrace(PTRACE_SEIZE, tid, 0, opts) != 0) {
        if (tracees_.empty()) return std::unexpected(Error{errno, "attaching to " + std::to_string(pid)});
        continue;  // a thread that ended meanwhile
      }
      tracees_.add(tid, pid);
      registry_->add(tid, pid);
      // The first stop, where resume() switches it to PTRACE_SYSCALL.
      ptrace(PTRACE_INTERRUPT, tid, 0, 0);
    }
  }
  if (tracees_.empty()) return std::unexpected(Error{ESRCH, "attaching to " + std::to_string(pid)});
  root_ = pid;
  for (;;) {
    if (g_detach) {
      tracees_.for_each([](Tracee& t) { detach_one(t.tid); });
      return 0;
    }
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return std::unexpected(Error{errno, "waitpid"});
    }
    handle(decode_wait_status(tid, status));
    interrupt_signalled_holds();
  }
  return root_status_.value_or(0);
}

}  // namespace cocoon::tracer
