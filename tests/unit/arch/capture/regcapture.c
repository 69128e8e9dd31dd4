// Captures the register images a tracer sees at one seccomp stop and the exit
// stop of the same syscall, on whatever arch and kernel it runs on, and prints
// them as a C++ initializer for tests/unit/arch/captured/. The unit tests then
// decode those images on any host (regs_test.cc, "Captured" tests), which is
// how x86-64 CI checks aarch64 and riscv64 register decoding against what real
// kernels produced rather than against our reading of their headers.
//
// The traced call is getppid(2) with six chosen argument values (the kernel
// ignores them), filtered to SECCOMP_RET_TRACE. Next to each NT_PRSTATUS image
// it records what PTRACE_GET_SYSCALL_INFO (5.3+) reported, the reference the
// decoding must agree with, and on aarch64 the NT_ARM_SYSTEM_CALL regset.
//
// Build statically for the target arch and run it as the initramfs's /init
// under qemu-system (tests/unit/arch/capture/capture.sh): as PID 1 it powers
// the machine off when done.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif
#define GET_SYSCALL_INFO 0x420e

// struct ptrace_syscall_info (include/uapi/linux/ptrace.h), declared here
// because <linux/ptrace.h> clashes with glibc's <sys/ptrace.h>.
struct syscall_info {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arch;
  uint64_t ip;
  uint64_t sp;
  union {
    struct { uint64_t nr; uint64_t args[6]; } entry;
    struct { int64_t rval; uint8_t is_error; } exit;
    struct { uint64_t nr; uint64_t args[6]; uint32_t ret_data; } seccomp;
  };
};

static const uint64_t kArgs[6] = {0x1111111111111101, 0x2222222222222202, 0x3333333333333303,
                                  0x4444444444444404, 0x5555555555555505, 0x6666666666666606};

static void die(const char* what) {
  printf("regcapture: %s: %s\n", what, strerror(errno));
  fflush(stdout);
  if (getpid() == 1) reboot(RB_POWER_OFF);
  _exit(1);
}

static void child(int go_fd) {
  char c;
  if (read(go_fd, &c, 1) != 1) _exit(2);
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(3);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) _exit(4);
  syscall(SYS_getppid, kArgs[0], kArgs[1], kArgs[2], kArgs[3], kArgs[4], kArgs[5]);
  _exit(0);
}

struct stop {
  struct syscall_info info;
  uint64_t image[64];
  size_t words;
  long regset_nr;  // NT_ARM_SYSTEM_CALL on aarch64, else -1
};

static void capture(pid_t pid, struct stop* s) {
  memset(s, 0, sizeof *s);
  if (ptrace(GET_SYSCALL_INFO, pid, (void*)sizeof s->info, &s->info) <= 0) die("GET_SYSCALL_INFO");
  struct iovec iov = {s->image, sizeof s->image};
  if (ptrace(PTRACE_GETREGSET, pid, (void*)NT_PRSTATUS, &iov) != 0) die("GETREGSET NT_PRSTATUS");
  s->words = iov.iov_len / 8;
  s->regset_nr = -1;
#ifdef __aarch64__
  int nr = -1;
  struct iovec niov = {&nr, sizeof nr};
  if (ptrace(PTRACE_GETREGSET, pid, (void*)NT_ARM_SYSTEM_CALL, &niov) != 0) die("NT_ARM_SYSTEM_CALL");
  s->regset_nr = nr;
#endif
}

static void print_stop(const char* name, const struct stop* s) {
  printf("    .%s = {\n", name);
  printf("        .op = %u, .audit_arch = 0x%x, .ip = 0x%llx, .sp = 0x%llx,\n", s->info.op,
         s->info.arch, (unsigned long long)s->info.ip, (unsigned long long)s->info.sp);
  if (s->info.op == 2) {
    printf("        .nr = -1, .args = {}, .rval = %lld, .is_error = %u,\n",
           (long long)s->info.exit.rval, s->info.exit.is_error);
  } else {
    printf("        .nr = %llu, .args = {", (unsigned long long)s->info.seccomp.nr);
    for (int i = 0; i < 6; ++i) printf("0x%llx%s", (unsigned long long)s->info.seccomp.args[i], i < 5 ? ", " : "");
    printf("}, .rval = 0, .is_error = 0,\n");
  }
  printf("        .regset_nr = %ld, .words = %zu, .image = {", s->regset_nr, s->words);
  for (size_t i = 0; i < s->words; ++i) printf("%s0x%llx", i ? ", " : "", (unsigned long long)s->image[i]);
  printf("}},\n");
}

int main(void) {
  int go[2];
  if (pipe(go) != 0) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) child(go[0]);
  const long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SEIZE, pid, 0, (void*)opts) != 0) die("PTRACE_SEIZE");
  if (write(go[1], "g", 1) != 1) die("write");
  struct stop entry, exit_stop;
  int have_entry = 0, have_exit = 0, status;
  while (waitpid(pid, &status, __WALL) == pid) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    int sig = 0;
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
      capture(pid, &entry);
      have_entry = 1;
      if (ptrace(PTRACE_SYSCALL, pid, 0, 0) != 0) die("PTRACE_SYSCALL");
      continue;
    }
    if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
      capture(pid, &exit_stop);
      have_exit = 1;
    } else if (status >> 16 == 0) {
      sig = WSTOPSIG(status);
    }
    if (ptrace(PTRACE_CONT, pid, 0, (void*)(long)sig) != 0) die("PTRACE_CONT");
  }
  if (!have_entry || !have_exit) {
    errno = 0;
    die("the child made no traced getppid");
  }
  struct utsname u;
  uname(&u);
  printf("// BEGIN-CAPTURE\n");
  printf("// Captured by tests/unit/arch/capture/regcapture.c on Linux %s %s.\n", u.release,
         u.machine);
  printf("{\n    .machine = \"%s\", .kernel = \"%s\", .expected_args = {", u.machine, u.release);
  for (int i = 0; i < 6; ++i) printf("0x%llx%s", (unsigned long long)kArgs[i], i < 5 ? ", " : "");
  printf("}, .ppid = %d,\n", (int)getpid());
  print_stop("entry", &entry);
  print_stop("exit", &exit_stop);
  printf("},\n// END-CAPTURE\n");
  fflush(stdout);
  if (getpid() == 1) reboot(RB_POWER_OFF);
  return 0;
}
