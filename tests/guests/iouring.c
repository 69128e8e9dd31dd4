// io_uring_setup through syscall(2). io_uring can open files from a kernel
// worker no seccomp filter sees, so cocoon answers ENOSYS; natively it may
// succeed (then the ring fd is closed). Prints "io_uring_setup: ok" or
// "io_uring_setup: -1 <ERRNO>".
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  long fd = syscall(SYS_io_uring_setup, 8, &p);
  if (fd >= 0) {
    printf("io_uring_setup: ok\n");
    close((int)fd);
  } else {
    printf("io_uring_setup: -1 %s\n", strerrorname_np(errno));
  }
  return 0;
}
