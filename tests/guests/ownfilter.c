// A guest's own seccomp filter, as systemd units and bwrap --seccomp
// install them, under cocoon's: it answers getppid with an errno of its
// choosing (RET_ERRNO, which outranks cocoon's stop) and asks a tracer for
// openat (RET_TRACE: with no tracer that asked for the stop the call fails
// with ENOSYS, natively and under cocoon, the real tracer, which emulates
// that rule). Then it opens PATH and prints its first line, and getppid's
// errno.
// Usage: ownfilter PATH
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 77),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
    printf("filter: %s\n", strerror(errno));
    return 1;
  }
  const long r = syscall(SYS_getppid);
  printf("getppid: %s\n", r < 0 ? strerrorname_np(errno) : "ok");
  const int fd = (int)syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY);
  if (fd < 0) {
    printf("open: %s\n", strerrorname_np(errno));
    return 0;
  }
  char buf[256];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  buf[strcspn(buf, "\n")] = 0;
  printf("open: %s\n", buf);
  return 0;
}
