// A tracer of its child's own seccomp filter, as strace --seccomp-bpf is
// one (tests/e2e/ptrace.sh, docs/internals/ptrace.md "PTRACE_O_TRACESECCOMP"):
// the child asks PTRACE_TRACEME, stops, installs a filter that returns
// SECCOMP_RET_TRACE with data 0x1234 for getppid, 7 for gettid, 9 for getuid
// and 0xb for newfstatat, and makes those calls and getpid (not traced by
// its filter). The tracer sets PTRACE_O_TRACESECCOMP, and at each
// PTRACE_EVENT_SECCOMP stop prints the event message,
// PTRACE_GET_SYSCALL_INFO's op, number and ret_data; it follows getppid and
// newfstatat to their exit stops (PTRACE_SYSCALL) and skips gettid and
// getuid (number -1, results 4242 and 4343). getuid and newfstatat are
// calls cocoon -0 answers from notifications, which outrank the filter's
// TRACE (Tracee::judge_entries). What both print must be what they print
// natively. x86-64 only (like ptracer.c). Usage: secfilter
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_filter.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#include "syscall_info.h"

static const char* name_of(uint64_t nr) {
  switch (nr) {
    case SYS_getppid: return "getppid";
    case SYS_gettid: return "gettid";
    case SYS_getpid: return "getpid";
    case SYS_getuid: return "getuid";
    case SYS_newfstatat: return "newfstatat";
    default: return "another";
  }
}

static void child(pid_t parent) {
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(10);
  raise(SIGSTOP);
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x1234),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 7),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 9),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0xb),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  install_child_filter(prog, sizeof prog / sizeof prog[0]);
  const long ppid = syscall(SYS_getppid);
  printf("child: getppid is %s\n", ppid == parent ? "its parent" : "wrong");
  printf("child: gettid -> %ld\n", syscall(SYS_gettid));
  printf("child: getpid %s\n", syscall(SYS_getpid) > 0 ? "ok" : "failed");
  printf("child: getuid -> %ld\n", syscall(SYS_getuid));
  struct stat st;
  const long r = syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0);
  printf("child: newfstatat / -> %ld, %s\n", r, r == 0 && S_ISDIR(st.st_mode) ? "a directory" : "wrong");
  fflush(stdout);
  _exit(0);
}

// One stop of the child; returns the request that resumes it.
static int on_stop(pid_t pid, int status, pid_t self, int* sig) {
  *sig = 0;
  if (status >> 8 == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8)) {
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
    struct syscall_info info;
    memset(&info, 0, sizeof info);
    ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
    printf("tracer: seccomp stop of %s: message 0x%lx, info op %d, ret_data 0x%x\n",
           name_of(info.seccomp.nr), msg, info.op, info.seccomp.ret_data);
    static int asked;
    if (!asked++) {
      // Without CAP_SYS_ADMIN: EACCES (seccomp_get_filter(), kernel/seccomp.c).
      errno = 0;
      long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, NULL);
      printf("tracer: PTRACE_SECCOMP_GET_FILTER -> %ld %s\n", n, errno ? strerror(errno) : "");
    }
    if (info.seccomp.nr == SYS_gettid || info.seccomp.nr == SYS_getuid) {
      struct user_regs_struct regs;
      ptrace(PTRACE_GETREGS, pid, 0, &regs);
      regs.orig_rax = (unsigned long long)-1;                       // skip the call...
      regs.rax = info.seccomp.nr == SYS_gettid ? 4242 : 4343;  // ...with this result
      ptrace(PTRACE_SETREGS, pid, 0, &regs);
    }
    const int follow = info.seccomp.nr == SYS_getppid || info.seccomp.nr == SYS_newfstatat;
    return follow ? PTRACE_SYSCALL : PTRACE_CONT;
  }
  if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
    struct syscall_info info;
    memset(&info, 0, sizeof info);
    ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
    printf("tracer: syscall stop op %d, result is %s\n", info.op,
           info.exit.rval == self ? "the tracer's pid" : info.exit.rval == 0 ? "0" : "another");
    return PTRACE_CONT;
  }
  printf("tracer: signal %s\n", strsignal(WSTOPSIG(status)));
  if (WSTOPSIG(status) != SIGSTOP) *sig = WSTOPSIG(status);
  return PTRACE_CONT;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const pid_t self = getpid();
  const pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) child(self);
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) return 2;
  if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP |
                                            PTRACE_O_EXITKILL) != 0) {
    printf("tracer: PTRACE_O_TRACESECCOMP: %s\n", strerror(errno));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 0;
  }
  ptrace(PTRACE_CONT, pid, 0, 0);
  while (waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status)) {
      printf("tracer: child exited %d\n", WEXITSTATUS(status));
      return 0;
    }
    if (WIFSIGNALED(status)) {
      printf("tracer: child killed by %s\n", strsignal(WTERMSIG(status)));
      return 0;
    }
    int sig;
    const int req = on_stop(pid, status, self, &sig);
    ptrace(req, pid, 0, sig);
  }
  return 3;
}
