// PTRACE_INTERRUPT of a task fresh from its fork (tests/e2e/ptrace.sh,
// docs/internals/ptrace.md): the task has not made its first stop for
// cocoon yet, and the kernel makes one trap of that first stop and the
// guest tracer's interrupt. Each case runs N times (the race is between
// the new task's first trap and the tracer's request), and prints a count,
// so that native and cocoon output compare:
//   forkintr seize N  a child SEIZEd and INTERRUPTed right after its fork
//                     (as cocoon's own ptrace probe did: cocoon run inside
//                     cocoon run hung in its wait)
//   forkintr fork N   a seized child's fork event, then at once an
//                     INTERRUPT of the auto-attached grandchild and a wait
//                     for it (PTRACE_O_TRACEFORK)
// A stop that never comes hangs the guest; the e2e limit ends it.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

// "event stop SIGTRAP", "signal SIGSTOP", "exited 3"...: what a wait
// status says, without numbers that change from run to run.
static const char *describe(int status, char *buf, size_t len) {
  if (WIFEXITED(status)) {
    snprintf(buf, len, "exited %d", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    snprintf(buf, len, "killed by %s", strsignal(WTERMSIG(status)));
  } else if (status >> 16 == PTRACE_EVENT_STOP) {
    snprintf(buf, len, "event stop %s", strsignal(WSTOPSIG(status)));
  } else if (status >> 16 != 0) {
    snprintf(buf, len, "event %d", status >> 16);
  } else {
    snprintf(buf, len, "signal %s", strsignal(WSTOPSIG(status)));
  }
  return buf;
}

// A child blocked in read(2) until its tracer lets it go (EOF); seized and
// interrupted by its parent at once.
static int seize_case(int n) {
  int stopped = 0;
  char what[64] = "none";
  for (int i = 0; i < n; ++i) {
    int go[2];
    if (pipe(go) != 0) return 1;
    const pid_t c = fork();
    if (c == 0) {
      close(go[1]);
      char b;
      _exit(read(go[0], &b, 1) == 0 ? 0 : 1);
    }
    close(go[0]);
    if (ptrace(PTRACE_SEIZE, c, 0, (void *)PTRACE_O_EXITKILL) != 0 ||
        ptrace(PTRACE_INTERRUPT, c, 0, 0) != 0) {
      printf("seize: SEIZE or INTERRUPT: %s\n", strerror(errno));
      return 1;
    }
    int status = 0;
    if (waitpid(c, &status, __WALL) != c) return 1;
    describe(status, what, sizeof what);
    if (WIFSTOPPED(status) && status >> 16 == PTRACE_EVENT_STOP && WSTOPSIG(status) == SIGTRAP) {
      ++stopped;
    }
    // Out of its stop and off: it reads EOF and exits.
    ptrace(PTRACE_DETACH, c, 0, 0);
    close(go[1]);
    if (waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      printf("seize: the child ended %s\n", describe(status, what, sizeof what));
      return 1;
    }
  }
  printf("seize: %d of %d new children stopped by INTERRUPT (last: %s)\n", stopped, n, what);
  return 0;
}

// The seized child forks n grandchildren, one after the other, each
// exiting 3 and reaped by it; exits 0 if each did.
static int forking_child(int go, int n) {
  char b;
  if (read(go, &b, 1) != 1) _exit(1);
  for (int i = 0; i < n; ++i) {
    const pid_t g = fork();
    if (g == 0) _exit(3);
    int status = 0;
    if (waitpid(g, &status, 0) != g || !WIFEXITED(status) || WEXITSTATUS(status) != 3) _exit(2);
  }
  _exit(0);
}

static int fork_case(int n) {
  int go[2];
  if (pipe(go) != 0) return 1;
  const pid_t c = fork();
  if (c == 0) {
    close(go[1]);
    forking_child(go[0], n);
  }
  close(go[0]);
  if (ptrace(PTRACE_SEIZE, c, 0, (void *)(PTRACE_O_TRACEFORK | PTRACE_O_EXITKILL)) != 0) {
    printf("fork: SEIZE: %s\n", strerror(errno));
    return 1;
  }
  if (write(go[1], "g", 1) != 1) return 1;
  int events = 0, interrupted = 0, stopped = 0;
  char what[64] = "none", end[64] = "none";
  for (;;) {
    int status = 0;
    if (waitpid(c, &status, __WALL) != c) return 1;
    if (!WIFSTOPPED(status)) {
      describe(status, end, sizeof end);
      break;
    }
    int sig = 0;
    if (status >> 16 == PTRACE_EVENT_FORK) {
      ++events;
      unsigned long msg = 0;
      ptrace(PTRACE_GETEVENTMSG, c, 0, &msg);
      const pid_t g = (pid_t)msg;
      if (ptrace(PTRACE_INTERRUPT, g, 0, 0) == 0) ++interrupted;
      int gs = 0;
      if (waitpid(g, &gs, __WALL) != g) return 1;
      describe(gs, what, sizeof what);
      if (WIFSTOPPED(gs) && gs >> 16 == PTRACE_EVENT_STOP && WSTOPSIG(gs) == SIGTRAP) ++stopped;
      ptrace(PTRACE_DETACH, g, 0, 0);
    } else if (status >> 16 == 0) {
      sig = WSTOPSIG(status);  // its SIGCHLD: delivered
    }
    ptrace(PTRACE_CONT, c, 0, (void *)(long)sig);
  }
  printf("fork: %d fork events, INTERRUPT of the new child -> 0 %d times, it stopped %d times"
         " (last: %s); the child %s\n",
         events, interrupted, stopped, what, end);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const int n = argc > 2 ? atoi(argv[2]) : 20;
  if (argc > 1 && strcmp(argv[1], "seize") == 0) return seize_case(n);
  if (argc > 1 && strcmp(argv[1], "fork") == 0) return fork_case(n);
  fprintf(stderr, "usage: forkintr seize|fork [N]\n");
  return 2;
}
