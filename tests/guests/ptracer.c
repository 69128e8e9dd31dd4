// A small debugger: the guest a guest's emulated ptrace is tested with
// (tests/e2e/ptrace.sh, docs/architecture.md "ptrace inside a guest"). It
// forks; the child asks PTRACE_TRACEME and execs this program again
// ("stage1"), which makes a few calls the tracer watches and changes, then
// execs "stage2", which exits 3. The tracer prints what it saw in a form
// that does not depend on pids or addresses, so the output natively and
// under cocoon can be compared line by line. x86-64 only (user_regs_struct).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <elf.h>

static char self[4096];

static void say(const char *s) { (void)!write(1, s, strlen(s)); }

static void on_usr1(int sig) {
  (void)sig;
  say("stage1: SIGUSR1 handled\n");
}

static int stage1(void) {
  char buf[] = "hello from the tracee\n";
  (void)!write(1, buf, sizeof buf - 1);  // the tracer makes the h an H
  char line[64];
  snprintf(line, sizeof line, "stage1: getppid -> %ld\n", (long)syscall(SYS_getppid));
  say(line);  // the tracer makes it 4242
  int fd = open("/nonexistent/ptrace-probe", O_RDONLY);
  snprintf(line, sizeof line, "stage1: open -> %d errno %d\n", fd, fd < 0 ? errno : 0);
  say(line);
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);  // delivered by the tracer
  raise(SIGUSR2);  // suppressed by the tracer (it would kill us)
  say("stage1: SIGUSR2 suppressed\n");
  execl(self, self, "stage2", (char *)NULL);
  return 100;
}

static int stage2(void) {
  say("stage2: exiting 3\n");
  syscall(SYS_exit_group, 3);
  return 101;
}

// Reads the NUL-terminated string at `addr` in `pid` with PTRACE_PEEKDATA.
static void peek_string(pid_t pid, unsigned long addr, char *out, size_t size) {
  size_t n = 0;
  while (n + sizeof(long) < size) {
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + n), NULL);
    if (errno != 0) break;
    memcpy(out + n, &word, sizeof word);
    if (memchr(&word, 0, sizeof word) != NULL) break;
    n += sizeof word;
  }
  out[size - 1] = 0;
}

// The first stop: exec's SIGTRAP. Registers three ways must agree.
// A raw ptrace(PTRACE_GETEVENTMSG) whose pid register is read back after
// the call: the kernel keeps the argument registers (x86-64's syscall
// changes only rax, rcx and r11), whoever answered the call and whatever
// number a PID namespace's translation gave the kernel.
static int raw_call_keeps_pid(pid_t pid) {
  unsigned long msg = 0;
  register long r10 __asm__("r10") = (long)&msg;
  long rsi = pid, ret;
  __asm__ volatile("syscall"
                   : "=a"(ret), "+S"(rsi)
                   : "0"((long)SYS_ptrace), "D"((long)PTRACE_GETEVENTMSG), "d"(0L), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret == 0 && rsi == pid;
}

static void first_stop(pid_t pid) {
  struct user_regs_struct regs, set;
  ptrace(PTRACE_GETREGS, pid, NULL, &regs);
  errno = 0;
  long rip = ptrace(PTRACE_PEEKUSER, pid,
                    (void *)(offsetof(struct user, regs) + offsetof(struct user_regs_struct, rip)), NULL);
  struct iovec iov = {&set, sizeof set};
  long r = ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov);
  printf("first stop: PEEKUSER rip %s GETREGS, GETREGSET %ld len %zu %s\n",
         errno == 0 && (unsigned long)rip == regs.rip ? "==" : "!=", r, iov.iov_len,
         memcmp(&set, &regs, sizeof regs) == 0 ? "same" : "differs");
  long opt = ptrace(PTRACE_SETOPTIONS, pid, NULL,
                    (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
  printf("SETOPTIONS -> %ld\n", opt);
  int st;
  printf("waitpid WNOHANG while stopped -> %d\n", (int)waitpid(pid, &st, WNOHANG));
  errno = 0;
  long bad = ptrace(PTRACE_PEEKDATA, pid, (void *)8, NULL);
  printf("PEEKDATA at 8 -> %ld errno %s\n", bad, strerror(errno));
  printf("a raw ptrace keeps its pid register: %s\n", raw_call_keeps_pid(pid) ? "yes" : "no");
}

// waitpid(pid, status, 0), or under `waitid` the same through waitid(2),
// its siginfo turned back into a status word.
static int use_waitid;
static pid_t wait_for(pid_t pid, int *status) {
  if (!use_waitid) return waitpid(pid, status, 0);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid(P_PID, pid, &info, WEXITED | WSTOPPED) != 0) return -1;
  switch (info.si_code) {
    case CLD_TRAPPED:
    case CLD_STOPPED: *status = (info.si_status << 8) | 0x7f; break;
    case CLD_EXITED: *status = (info.si_status & 0xff) << 8; break;
    default: *status = info.si_status & 0x7f; break;
  }
  return info.si_pid;
}

// At a syscall-stop: what stage1's calls look like, and the changes made.
static void at_syscall(pid_t pid, int entry, int stage, int *entries) {
  struct user_regs_struct regs;
  ptrace(PTRACE_GETREGS, pid, NULL, &regs);
  long nr = (long)regs.orig_rax;
  if (entry && stage == 2) printf("stage2 entry: %ld\n", nr);
  if (entry) ++*entries;
  if (stage != 1) return;
  char s[128];
  if (entry && nr == SYS_write && regs.rdi == 1) {
    peek_string(pid, regs.rsi, s, sizeof s);
    if (strncmp(s, "hello", 5) == 0) {
      errno = 0;
      long word = ptrace(PTRACE_PEEKDATA, pid, (void *)regs.rsi, NULL);
      ((char *)&word)[0] = 'H';
      printf("write entry: buffer starts \"%.5s\", POKEDATA -> %ld\n", s,
             ptrace(PTRACE_POKEDATA, pid, (void *)regs.rsi, (void *)word));
    }
  } else if (entry && nr == SYS_openat) {
    peek_string(pid, regs.rsi, s, sizeof s);
    printf("openat entry: path %s\n", s);
  } else if (!entry && nr == SYS_openat) {
    peek_string(pid, regs.rsi, s, sizeof s);  // the path argument, still the guest's
    printf("openat exit: %lld path %s\n", (long long)regs.rax, s);
  } else if (!entry && nr == SYS_getppid) {
    regs.rax = 4242;
    printf("getppid exit: SETREGS -> %ld\n", ptrace(PTRACE_SETREGS, pid, NULL, &regs));
  }
}

// `zombie`: PTRACE_KILL at the first stop, and the death awaited without
// reaping it (WNOWAIT): the dead child is still its tracer's tracee for
// PTRACE_KILL (0) and for no other request (ESRCH); reaped, for none.
static int zombie(pid_t pid) {
  long r = ptrace(PTRACE_KILL, pid, NULL, NULL);
  printf("PTRACE_KILL at a stop -> %ld\n", r);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) != 0) return perror("waitid"), 1;
  printf("died: %s, signal %s\n", info.si_code == CLD_KILLED ? "CLD_KILLED" : "other",
         strsignal(info.si_status));
  r = ptrace(PTRACE_KILL, pid, NULL, NULL);
  printf("PTRACE_KILL of the dead child -> %ld %s\n", r, r == 0 ? "" : strerror(errno));
  r = ptrace(PTRACE_CONT, pid, NULL, NULL);
  printf("PTRACE_CONT of the dead child -> %ld %s\n", r, strerror(errno));
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return perror("waitpid"), 1;
  printf("reaped: signaled %d by %s\n", WIFSIGNALED(st), strsignal(WTERMSIG(st)));
  r = ptrace(PTRACE_KILL, pid, NULL, NULL);
  printf("PTRACE_KILL once reaped -> %ld %s\n", r, strerror(errno));
  return 0;
}

