// A program that sandboxes itself with seccomp, on calls cocoon answers
// itself in some runs (getuid under -0, getcwd and readlink under a view):
// `errno` answers getuid, getcwd and readlink with errnos of its own
// (SECCOMP_RET_ERRNO); `trap` traps getuid (SECCOMP_RET_TRAP, data 5) and
// prints what its SIGSYS handler saw; `trap-blocked` and `trap-ignored`
// trap getuid with SIGSYS blocked (a handler installed) or ignored, which
// the kernel forces through (the process dies of SIGSYS); `kill` kills the
// process for getuid (SECCOMP_RET_KILL_PROCESS); `tsync` installs the
// getuid errno filter with SECCOMP_FILTER_FLAG_TSYNC while a second thread
// runs, whose getuid it refuses too; `tsync-refused` has the second thread
// install a filter of its own first, so that TSYNC fails with that
// thread's id and refuses nothing; `strict` enters SECCOMP_MODE_STRICT (by
// seccomp(2), or prctl with `strict-prctl`) and is killed (SIGKILL) by its
// getuid, or its chown of PATH. Every other call is allowed. What it
// prints, and how it ends, must be what it is natively (e2e containment).
// Usage: selffilter errno|trap|trap-blocked|trap-ignored|kill|tsync|tsync-refused
//        selffilter strict|strict-prctl [PATH]
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct sock_fprog program(int nr1, unsigned ret1, int nr2, unsigned ret2, int nr3,
                                 unsigned ret3) {
  static struct sock_filter prog[8];
  const struct sock_filter p[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr1, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ret1),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ret2),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ret3),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  memcpy(prog, p, sizeof p);
  struct sock_fprog fprog = {sizeof p / sizeof p[0], prog};
  return fprog;
}

// seccomp(SECCOMP_SET_MODE_FILTER, flags, ...) after no_new_privs: its result.
static long install_with(unsigned flags, int nr1, unsigned ret1, int nr2, unsigned ret2, int nr3,
                         unsigned ret3) {
  struct sock_fprog fprog = program(nr1, ret1, nr2, ret2, nr3, ret3);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
}

static void install(int nr1, unsigned ret1, int nr2, unsigned ret2, int nr3, unsigned ret3) {
  if (install_with(0, nr1, ret1, nr2, ret2, nr3, ret3) != 0) {
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

// The thread of `tsync` and `tsync-refused`: it installs a filter of its
// own if asked (getgid refused), then waits until the main thread's TSYNC
// is done and tries getuid and getgid.
static pthread_barrier_t installed, synced;
static int own_filter;
static volatile pid_t other_tid;

static void* other_thread(void* arg) {
  (void)arg;
  other_tid = (pid_t)syscall(SYS_gettid);
  if (own_filter &&
      install_with(0, SYS_getgid, SECCOMP_RET_ERRNO | ENOLINK, -2, SECCOMP_RET_ALLOW, -2,
                   SECCOMP_RET_ALLOW) != 0) {
    printf("the other thread's seccomp: %s\n", strerror(errno));
  }
  pthread_barrier_wait(&installed);
  pthread_barrier_wait(&synced);
  said("the other thread's getuid", syscall(SYS_getuid));
  said("the other thread's getgid", syscall(SYS_getgid));
  return NULL;
}

// The main thread installs the getuid filter with TSYNC while the other
// thread exists: 0, or the id of a thread whose filters differ.
static int tsync(int refused) {
  own_filter = refused;
  pthread_barrier_init(&installed, NULL, 2);
  pthread_barrier_init(&synced, NULL, 2);
  pthread_t th;
  if (pthread_create(&th, NULL, other_thread, NULL) != 0) return 2;
  pthread_barrier_wait(&installed);
  const long r = install_with(SECCOMP_FILTER_FLAG_TSYNC, SYS_getuid, SECCOMP_RET_ERRNO | EL2HLT, -2,
                              SECCOMP_RET_ALLOW, -2, SECCOMP_RET_ALLOW);
  if (r == 0) {
    printf("TSYNC: 0\n");
  } else if (r == other_tid) {
    printf("TSYNC: the other thread's id\n");
  } else {
    printf("TSYNC: %ld (%s)\n", r, r < 0 ? strerror(errno) : "another id");
  }
  fflush(stdout);
  pthread_barrier_wait(&synced);
  pthread_join(th, NULL);
  said("the main thread's getuid", syscall(SYS_getuid));
  said("the main thread's getgid", syscall(SYS_getgid));
  return 0;
}

// A trap of getuid whose SIGSYS is blocked (with a handler installed) or
// ignored: the kernel unblocks it and resets it to SIG_DFL, and the
// process dies of it (no core file: RLIMIT_CORE 0).
static int trap_unwanted(int blocked) {
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (blocked) {
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
  } else {
    sa.sa_handler = SIG_IGN;
  }
  sigaction(SIGSYS, &sa, NULL);
  sigset_t sys;
  sigemptyset(&sys);
  sigaddset(&sys, SIGSYS);
  if (blocked) sigprocmask(SIG_BLOCK, &sys, NULL);
  install(SYS_getuid, SECCOMP_RET_TRAP | 5, -2, SECCOMP_RET_ALLOW, -2, SECCOMP_RET_ALLOW);
  printf("before getuid\n");
  fflush(stdout);
  const long r = syscall(SYS_getuid);
  printf("survived getuid (%s), SIGSYS handled: %s\n", r == SYS_getuid ? "its number" : "other",
         trapped_nr == -1 ? "no" : "yes");
  return 0;
}

// SECCOMP_MODE_STRICT: only read, write, _exit and rt_sigreturn; getuid
// (or chown of `path`, when given) kills the thread with SIGKILL
// (__secure_computing_strict()).
static int strict(int by_prctl, const char* path) {
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  const long r = by_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0)
                          : syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL);
  if (r != 0) {
    printf("strict: %s\n", strerror(errno));
    return 2;
  }
  static const char before[] = "strict: 0\n";
  syscall(SYS_write, 1, before, sizeof before - 1);
  char c;
  const long n = syscall(SYS_read, 0, &c, 1);  // stdin is /dev/null: 0
  static const char read_ok[] = "read: ok\n";
  if (n == 0) syscall(SYS_write, 1, read_ok, sizeof read_ok - 1);
  if (path != NULL) {
    syscall(SYS_chown, path, 4321, 4321);
  } else {
    syscall(SYS_getuid);
  }
  static const char after[] = "survived getuid\n";
  syscall(SYS_write, 1, after, sizeof after - 1);
  syscall(SYS_exit, 0);
  return 0;
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
  if (strcmp(mode, "trap-blocked") == 0) return trap_unwanted(1);
  if (strcmp(mode, "trap-ignored") == 0) return trap_unwanted(0);
  if (strcmp(mode, "tsync") == 0) return tsync(0);
  if (strcmp(mode, "tsync-refused") == 0) return tsync(1);
  if (strcmp(mode, "strict") == 0) return strict(0, argc > 2 ? argv[2] : NULL);
  if (strcmp(mode, "strict-prctl") == 0) return strict(1, argc > 2 ? argv[2] : NULL);
  install(SYS_getuid, SECCOMP_RET_KILL_PROCESS, -2, SECCOMP_RET_ALLOW, -2, SECCOMP_RET_ALLOW);
  printf("before getuid\n");
  fflush(stdout);
  syscall(SYS_getuid);
  printf("survived getuid\n");
  return 0;
}
