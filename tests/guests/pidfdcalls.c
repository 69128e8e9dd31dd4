// The calls that act on a process through a pidfd and that cocoon makes
// itself on its own copy of the guest's pidfd (syscalls/src/guard/
// process_guard.cc): process_madvise and pidfd_getfd, on the guest's own
// process, on its child, on a child that has exited, and on what is no
// pidfd, with the errors the kernel gives. One line per call, result and
// errno name, for comparison with a native run. Which of them succeed
// natively depends on the caller (process_madvise of another process asks
// CAP_SYS_NICE).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char* what, long r) {
  printf("%s: %s\n", what, r >= 0 ? "ok" : strerrorname_np(errno));
}

// A descriptor pidfd_getfd gave: close-on-exec, as pidfd_getfd(2) says.
static void show_fd(const char* what, int fd) {
  if (fd >= 0) {
    printf("%s: ok%s\n", what, (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? " cloexec" : "");
    close(fd);
  } else {
    show(what, fd);
  }
}

int main(void) {
  const size_t len = 1 << 20;
  char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(p, 1, len);
  struct iovec iov = {p, len};
  const int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
  show("madvise self cold", syscall(SYS_process_madvise, self, &iov, 1, MADV_COLD, 0));
  show("madvise self dontneed", syscall(SYS_process_madvise, self, &iov, 1, MADV_DONTNEED, 0));
  const pid_t c = fork();
  if (c == 0) {
    pause();
    _exit(0);
  }
  const int child = (int)syscall(SYS_pidfd_open, c, 0);
  show("madvise child cold", syscall(SYS_process_madvise, child, &iov, 1, MADV_COLD, 0));
  show("madvise child vlen 2000", syscall(SYS_process_madvise, child, &iov, 2000, MADV_COLD, 0));
  show("madvise child bad iovec", syscall(SYS_process_madvise, child, (void*)8, 1, MADV_COLD, 0));
  show_fd("getfd self 1", (int)syscall(SYS_pidfd_getfd, self, 1, 0));
  show_fd("getfd child 1", (int)syscall(SYS_pidfd_getfd, child, 1, 0));
  show_fd("getfd self 99", (int)syscall(SYS_pidfd_getfd, self, 99, 0));
  show_fd("getfd self flags", (int)syscall(SYS_pidfd_getfd, self, 1, 1));
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
  show("madvise gone", syscall(SYS_process_madvise, child, &iov, 1, MADV_COLD, 0));
  show_fd("getfd gone", (int)syscall(SYS_pidfd_getfd, child, 1, 0));
  show("madvise no pidfd", syscall(SYS_process_madvise, 0, &iov, 1, MADV_COLD, 0));
  show_fd("getfd no pidfd", (int)syscall(SYS_pidfd_getfd, 0, 1, 0));
  return 0;
}
