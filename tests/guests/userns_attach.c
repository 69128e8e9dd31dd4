// PTRACE_SEIZE across user namespaces, which the capability module decides
// (cap_ptrace_access_check(), security/commoncap.c): a task that made a
// user namespace of its own (every capability there) cannot attach to a
// task outside it, its own child from before the unshare; it can to a
// child made inside; and the namespace's owner, outside it without any
// capability, can attach to a task in it. One line each, "ok" or the
// errno's name, for comparison with a native run (the emulated attach
// reads the same facts: syscalls/src/guard/ptrace_cap.h). Needs a kernel
// that lets the user make user namespaces; prints "unshare: ERRNO" and
// exits 77 where it cannot.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static void seize(const char* what, pid_t pid) {
  const long r = ptrace(PTRACE_SEIZE, pid, 0, 0);
  printf("%s: %s\n", what, r == 0 ? "ok" : strerrorname_np(errno));
  fflush(stdout);
}

static pid_t sleeper(void) {
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

static void end(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, __WALL);
}

static void own_namespace(void) {
  if (unshare(CLONE_NEWUSER) != 0) {
    printf("unshare: %s\n", strerrorname_np(errno));
    exit(77);
  }
}

int main(void) {
  const pid_t first = fork();
  if (first == 0) {
    const pid_t outside = sleeper();
    own_namespace();
    seize("own namespace -> a task outside it", outside);
    const pid_t inside = sleeper();
    seize("own namespace -> a task made in it", inside);
    end(outside);
    end(inside);
    _exit(0);
  }
  int status = 0;
  waitpid(first, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  int ready[2];
  if (pipe(ready) != 0) return 1;
  const pid_t owned = fork();
  if (owned == 0) {
    own_namespace();
    (void)!write(ready[1], "u", 1);
    pause();
    _exit(0);
  }
  char c;
  (void)!read(ready[0], &c, 1);
  seize("owner, outside -> a task in its namespace", owned);
  end(owned);
  return 0;
}
