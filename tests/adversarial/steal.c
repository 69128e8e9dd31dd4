// Route: another process of the same user, made to work for the guest. The
// target is the probe's parent (cocoon, under cocoon) or a process outside
// given by pid, which natively holds the secret open as descriptor 7 and
// in its environment (COCOON_SECRET). Tried: ptrace(PTRACE_SEIZE);
// process_vm_readv (EFAULT at an unmapped address means the kernel let the
// call through its permission check); pidfd_getfd of its descriptors 0-63;
// /proc/PID/environ, /proc/PID/mem, /proc/PID/fd/N (when /proc is there);
// perf_event_open of a sampling event whose samples copy the target's user
// stack (PERF_SAMPLE_STACK_USER: its memory, whenever it runs), which the
// kernel allows with ptrace read access where kernel.perf_event_paranoid
// is 2 or below (the event opened is the route open).
// With "nodump" the probe first makes itself non-dumpable
// (PR_SET_DUMPABLE 0): its /proc/PID files then belong to root (proc(5)),
// so a tracer of the same user cannot read what its descriptors are
// (fdinfo, the fd links) to judge the calls that take one.
// Usage: steal parent|PID [nodump]
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <linux/perf_event.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "probe.h"

static void try_ptrace(pid_t pid) {
  const long r = ptrace(PTRACE_SEIZE, pid, 0, 0);
  route("ptrace_seize", r == 0, errno);
  if (r == 0) ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void try_perf(pid_t pid) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.sample_period = 100000;
  attr.sample_type = PERF_SAMPLE_STACK_USER;
  attr.sample_stack_user = 8192;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const long fd = syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
  route("perf_event_open", fd >= 0, errno);
  if (fd >= 0) close((int)fd);
}

static void try_vm_read(pid_t pid) {
  char buf[8];
  struct iovec local = {buf, sizeof buf};
  struct iovec remote = {(void*)0x1000, sizeof buf};
  const ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  route("process_vm_readv", r >= 0 || errno == EFAULT, errno);
}

// Takes descriptors 0-63 of the target one way (`take`: a new fd, or -1
// and errno), shows what each holds, and reports the route: open when any
// was taken; `absent` is the errno of a descriptor the target has not open.
typedef int (*take_fd)(int ctx, int n);
static void take_all(const char* name, const char* label, take_fd take, int ctx, int absent) {
  int taken = 0, err = 0;
  for (int n = 0; n < 64; n++) {
    const int fd = take(ctx, n);
    if (fd < 0) {
      if (errno != absent) err = errno;
      continue;
    }
    taken++;
    char what[32];
    snprintf(what, sizeof what, "%s %d", label, n);
    show_contents(what, fd);
    close(fd);
  }
  route(name, taken > 0, err);
}

static int by_getfd(int pidfd, int n) { return (int)syscall(SYS_pidfd_getfd, pidfd, n, 0); }

static int by_proc(int pid, int n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, n);
  return open(path, O_RDONLY | O_NONBLOCK);
}

static void try_getfd(pid_t pid) {
  const int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    route("pidfd_getfd", 0, errno);
    return;
  }
  take_all("pidfd_getfd", "stolen fd", by_getfd, pidfd, EBADF);
  close(pidfd);
}

static void try_proc(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
  int fd = open(path, O_RDONLY);
  int err = errno;
  if (fd >= 0) {
    char env[65536];
    const ssize_t n = read(fd, env, sizeof env - 1);
    err = errno;
    close(fd);
    if (n >= 0) {
      env[n] = 0;
      for (ssize_t i = 0; i < n; i += (ssize_t)strlen(env + i) + 1) {
        if (strncmp(env + i, "COCOON_SECRET=", 14) == 0) say("environ: %s\n", env + i);
      }
    }
    route("proc_environ", n >= 0, err);
  } else {
    route("proc_environ", 0, err);
  }
  snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
  fd = open(path, O_RDONLY);
  route("proc_mem", fd >= 0, errno);
  if (fd >= 0) close(fd);
  take_all("proc_fd", "proc fd", by_proc, (int)pid, ENOENT);
}

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 3 && strcmp(argv[2], "nodump") == 0)) {
    say("usage: steal parent|PID [nodump]\n");
    return 2;
  }
  if (argc == 3 && prctl(PR_SET_DUMPABLE, 0) != 0) say("PR_SET_DUMPABLE: %s\n", err_name(errno));
  const pid_t pid = strcmp(argv[1], "parent") == 0 ? getppid() : (pid_t)atoi(argv[1]);
  say("target %d\n", (int)pid);
  try_ptrace(pid);
  try_vm_read(pid);
  try_getfd(pid);
  try_perf(pid);
  if (access("/proc/self", F_OK) == 0) try_proc(pid);
  return 0;
}
