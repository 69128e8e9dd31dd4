// The edges of a guest filter's seccomp stops where cocoon makes them at a
// judged entry (under -0 getuid is notified: Tracee::judge_entries,
// docs/internals/ptrace.md "PTRACE_O_TRACESECCOMP"), each compared with
// native by tests/e2e/ptrace.sh. The child's filter returns
// SECCOMP_RET_TRACE | 9 for getuid.
//   secjudge detach  the tracer skips getuid at its stop (result 4343),
//                    then PTRACE_DETACH: the result stays, and the child's
//                    next call (a second filter install) is its own
//   secjudge unset   the same with PTRACE_SETOPTIONS(0) + PTRACE_CONT
//   secjudge seize   PTRACE_SEIZE with TRACESECCOMP of a running child
//                    that calls getuid in a loop: its first stop is
//                    getuid's seccomp stop
// x86-64 only (GETREGS). Usage: secjudge detach|unset|seize
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_filter.h"

static int is_seccomp_stop(int status) { return status >> 8 == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8); }

static void trace_getuid(void) {
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 9),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  install_child_filter(prog, sizeof prog / sizeof prog[0]);
}

static void skipping_child(void) {
  ptrace(PTRACE_TRACEME, 0, 0, 0);
  raise(SIGSTOP);
  trace_getuid();
  errno = 0;
  long r = syscall(SYS_getuid);
  printf("child: getuid -> %ld (%s)\n", r, strerror(errno));
  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog again = {1, allow};
  errno = 0;
  r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &again);
  printf("child: second filter -> %ld (%s)\n", r, strerror(errno));
  _exit(0);
}

// detach (1) or unset: the tracer lets go right after its skip.
static int skip_then_leave(int detach) {
  const pid_t pid = fork();
  if (pid == 0) skipping_child();
  int status;
  waitpid(pid, &status, 0);
  ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP);
  ptrace(PTRACE_CONT, pid, 0, 0);
  while (waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status)) {
      printf("tracer: child exited %d\n", WEXITSTATUS(status));
      return 0;
    }
    if (!WIFSTOPPED(status)) return 2;
    if (!is_seccomp_stop(status)) {
      ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status) == SIGSTOP ? 0 : WSTOPSIG(status));
      continue;
    }
    struct user_regs_struct regs;
    ptrace(PTRACE_GETREGS, pid, 0, &regs);
    printf("tracer: seccomp stop of %s\n", regs.orig_rax == SYS_getuid ? "getuid" : "another");
    regs.orig_rax = (unsigned long long)-1;
    regs.rax = 4343;
    ptrace(PTRACE_SETREGS, pid, 0, &regs);
    if (detach) {
      ptrace(PTRACE_DETACH, pid, 0, 0);
    } else {
      ptrace(PTRACE_SETOPTIONS, pid, 0, 0);
      ptrace(PTRACE_CONT, pid, 0, 0);
    }
  }
  return 0;
}

static int seize_running(void) {
  int ready[2];
  if (pipe(ready) != 0) return 2;
  const pid_t pid = fork();
  if (pid == 0) {
    trace_getuid();
    close(ready[0]);
    if (write(ready[1], "x", 1) != 1) _exit(12);
    for (int i = 0; i < 5000; i++) {  // 5 s at most
      syscall(SYS_getuid);
      usleep(1000);
    }
    _exit(13);
  }
  char c;
  close(ready[1]);
  if (read(ready[0], &c, 1) != 1) return 2;
  if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) != 0) {
    printf("tracer: PTRACE_SEIZE: %s\n", strerror(errno));
    return 0;
  }
  int status = 0;
  pid_t w = 0;
  for (int i = 0; i < 300 && w == 0; i++) {  // 3 s
    w = waitpid(pid, &status, WNOHANG);
    if (w == 0) usleep(10000);
  }
  if (w != pid) {
    printf("tracer: no stop in 3 s\n");
  } else {
    struct user_regs_struct regs;
    ptrace(PTRACE_GETREGS, pid, 0, &regs);
    printf("tracer: first stop %s of %s\n", is_seccomp_stop(status) ? "a seccomp stop" : "another",
           regs.orig_rax == SYS_getuid ? "getuid" : "another call");
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "detach") == 0) return skip_then_leave(1);
  if (strcmp(mode, "unset") == 0) return skip_then_leave(0);
  if (strcmp(mode, "seize") == 0) return seize_running();
  fprintf(stderr, "usage: secjudge detach|unset|seize\n");
  return 2;
}
