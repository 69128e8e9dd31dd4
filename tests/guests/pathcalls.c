// Path syscalls libc rarely wraps, by number: fanotify_mark(2) (an inode
// mark, which an unprivileged user may place since Linux 5.13) and
// getxattrat(2) (Linux 6.13) on argv[1]. Prints each result as "name: 0" or
// "name: errno-name", so a run under cocoon can be compared with a native
// run on the host path: the guest path exists only through a bind.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_getxattrat
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
#define SYS_getxattrat 464
#endif
#endif

struct xattr_args {
  unsigned long long value;
  unsigned int size;
  unsigned int flags;
};

static void report(const char* what, long rc) {
  printf("%s: %s\n", what, rc >= 0 ? "0" : strerrorname_np(errno));
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
  if (fan < 0) {
    report("fanotify_init", -1);
  } else {
    report("fanotify_mark", fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, argv[1]));
    report("fanotify_mark missing",
           fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, "/nonexistent/x"));
  }
  char value[64];
  struct xattr_args args = {(unsigned long long)(unsigned long)value, sizeof value, 0};
  report("getxattrat", syscall(SYS_getxattrat, AT_FDCWD, argv[1], 0, "user.cocoon", &args,
                               sizeof args));
  return 0;
}
