// Route: signals to the tracer. The guest's parent is cocoon, a process of
// the same user: `kill -STOP $PPID` would freeze the whole run, SIGKILL
// end it with no clean-up. Every way of naming it is tried with signal 0
// (the permission check alone, kill(2)): kill, tkill and tgkill of each of
// its threads, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal on a
// pidfd and on its /proc directory (when /proc is there).
// Usage: signals probe|stop. With "stop", SIGSTOP is then sent for real
// with kill, and the probe goes on making calls cocoon handles: if cocoon
// stopped, the run never ends (the test's time limit catches that).
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "probe.h"

static void try_signal(const char* name, long r) { route(name, r == 0, errno); }

int main(int argc, char** argv) {
  if (argc != 2) {
    say("usage: signals probe|stop\n");
    return 2;
  }
  const pid_t target = getppid();
  try_signal("kill", kill(target, 0));
  try_signal("tkill", syscall(SYS_tkill, target, 0));
  siginfo_t info;
  memset(&info, 0, sizeof info);
  info.si_code = SI_QUEUE;
  info.si_pid = getpid();
  info.si_uid = getuid();
  try_signal("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, target, 0, &info));
  try_signal("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, target, target, 0, &info));
  const int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
  // (No pidfd at all closes the route too: cocoon refuses pidfd_open of
  // itself where it cannot tell a pidfd's process, docs/threat-model.md.)
  if (pidfd >= 0) {
    try_signal("pidfd_send_signal", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
  } else {
    route("pidfd_send_signal", 0, errno);
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d", (int)target);
  const int dirfd = open(path, O_RDONLY | O_DIRECTORY);
  if (dirfd >= 0) {
    try_signal("pidfd_send_signal_procdir", syscall(SYS_pidfd_send_signal, dirfd, 0, NULL, 0));
  }
  // Its other threads (cocoon's notifier and signal threads), each by tid.
  snprintf(path, sizeof path, "/proc/%d/task", (int)target);
  DIR* d = opendir(path);
  int threads = 0, reached = 0;
  while (d != NULL) {
    const struct dirent* e = readdir(d);
    if (e == NULL) break;
    const int tid = atoi(e->d_name);
    if (tid <= 0) continue;
    threads++;
    if (syscall(SYS_tkill, tid, 0) == 0) reached++;
    if (syscall(SYS_tgkill, target, tid, 0) == 0) reached++;
  }
  if (d != NULL) {
    closedir(d);
    say("threads: %d, reached %d times\n", threads, reached);
    if (threads > 0) route("thread_signals", reached > 0, EPERM);
  }
  if (strcmp(argv[1], "stop") == 0) {
    kill(target, SIGSTOP);
    for (int i = 0; i < 100; i++) close(open("/", O_RDONLY));
    say("alive after SIGSTOP\n");
  }
  return 0;
}
