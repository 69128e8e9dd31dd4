// A tracer's blocking wait interrupted by a signal (tests/e2e/ptrace.sh,
// docs/internals/ptrace.md, "A held wait and signals"). The tracer seizes a task that sleeps
// (so it makes no stop to report), a SIGALRM comes once the tracer is in
// its wait (a watcher process reads /proc/TID/syscall until it shows the
// call: a timer could fire before the call began, between the flag the
// handler reads and the syscall instruction too, on a loaded machine),
// and the wait must end as the kernel ends it: -1 EINTR after the handler
// when it has no SA_RESTART, restarted (ending with the task's exit) when
// it has, and not at all when the signal is blocked or ignored
// (do_wait(): -ERESTARTSYS once signal_pending(), kernel/exit.c; the
// restart in handle_signal(), arch/x86/kernel/signal.c).
//   waitintr WHO HOW CALL
//     WHO   child: the tracee is the tracer's child
//           other: a sibling (it allows any tracer: PR_SET_PTRACER), the
//                  case of `strace -p PID` interrupted by Ctrl-C
//     HOW   eintr | restart | blocked | ignored
//     CALL  wait4 | waitid
// It prints what each wait returned, without numbers that change from run
// to run, so that native and cocoon output compare.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The signal must come while the wait is held. Should it run before the
// wait began all the same (the watcher's check below), the wait rightly
// sleeps to the tracee's exit, natively too. Such a run proves nothing
// either way: it says so and exits kEarly, for the test to run it again.
enum { kEarly = 75 };
static volatile sig_atomic_t handled, waiting, early;
static void on_alarm(int sig) {
  (void)sig;
  handled = 1;
  if (!waiting) early = 1;
}

// The tracee: sleeps 1.5 s, then exits 7 (no stop on the way: a seized task
// reports nothing until something happens to it).
static pid_t sleeper(void) {
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    usleep(1500000);
    _exit(7);
  }
  return pid;
}

static void describe(int status, char *buf, size_t len) {
  if (WIFEXITED(status)) {
    snprintf(buf, len, "exited %d", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    snprintf(buf, len, "killed by %s", strsignal(WTERMSIG(status)));
  } else {
    snprintf(buf, len, "stopped 0x%x", status >> 8);
  }
}

// One wait for `pid` by CALL; prints its outcome.
static int one_wait(pid_t pid, int use_waitid, const char *label) {
  char what[64];
  if (use_waitid) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    waiting = 1;
    const int r = waitid(P_PID, (id_t)pid, &info, WEXITED | __WALL);
    if (r != 0) {
      printf("%s: waitid -1 %s, handler ran %d\n", label, strerror(errno), (int)handled);
      return -1;
    }
    snprintf(what, sizeof what, "code %d status %d", info.si_code, info.si_status);
    printf("%s: waitid 0 (%s, the tracee: %d), handler ran %d\n", label, what,
           info.si_pid == pid, (int)handled);
    return 0;
  }
  int status = 0;
  waiting = 1;
  const pid_t r = waitpid(pid, &status, __WALL);
  if (r < 0) {
    printf("%s: wait4 -1 %s, handler ran %d\n", label, strerror(errno), (int)handled);
    return -1;
  }
  describe(status, what, sizeof what);
  printf("%s: wait4 the tracee (%d): %s, handler ran %d\n", label, r == pid, what, (int)handled);
  return 0;
}

// A child that sends this process SIGALRM once /proc/TID/syscall shows it
// in call `nr` (natively blocked in it; under cocoon at its entry stop or
// held there), at most 20 s of polling every millisecond.
static pid_t signal_in_wait(long nr) {
  const pid_t tracer = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/syscall", (int)tracer);
  for (int i = 0; i < 20000; i++) {
    FILE *f = fopen(path, "r");
    long in = -2;
    if (f != NULL) {
      if (fscanf(f, "%ld", &in) != 1) in = -2;
      fclose(f);
    }
    if (in == nr) {
      kill(tracer, SIGALRM);
      _exit(0);
    }
    usleep(1000);
  }
  _exit(1);
}

// The tracer's part: seize `pid`, arm the timer, wait; an interrupted wait
// is followed by a kill of the tracee and a second wait for its death.
static int trace(pid_t pid, const char *how, int use_waitid) {
  if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) {
    printf("PTRACE_SEIZE: %s\n", strerror(errno));
    kill(pid, SIGKILL);
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  if (strcmp(how, "restart") == 0) sa.sa_flags = SA_RESTART;
  if (strcmp(how, "ignored") == 0) sa.sa_handler = SIG_IGN;
  sigaction(SIGALRM, &sa, NULL);
  if (strcmp(how, "blocked") == 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
  }
  const pid_t watcher = signal_in_wait(use_waitid ? SYS_waitid : SYS_wait4);
  int r = one_wait(pid, use_waitid, "wait 1");
  if (r == 0) {
    r = early ? kEarly : 0;
  } else if (early) {
    r = kEarly;
  } else {
    kill(pid, SIGKILL);
    r = one_wait(pid, use_waitid, "wait 2") == 0 ? 0 : 1;
  }
  kill(watcher, SIGKILL);
  waitpid(watcher, NULL, 0);
  return r;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: waitintr child|other eintr|restart|blocked|ignored wait4|waitid\n");
    return 2;
  }
  const int use_waitid = strcmp(argv[3], "waitid") == 0;
  setvbuf(stdout, NULL, _IONBF, 0);
  const pid_t tracee = sleeper();
  if (strcmp(argv[1], "child") == 0) return trace(tracee, argv[2], use_waitid);
  // A sibling tracer: the kernel's wait finds no child of its own there,
  // so only the emulation's answer can end it.
  const pid_t tracer = fork();
  if (tracer == 0) _exit(trace(tracee, argv[2], use_waitid));
  int status = 0;
  waitpid(tracer, &status, 0);
  kill(tracee, SIGKILL);
  waitpid(tracee, NULL, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
