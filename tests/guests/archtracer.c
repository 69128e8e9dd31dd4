// A small tracer of every arch cocoon runs on (tests/e2e/ptrace.sh and the
// qemu cases, docs/internals/ptrace.md): its child asks PTRACE_TRACEME and
// stops itself; the tracer steps it a few instructions with
// PTRACE_SINGLESTEP (EIO where the arch has none: riscv64), then follows
// its calls with PTRACE_SYSCALL, printing each syscall-entry and exit stop
// as PTRACE_GET_SYSCALL_INFO gives it, and checks at the first entry that
// PTRACE_GETREGSET's NT_PRSTATUS holds the same ip and sp (and on aarch64
// that NT_ARM_SYSTEM_CALL holds the call's number). No pid or
// address is printed, so that the output natively and under cocoon
// compare; the numbers are the arch's own.
#define _GNU_SOURCE  // TRAP_TRACE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall_info.h"

// Where NT_PRSTATUS keeps the ip and sp, in 8-byte words: x86-64's
// user_regs_struct (rip 16, rsp 19), arm64's user_pt_regs (sp 31, pc 32),
// riscv64's user_regs_struct (pc 0, sp 2).
#if defined(__x86_64__)
enum { kIp = 16, kSp = 19 };
#elif defined(__aarch64__)
enum { kIp = 32, kSp = 31 };
#elif defined(__riscv)
enum { kIp = 0, kSp = 2 };
#else
#error "an arch cocoon does not run on"
#endif

static void child(void) {
  ptrace(PTRACE_TRACEME, 0, 0, 0);
  raise(SIGSTOP);
  syscall(SYS_getppid);
  syscall(SYS_getpid);
  syscall(SYS_write, -1, "x", 1);  // EBADF
  syscall(SYS_exit_group, 3);
}

static uint64_t ip_of(pid_t pid) {
  uint64_t regs[64] = {0};
  struct iovec iov = {regs, sizeof regs};
  if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) != 0) return 0;
  return regs[kIp];
}

// PTRACE_SINGLESTEP from the SIGSTOP stop until a step goes over the
// child's next system call (its siginfo is no TRAP_TRACE: TRAP_BRKPT on
// x86, SI_USER from pid 0 on arm64) or 200 steps: how many instruction
// steps (TRAP_TRACE, each moving the ip), then what the syscall's step
// gave. EIO where the arch has no single-step (riscv64).
static void steps(pid_t pid) {
  int traces = 0, moved = 0;
  for (int i = 0; i < 200; ++i) {
    const uint64_t before = ip_of(pid);
    if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) != 0) {
      printf("SINGLESTEP -> -1 %s\n", strerror(errno));
      return;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFSTOPPED(status)) {
      printf("step %d: not stopped\n", i);
      return;
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    if (WSTOPSIG(status) == SIGTRAP && si.si_code == TRAP_TRACE) {
      ++traces;
      moved += ip_of(pid) != before;
      continue;
    }
    printf("%d instruction steps (TRAP_TRACE), %d moving the ip\n", traces, moved);
    printf("then a step stopped by %s, si_code %d", strsignal(WSTOPSIG(status)), si.si_code);
    if (si.si_code <= 0) printf(", si_pid %s", si.si_pid == 0 ? "0" : "not 0");
    printf("\n");
    return;
  }
  printf("200 steps, no syscall\n");
}

static void regset_check(pid_t pid, const struct syscall_info *info) {
  uint64_t regs[64] = {0};
  struct iovec iov = {regs, sizeof regs};
  const long r = ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov);
  printf("GETREGSET NT_PRSTATUS -> %ld, %zu bytes, ip %s, sp %s\n", r, iov.iov_len,
         regs[kIp] == info->ip ? "as GET_SYSCALL_INFO's" : "differs",
         regs[kSp] == info->sp ? "as GET_SYSCALL_INFO's" : "differs");
#if defined(__aarch64__)
  // arm64's own register set of the syscall number (NT_ARM_SYSTEM_CALL,
  // arch/arm64/kernel/ptrace.c: system_call_get), which aarch64 debuggers
  // read and write instead of x8.
  int nr = -2;
  struct iovec one = {&nr, sizeof nr};
  const long s = ptrace(PTRACE_GETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL, &one);
  printf("GETREGSET NT_ARM_SYSTEM_CALL -> %ld, %zu bytes, number %s\n", s, one.iov_len,
         (uint64_t)nr == info->entry.nr ? "as GET_SYSCALL_INFO's" : "differs");
#endif
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const pid_t pid = fork();
  if (pid == 0) child();
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child stopped: %s\n", WIFSTOPPED(status) ? strsignal(WSTOPSIG(status)) : "no");
  printf("SETOPTIONS -> %ld\n",
         ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)));
  steps(pid);
  int entries = 0;
  for (;;) {
    if (ptrace(PTRACE_SYSCALL, pid, 0, 0) != 0) return 1;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
      printf("exited %d\n", WEXITSTATUS(status));
      return 0;
    }
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      printf("stop %#x\n", status);
      continue;
    }
    struct syscall_info info;
    memset(&info, 0, sizeof info);
    ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info);
    if (info.op == 1) {
      printf("entry %llu\n", (unsigned long long)info.entry.nr);
      if (entries++ == 0) regset_check(pid, &info);
    } else if (info.op == 2) {
      printf("exit %s%lld\n", info.exit.is_error ? "error " : "",
             (long long)(info.exit.is_error ? -info.exit.rval : info.exit.rval > 0));
    } else {
      printf("op %d\n", info.op);
    }
  }
}
