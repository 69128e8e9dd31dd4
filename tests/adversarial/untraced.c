// Route: a tracer of the guest's own. A child cloned with CLONE_UNTRACED is
// not attached to cocoon (PTRACE_O_TRACEFORK does not apply to it); its own
// child asks it to be its tracer (PTRACE_TRACEME), so the grandchild's
// SECCOMP_RET_TRACE stops go to the guest's tracer, which continues them:
// the calls run as the guest made them. Under cocoon PTRACE_TRACEME is
// emulated (docs/architecture.md, "ptrace inside a guest"): the route is
// open only if the guest's tracer gets the seccomp stops, i.e. if
// PTRACE_O_TRACESECCOMP is accepted. Usage: untraced SECRET
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "probe.h"

// The grandchild: traced by its parent, it attacks.
static void victim(const char* secret) {
  const long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
  if (r != 0) {
    route("traceme", 0, errno);
    _exit(0);
  }
  raise(SIGSTOP);  // its tracer sets its options now
  attack(secret);
  _exit(0);
}

// The untraced child: the grandchild's tracer, continuing every stop (a
// seccomp stop continued runs the call unchanged).
static void tracer_of_own(const char* secret) {
  const pid_t pid = fork();
  if (pid < 0) _exit(1);
  if (pid == 0) victim(secret);
  int status;
  int first = 1;
  while (waitpid(pid, &status, __WALL) == pid) {
    if (!WIFSTOPPED(status)) break;
    int sig = WSTOPSIG(status);
    if (first) {
      const long r = ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL);
      route("traceme", r == 0, errno);
      first = 0;
      sig = 0;
    }
    if (sig == SIGTRAP) sig = 0;  // a ptrace event, not a signal
    ptrace(PTRACE_CONT, pid, 0, sig);
  }
  _exit(0);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    say("usage: untraced SECRET\n");
    return 2;
  }
  const long pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) tracer_of_own(argv[1]);
  route("clone_untraced", pid > 0, errno);
  if (pid > 0) {
    waitpid((pid_t)pid, NULL, 0);
    return 0;
  }
  // Without it, a traced child cannot have a real tracer of its own either.
  tracer_of_own(argv[1]);
  return 0;
}
