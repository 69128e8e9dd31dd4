/* Workload 6: the floor. The cost of one seccomp stop for the smallest
 * possible tracer, next to a native syscall.
 *
 * fork; the parent PTRACE_SEIZEs the child (TRACESECCOMP | EXITKILL) and
 * lets it go. The child times getpid and getppid natively, installs a filter
 * that returns SECCOMP_RET_TRACE for getppid only (everything else ALLOW),
 * then times getpid again (allowed by the filter: what a filter costs an
 * untraced call) and N getppid calls (each one a seccomp stop). The parent
 * only loops waitpid + PTRACE_CONT. The cheap loops run 10^6 calls after a
 * warm-up (a short first loop reads high). Prints one line, per call:
 *   native_ns=<getppid> native_getpid_ns=... filtered_ns=<getpid> stop_ns=<getppid>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double per_call(long nr, long n) {
  long long t0 = now_ns();
  for (long i = 0; i < n; i++) syscall(nr);
  return (double)(now_ns() - t0) / (double)n;
}

#if defined(__x86_64__)
/* The agent's one syscall instruction: agent_syscall(nr, a0, a1, a2).
 * seccomp_data.instruction_pointer is the address after it. */
long agent_syscall(long nr, long a0, long a1, long a2);
extern char agent_syscall_ret[];
__asm__(".text\n.globl agent_syscall\n.type agent_syscall,@function\nagent_syscall:\n"
        "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
        "  syscall\n.globl agent_syscall_ret\nagent_syscall_ret:\n  ret\n");

static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
  g[REG_RAX] = agent_syscall(si->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX]);
}

/* getuid through the agent: TRAP unless from agent_syscall_ret. The
 * result is checked against the real one, so a filter that did not trap
 * (or a handler that answered wrongly) cannot pass for a fast agent. */
static double trap_per_call(long n) {
  const unsigned long long ip = (unsigned long long)(unsigned long)agent_syscall_ret;
  struct sock_filter prog[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)ip, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)(ip >> 32), 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  struct sigaction sa = {0};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  long uid = syscall(SYS_getuid);
  if (sigaction(SIGSYS, &sa, NULL) != 0) return -1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) return -1;
  long long t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (syscall(SYS_getuid) != uid) return -1;
  }
  return (double)(now_ns() - t0) / (double)n;
}
#else
static double trap_per_call(long n) { (void)n; return 0; }
#endif

/* trap_per_call in a child of its own (the filter stays with it). */
static double untraced_trap(long n) {
  int p[2];
  if (pipe(p) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    double t = trap_per_call(n);
    _exit(write(p[1], &t, sizeof t) == sizeof t ? 0 : 1);
  }
  close(p[1]);
  double t = -1;
  if (read(p[0], &t, sizeof t) != sizeof t) t = -1;
  close(p[0]);
  waitpid(pid, NULL, 0);
  return t;
}

static int child(int sync_fd, long n, double untraced_trap_ns) {
  char c;
  if (read(sync_fd, &c, 1) != 1) return 2;  /* parent has seized us */
  const long cheap_n = 1000000;
  per_call(SYS_getppid, cheap_n / 10);  /* warm-up */
  double native = per_call(SYS_getppid, cheap_n);
  double native_getpid = per_call(SYS_getpid, cheap_n);
  struct sock_filter prog[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 3;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) return 4;
  double filtered = per_call(SYS_getpid, cheap_n);
  double stop = per_call(SYS_getppid, n);
  double traced_trap = trap_per_call(n);
  if (untraced_trap_ns < 0 || traced_trap < 0) return 5;
  printf("native_ns=%.1f native_getpid_ns=%.1f filtered_ns=%.1f stop_ns=%.1f calls=%ld",
         native, native_getpid, filtered, stop, n);
#if defined(__x86_64__)
  printf(" trap_ns=%.1f traced_trap_ns=%.1f", untraced_trap_ns, traced_trap);
#endif
  printf("\n");
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
  double trap = untraced_trap(10 * n);
  int sync[2];
  if (pipe(sync) != 0) { perror("pipe"); return 1; }
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) { close(sync[1]); _exit(child(sync[0], n, trap)); }
  close(sync[0]);
  if (ptrace(PTRACE_SEIZE, pid, 0,
             PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) != 0) {
    perror("PTRACE_SEIZE");
    kill(pid, SIGKILL);
    return 1;
  }
  if (write(sync[1], "g", 1) != 1) { perror("write"); return 1; }
  close(sync[1]);
  long stops = 0;
  for (;;) {
    int st;
    if (waitpid(pid, &st, 0) < 0) {
      if (errno == EINTR) continue;
      perror("waitpid");
      return 1;
    }
    if (WIFEXITED(st)) {
      if (WEXITSTATUS(st) != 0) {
        fprintf(stderr, "floor: child exited %d\n", WEXITSTATUS(st));
        return 1;
      }
      break;
    }
    if (WIFSIGNALED(st)) {
      fprintf(stderr, "floor: child killed by signal %d\n", WTERMSIG(st));
      return 1;
    }
    int sig = 0;
    if (WIFSTOPPED(st)) {
      if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) stops++;
      else if (st >> 16 == 0) sig = WSTOPSIG(st);  /* signal-delivery stop */
    }
    ptrace(PTRACE_CONT, pid, 0, sig);
  }
  /* The traced agent's SIGSYS stops are signal-delivery-stops, not seccomp
   * stops: only getppid's count. */
  if (stops != n) {
    fprintf(stderr, "floor: %ld seccomp stops, expected %ld\n", stops, n);
    return 1;
  }
  return 0;
}
