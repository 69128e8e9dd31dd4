// A program that sandboxes itself with seccomp, on calls cocoon answers
// itself in some runs (getuid under -0, getcwd and readlink under a view):
// `errno` answers getuid, getcwd and readlink with errnos of its own
// (SECCOMP_RET_ERRNO); `trap` traps getuid (SECCOMP_RET_TRAP, data 5) and
// prints what its SIGSYS handler saw; `kill` kills the process for getuid
// (SECCOMP_RET_KILL_PROCESS). Every other call is allowed. What it prints,
// and how it ends, must be what it is natively (e2e containment).
// Usage: selffilter errno|trap|kill
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void install(int nr1, unsigned ret1, int nr2, unsigned ret2, int nr3, unsigned ret3) {
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr1, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ret1),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ret2),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ret3),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
    printf("seccomp: %s\n", strerror(errno));
    _exit(2);
  }
}

static void said(const char* what, long r) {
  if (r < 0) {
    printf("%s: %s\n", what, strerror(errno));
  } else {
    printf("%s: ok\n", what);
  }
  fflush(stdout);
}

static volatile sig_atomic_t trapped_nr = -1, trapped_errno = -1, trapped_code = -1;

static void on_sigsys(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  (void)ctx;
  trapped_nr = info->si_syscall;
  trapped_errno = info->si_errno;
  trapped_code = info->si_code;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "errno";
  char buf[256];
  if (strcmp(mode, "errno") == 0) {
    install(SYS_getuid, SECCOMP_RET_ERRNO | EL2HLT, SYS_getcwd, SECCOMP_RET_ERRNO | ENOLINK,
            SYS_readlink, SECCOMP_RET_ERRNO | EDOM);
    said("getuid", syscall(SYS_getuid));
    said("getcwd", syscall(SYS_getcwd, buf, sizeof buf));
    said("readlink", syscall(SYS_readlink, "/proc/self/exe", buf, sizeof buf));
    said("getgid", syscall(SYS_getgid) == -1 ? -1 : 0);
    return 0;
  }
  if (strcmp(mode, "trap") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    install(SYS_getuid, SECCOMP_RET_TRAP | 5, -2, SECCOMP_RET_ALLOW, -2, SECCOMP_RET_ALLOW);
    const long r = syscall(SYS_getuid);
    printf("getuid returned %s; SIGSYS: code %d, syscall %s, data %d\n",
           r == SYS_getuid ? "its number" : "something else", (int)trapped_code,
           trapped_nr == SYS_getuid ? "getuid" : "another", (int)trapped_errno);
    return 0;
  }
  install(SYS_getuid, SECCOMP_RET_KILL_PROCESS, -2, SECCOMP_RET_ALLOW, -2, SECCOMP_RET_ALLOW);
  printf("before getuid\n");
  fflush(stdout);
  syscall(SYS_getuid);
  printf("survived getuid\n");
  return 0;
}
