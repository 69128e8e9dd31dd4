// A tracer the way strace -f is one (tests/e2e/ptrace.sh,
// docs/internals/ptrace.md): it seizes a child that stopped itself
// (PTRACE_SEIZE with options, PTRACE_INTERRUPT, SIGCONT), answers its
// group-stop with PTRACE_LISTEN, follows it with PTRACE_SYSCALL and
// PTRACE_GET_SYSCALL_INFO into a fork (the grandchild auto-attached with
// PTRACE_EVENT_STOP) and to both exit events and deaths. Each task's
// events are printed per task at the end, without pids or addresses, so
// that the output natively and under cocoon can be compared. Also the
// attach rules' answers. x86-64 only (like ptracer.c).
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall_info.h"

enum { kChild, kGrandchild, kTasks };
static char logs[kTasks][16384];
static pid_t pids[kTasks];

static void note(int who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(int who, const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  strncat(logs[who], line, sizeof logs[who] - strlen(logs[who]) - 1);
}

static int child(void) {
  kill(getpid(), SIGSTOP);  // as strace's child waits to be seized
  // SIGCHLD stays blocked until the grandchild is reaped: the tracer runs
  // both tasks at once, so an unblocked SIGCHLD could be delivered before
  // or after wait4's entry (a race natively too, which made the compared
  // logs differ). Unblocked, it is delivered right after
  // rt_sigprocmask's exit stop.
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  pid_t g = fork();
  if (g == 0) _exit(7);
  int status = 0;
  waitpid(g, &status, 0);
  sigprocmask(SIG_UNBLOCK, &chld, NULL);
  return WIFEXITED(status) ? WEXITSTATUS(status) - 2 : 99;  // 5
}

static int role_of(pid_t pid) { return pid == pids[kChild] ? kChild : kGrandchild; }

// Prints what a ptrace call returned, and its errno if it failed.
static void show(const char *what, long r) {
  printf("%s -> %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static void refusals(pid_t c) {
  show("SEIZE self", ptrace(PTRACE_SEIZE, getpid(), 0, 0));
  show("SEIZE pid 1", ptrace(PTRACE_SEIZE, 1, 0, 0));
  show("SEIZE with addr", ptrace(PTRACE_SEIZE, c, (void *)8, 0));
  show("SEIZE with an unknown option", ptrace(PTRACE_SEIZE, c, 0, (void *)(1L << 30)));
  show("INTERRUPT a non-tracee", ptrace(PTRACE_INTERRUPT, c, 0, 0));
}

// One stop of task `who`; returns the signal to resume it with, or -1 to
// leave it listening.
static int on_stop(pid_t pid, int who, int status) {
  const int sig = WSTOPSIG(status), event = status >> 16;
  if (sig == (SIGTRAP | 0x80)) {
    struct syscall_info info;
    memset(&info, 0xff, sizeof info);
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info);
    if (info.op == 1) {
      note(who, "entry %llu (%ld bytes)\n", (unsigned long long)info.entry.nr, n);
    } else if (info.op == 2) {
      note(who, "exit%s\n", info.exit.is_error ? " error" : "");
    } else {
      note(who, "syscall stop op %d\n", info.op);
    }
    return 0;
  }
  if (event == PTRACE_EVENT_STOP) {
    note(who, "event stop %s\n", sig == SIGTRAP ? "SIGTRAP" : strsignal(sig));
    if (sig != SIGTRAP) {  // a group-stop: listen (as strace does)
      long r = ptrace(PTRACE_LISTEN, pid, 0, 0);
      note(who, "LISTEN -> %ld\n", r);
      return -1;
    }
    return 0;
  }
  if (event != 0) {
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
    if (event == PTRACE_EVENT_FORK) {
      pids[kGrandchild] = (pid_t)msg;
      note(who, "fork event (message: the new pid %s)\n", msg > 0 ? "yes" : "no");
    } else if (event == PTRACE_EVENT_EXIT) {
      note(who, "exit event, status %#lx\n", msg);
    } else {
      note(who, "event %d\n", event);
    }
    return 0;
  }
  note(who, "signal %s\n", strsignal(sig));
  if (sig == SIGCONT) {  // LISTEN is only for event stops
    const long r = ptrace(PTRACE_LISTEN, pid, 0, 0);
    note(who, "LISTEN at a signal stop -> %ld %s\n", r, strerror(errno));
  }
  return sig;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t c = fork();
  if (c == 0) return child();
  pids[kChild] = c;
  int status = 0;
  waitpid(c, &status, WSTOPPED);
  printf("child stopped itself: %s\n", WIFSTOPPED(status) ? strsignal(WSTOPSIG(status)) : "no");
  refusals(c);
  const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXIT;
  show("SEIZE", ptrace(PTRACE_SEIZE, c, 0, (void *)opts));
  show("SEIZE again", ptrace(PTRACE_SEIZE, c, 0, (void *)opts));
  show("INTERRUPT", ptrace(PTRACE_INTERRUPT, c, 0, 0));
  kill(c, SIGCONT);
  for (int alive = 2; alive > 0;) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      printf("wait: %s\n", strerror(errno));
      return 1;
    }
    const int who = role_of(pid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      note(who, "exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
      --alive;
      continue;
    }
    const int sig = on_stop(pid, who, status);
    if (sig >= 0) ptrace(PTRACE_SYSCALL, pid, 0, (void *)(long)sig);
  }
  printf("--- child\n%s--- grandchild\n%s", logs[kChild], logs[kGrandchild]);
  return 0;
}
