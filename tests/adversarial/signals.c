// Route: signals to the tracer. The guest's parent is cocoon, a process of
// the same user: `kill -STOP $PPID` would freeze the whole run, SIGKILL
// end it with no clean-up. Every way of naming it is tried with signal 0
// (the permission check alone, kill(2)): kill, tkill and tgkill of each of
// its threads, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal on a
// pidfd and on its /proc directory (when /proc is there). First of all,
// prlimit64 of the parent: the kernel lets a process of the same ids
// change another's limits, and a cocoon whose RLIMIT_NOFILE is 4 could
// open no /proc file to tell its own threads from the guest's (it once
// took them for outsiders, and their tkill went through).
// Usage: signals probe|stop|late. With "stop", SIGSTOP is sent for real
// (tkill and tgkill of each thread, then kill), and the probe goes on
// making calls cocoon handles: if cocoon stopped, the run never ends (the
// test's time limit catches that). With "late", only its threads and a
// pidfd of it taken before, once the test has lowered cocoon's
// RLIMIT_NOFILE itself.
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "probe.h"

static void try_signal(const char* name, long r) { route(name, r == 0, errno); }

// Every route to the parent itself, prlimit64 first.
static void parent_routes(pid_t target) {
  struct rlimit lim;
  long r = syscall(SYS_prlimit64, target, RLIMIT_NOFILE, NULL, &lim);
  if (r == 0) {
    lim.rlim_cur = 4;  // the soft limit only: natively the shell just runs `:`
    r = syscall(SYS_prlimit64, target, RLIMIT_NOFILE, &lim, NULL);
  }
  try_signal("prlimit", r);
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
}

int main(int argc, char** argv) {
  if (argc != 2) {
    say("usage: signals probe|stop|late\n");
    return 2;
  }
  const pid_t target = getppid();
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)target);
  DIR* d = opendir(path);
  const int listed = d != NULL;
  int tids[64], ntids = 0;
  for (const struct dirent* e; d != NULL && ntids < 64 && (e = readdir(d)) != NULL;) {
    if (atoi(e->d_name) > 0) tids[ntids++] = atoi(e->d_name);
  }
  if (d != NULL) closedir(d);
  // "late": only the threads, once the test has lowered cocoon's
  // RLIMIT_NOFILE from outside (a byte on stdin says so).
  const int late = strcmp(argv[1], "late") == 0;
  if (late) {
    // (cocoon lets a guest hold a pidfd of it where it can read which
    // process a pidfd names: Linux 5.14+.)
    const int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
    say("listed %d\n", (int)target);
    char go;
    if (read(STDIN_FILENO, &go, 1) != 1) return 1;
    if (pidfd >= 0) {
      try_signal("pidfd_send_signal", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
    } else {
      route("pidfd_send_signal", 0, errno);
    }
  } else {
    parent_routes(target);
  }
  // Its other threads (cocoon's notifier and signal threads), each by tid
  // (listed first: later the parent may be unable to open /proc for us);
  // with "stop", SIGSTOP to each.
  const int stop = strcmp(argv[1], "stop") == 0;
  int threads = 0, reached = 0;
  for (int i = 0; i < ntids; i++) {
    threads++;
    if (syscall(SYS_tkill, tids[i], stop ? SIGSTOP : 0) == 0) reached++;
    if (syscall(SYS_tgkill, target, tids[i], stop ? SIGSTOP : 0) == 0) reached++;
  }
  if (listed) {
    say("threads: %d, reached %d times\n", threads, reached);
    if (threads > 0) route("thread_signals", reached > 0, EPERM);
  }
  if (stop) {
    kill(target, SIGSTOP);
    for (int i = 0; i < 100; i++) close(open("/", O_RDONLY));
    say("alive after SIGSTOP\n");
  }
  return 0;
}
