// perf_event_open(2) as a profiler makes it: on the caller itself (pid 0),
// on a child it forked (perf stat's workload) and, with the child made
// not dumpable, on that child again. Under cocoon the first two are the
// kernel's, the third refused as the kernel refuses it (EACCES): cocoon
// lets a guest observe only tasks it traces, never cocoon nor a process
// outside (docs/threat-model.md, the audit row of perf_event_open).
// Prints one line per event: "perf WHO: ok" or "perf WHO: ERRNO".
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void try_perf(const char* who, pid_t pid) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const long fd = syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd >= 0) {
    printf("perf %s: ok\n", who);
    close((int)fd);
  } else {
    printf("perf %s: %s\n", who, strerrorname_np(errno));
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  try_perf("self", 0);
  int go[2], ready[2];
  if (pipe(go) != 0 || pipe(ready) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    char c;
    if (read(go[0], &c, 1) == 1 && c == 'n') prctl(PR_SET_DUMPABLE, 0);
    if (write(ready[1], "r", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char c;
  if (write(go[1], "d", 1) != 1 || read(ready[0], &c, 1) != 1) return 1;
  try_perf("child", child);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  const pid_t second = fork();
  if (second == 0) {
    if (read(go[0], &c, 1) == 1 && c == 'n') prctl(PR_SET_DUMPABLE, 0);
    if (write(ready[1], "r", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  if (write(go[1], "n", 1) != 1 || read(ready[0], &c, 1) != 1) return 1;
  try_perf("child not dumpable", second);
  kill(second, SIGKILL);
  waitpid(second, NULL, 0);
  return 0;
}
