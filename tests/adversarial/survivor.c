// Route: outliving cocoon. A child cloned with CLONE_UNTRACED is no tracee,
// so neither PTRACE_O_EXITKILL nor cocoon's kill switch reaches it; in a
// session of its own it would run on after cocoon is gone. Without the
// flag the probe makes an ordinary child, which must die with cocoon too.
// Usage: survivor leave|stay MARK (MARK is for the test's pgrep: every
// process of the probe carries it in its arguments.) With "leave" the
// parent exits at once, with "stay" it waits too.
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "probe.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    say("usage: survivor leave|stay MARK\n");
    return 2;
  }
  long pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  const int untraced = pid >= 0;
  const int err = errno;
  if (pid < 0) pid = fork();
  if (pid == 0) {
    setsid();
    const struct timespec t = {600, 0};
    for (;;) nanosleep(&t, NULL);
  }
  route("clone_untraced", untraced, err);
  say("child %ld\n", pid);
  if (strcmp(argv[1], "stay") == 0) {
    for (;;) pause();
  }
  return 0;
}
