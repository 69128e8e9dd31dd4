// prctl(PR_SET_DUMPABLE), which cocoon emulates (syscalls/src/guard/
// dumpable.h): the flag's life (threads share it, a fork inherits it, an
// exec sets it back to 1, values other than 0 and 1 are EINVAL), and what
// another process of the same user can do to a process that is not
// dumpable, then to the same process dumpable again: ptrace(PTRACE_SEIZE),
// process_vm_readv, pidfd_getfd, process_madvise, kcmp, and with "proc"
// its /proc/PID/environ and /proc/PID/cwd. The target is a child (so Yama's
// scope 1 would allow the parent), the prober its parent. One line per
// call, "ok" or the errno's name, for comparison with a native run.
// With "guard", it is the target of another program instead (tests/
// adversarial's `steal parent`): it makes itself not dumpable, then runs
// PROG as its child, with neither its descriptors above 2 nor
// COCOON_SECRET from its environment, and waits for it.
// Usage: nodump [proc] | nodump get | nodump guard PROG [ARG...]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char marker[] = "the target's memory";

static void show(const char* what, long r) {
  printf("%s: %s\n", what, r >= 0 ? "ok" : strerrorname_np(errno));
  fflush(stdout);
}

static void show_get(const char* what) { printf("%s: %d\n", what, prctl(PR_GET_DUMPABLE)); fflush(stdout); }

static void* thread_main(void* arg) {
  (void)arg;
  show_get("thread get");
  show("thread set 1", prctl(PR_SET_DUMPABLE, 1));
  return NULL;
}

// The flag's life in this process, its threads and children.
static void life(const char* self) {
  show_get("get at start");
  show("set 2", prctl(PR_SET_DUMPABLE, 2));
  show("set 0", prctl(PR_SET_DUMPABLE, 0));
  show_get("get");
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);
  show_get("get after the thread's set");
  show("set 0 again", prctl(PR_SET_DUMPABLE, 0));
  pid_t child = fork();
  if (child == 0) {
    show_get("forked child get");
    execl(self, self, "get", (char*)NULL);
    _exit(127);
  }
  waitpid(child, NULL, 0);
  show_get("get after the child");
  show("set 1", prctl(PR_SET_DUMPABLE, 1));
}

// The prober's calls on `pid`, which holds `marker` where this process
// does (a fork) and descriptor 0.
static void probe(const char* label, pid_t pid, int with_proc) {
  printf("%s:\n", label);
  char buf[sizeof marker];
  struct iovec local = {buf, sizeof buf}, remote = {marker, sizeof marker};
  const long n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (n >= 0 && (n != (long)sizeof marker || memcmp(buf, marker, sizeof marker) != 0)) {
    printf("  process_vm_readv: read something else\n");
  } else {
    show("  process_vm_readv", n);
  }
  const int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  const int fd = (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0);
  show("  pidfd_getfd", fd);
  if (fd >= 0) close(fd);
  struct iovec advice = {marker, 4096};
  advice.iov_base = (void*)((unsigned long)marker & ~4095UL);
  show("  process_madvise", syscall(SYS_process_madvise, pidfd, &advice, 1, MADV_COLD, 0));
  close(pidfd);
  show("  kcmp", syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, 0, 0));
  if (with_proc) {
    char path[64], target[4096];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    const int env = open(path, O_RDONLY);
    show("  open environ", env);
    if (env >= 0) close(env);
    snprintf(path, sizeof path, "/proc/%d/cwd", (int)pid);
    show("  readlink cwd", readlink(path, target, sizeof target));
  }
  // Last: a seized child stays the prober's tracee until it exits.
  show("  ptrace_seize", ptrace(PTRACE_SEIZE, pid, 0, 0));
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "get") == 0) {
    show_get("exec'd get");
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "guard") == 0) {
    if (prctl(PR_SET_DUMPABLE, 0) != 0) perror("PR_SET_DUMPABLE");
    const pid_t child = fork();
    if (child == 0) {
      for (int fd = 3; fd < 1024; fd++) close(fd);
      unsetenv("COCOON_SECRET");
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const int with_proc = argc == 2 && strcmp(argv[1], "proc") == 0;
  life(argv[0]);
  // The target: not dumpable, until it reads a byte; then dumpable, until
  // its pipe closes. It says when it is either.
  int go[2], ready[2];
  if (pipe(go) != 0 || pipe(ready) != 0) return 1;
  const pid_t target = fork();
  if (target == 0) {
    char c;
    close(go[1]);
    prctl(PR_SET_DUMPABLE, 0);
    (void)!write(ready[1], "n", 1);
    (void)!read(go[0], &c, 1);
    prctl(PR_SET_DUMPABLE, 1);
    (void)!write(ready[1], "d", 1);
    (void)!read(go[0], &c, 1);
    _exit(0);
  }
  char c;
  close(go[0]);
  (void)!read(ready[0], &c, 1);
  probe("not dumpable", target, with_proc);
  // The seize above failed; were it to succeed, this process would be the
  // target's tracer from here on, which the next probe shows anyway.
  (void)!write(go[1], "g", 1);
  (void)!read(ready[0], &c, 1);
  probe("dumpable again", target, with_proc);
  close(go[1]);
  int status = 0;
  waitpid(target, &status, 0);
  show("target exited", WIFEXITED(status) ? 0 : -1);
  return 0;
}
