// stat(2) under a storm of signals whose handler has no SA_RESTART, and a
// guest's own seccomp listener. Under cocoon -0 the stat family is answered
// from seccomp user notifications, which a signal can interrupt before
// cocoon has received the call: the kernel then fails it with EINTR, which
// stat never does natively, unless cocoon answers it at the signal stop
// (tests/e2e/identity.sh, docs/architecture.md). And a timer faster than a
// ptrace stop's round trip leaves a signal pending at every sigreturn: the
// guest's own code must still run (cocoon holds a signal back then).
//   statstorm stat FILE N [US]  ->  "eintr E other O uid U signals>0 S"
//     (SIGALRM every US microseconds, 20 by default)
//   statstorm fifo DIR N [US]   ->  "eintr E other O signals>0 S"
//     mknod of a FIFO then unlink, N times, under the same storm with
//     SA_RESTART: a call cocoon lets run as it is, which a signal
//     interrupting it before cocoon received it restarts
//   statstorm spin N [US]       ->  "signals>=N 1"
//     no system call until N signals came: both the guest's own code and
//     its signals go on
//   statstorm listener     ->  "listener ok" or "listener <errno name>"
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t signals;
static void on_alarm(int sig) {
  (void)sig;
  signals++;
}

static void start_storm(long us, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = flags;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every = {{0, us}, {0, us}};
  setitimer(ITIMER_REAL, &every, NULL);
}

static void stop_storm(void) {
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
}

static int storm(const char* file, long n, long us) {
  start_storm(us, 0);  // no SA_RESTART
  long eintr = 0, other = 0;
  struct stat st;
  unsigned uid = 0;
  for (long i = 0; i < n; i++) {
    if (stat(file, &st) == 0) {
      uid = st.st_uid;
    } else if (errno == EINTR) {
      eintr++;
    } else {
      other++;
    }
  }
  stop_storm();
  printf("eintr %ld other %ld uid %u signals>0 %d\n", eintr, other, uid, signals > 0);
  return 0;
}

static int fifos(const char* dir, long n, long us) {
  char path[4096];
  snprintf(path, sizeof path, "%s/storm.fifo", dir);
  start_storm(us, SA_RESTART);
  long eintr = 0, other = 0;
  for (long i = 0; i < n; i++) {
    int r = mknod(path, S_IFIFO | 0600, 0);
    if (r == 0) r = unlink(path);
    if (r == 0) continue;
    if (errno == EINTR) {
      eintr++;
    } else {
      other++;
    }
    unlink(path);
  }
  stop_storm();
  printf("eintr %ld other %ld signals>0 %d\n", eintr, other, signals > 0);
  return 0;
}

static int spin(long n, long us) {
  start_storm(us, 0);
  while (signals < n) {
  }
  stop_storm();
  printf("signals>=%ld 1\n", n);
  return 0;
}

static int listener(void) {
  struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog p = {1, f};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
  printf("listener %s\n", fd >= 0 ? "ok" : strerrorname_np(errno));
  return 0;
}

int main(int argc, char** argv) {
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "stat") == 0) {
    return storm(argv[2], atol(argv[3]), argc == 5 ? atol(argv[4]) : 20);
  }
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "fifo") == 0) {
    return fifos(argv[2], atol(argv[3]), argc == 5 ? atol(argv[4]) : 20);
  }
  if ((argc == 3 || argc == 4) && strcmp(argv[1], "spin") == 0) {
    return spin(atol(argv[2]), argc == 4 ? atol(argv[3]) : 20);
  }
  if (argc == 2 && strcmp(argv[1], "listener") == 0) return listener();
  fprintf(stderr, "usage: statstorm stat FILE N [US] | fifo DIR N [US] | spin N [US] | listener\n");
  return 2;
}