// `late`: the child asks PTRACE_TRACEME only after its parent is blocked in
// waitpid. `waitid`: every wait is a waitid. `zombie`: above.
// `exitkill`: the tracer leaves at the first stop under
// PTRACE_O_EXITKILL, which must kill the tracee (stage1 prints nothing).
static int tracer(const char *mode) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (strcmp(mode, "late") == 0) usleep(200 * 1000);
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
      perror("PTRACE_TRACEME");
      _exit(99);
    }
    execl(self, self, "stage1", (char *)NULL);
    _exit(98);
  }
  use_waitid = strcmp(mode, "waitid") == 0;
  int st;
  if (wait_for(pid, &st) != pid) return perror("waitpid"), 1;
  printf("stopped %d sig %s\n", WIFSTOPPED(st), WIFSTOPPED(st) ? strsignal(WSTOPSIG(st)) : "-");
  if (strcmp(mode, "zombie") == 0) return zombie(pid);
  if (strcmp(mode, "exitkill") == 0) {
    printf("SETOPTIONS EXITKILL -> %ld\n",
           ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_EXITKILL));
    return 0;
  }
  first_stop(pid);
  fflush(stdout);
  int sig = 0, in_syscall = 0, stage = 1, entries = 0, exits = 0;
  for (;;) {
    ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
    sig = 0;
    if (wait_for(pid, &st) != pid) return perror("waitpid"), 1;
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      printf("exited %d signaled %d status %d\n", WIFEXITED(st), WIFSIGNALED(st),
             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
      break;
    }
    if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
      in_syscall = !in_syscall;
      if (!in_syscall) ++exits;
      at_syscall(pid, in_syscall, stage, &entries);
    } else if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8)) {
      unsigned long msg = 0;
      ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg);
      printf("exec event: GETEVENTMSG %s the tracee\n", msg == (unsigned long)pid ? "is" : "is not");
      stage = 2;
    } else {
      siginfo_t info;
      ptrace(PTRACE_GETSIGINFO, pid, NULL, &info);
      printf("signal stop: %s (siginfo %s)\n", strsignal(WSTOPSIG(st)),
             info.si_signo == WSTOPSIG(st) ? "agrees" : "differs");
      if (WSTOPSIG(st) != SIGUSR2) sig = WSTOPSIG(st);
    }
    fflush(stdout);
  }
  printf("syscall entries %d exits %d\n", entries, exits);
  long r = ptrace(PTRACE_CONT, getppid(), NULL, NULL);
  printf("PTRACE_CONT on a non-tracee -> %ld %s\n", r, strerror(errno));
  r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
  printf("PTRACE_ATTACH to pid 1 -> %ld %s\n", r, strerror(errno));
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (readlink("/proc/self/exe", self, sizeof self - 1) < 0) return perror("readlink"), 1;
  if (argc > 1 && strcmp(argv[1], "stage1") == 0) return stage1();
  if (argc > 1 && strcmp(argv[1], "stage2") == 0) return stage2();
  return tracer(argc > 1 ? argv[1] : "");
}
