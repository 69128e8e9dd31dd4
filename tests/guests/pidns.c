// The pids a process sees in cocoon's emulated PID namespace
// (--unshare-pid), printed as key=value lines for tests/e2e/pidns.sh:
// its own numbers, a thread's, fork's and wait's, si_pid of SIGCHLD and of
// a signal it sends itself, raise() in a forked child (glibc takes the tid
// from CLONE_CHILD_SETTID's word), waitid's si_pid, an orphan reparented to
// PID 1 and reaped there, a zombie, and a kill across the boundary
// (argv[1]: the real pid of a process outside; argv[2] "native": no
// orphan).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld_pid = -1, usr_pid = -1, usr1_seen = 0;

static void on_chld(int sig, siginfo_t* si, void* ctx) {
  (void)sig, (void)ctx;
  chld_pid = si->si_pid;
}
static void on_usr2(int sig, siginfo_t* si, void* ctx) {
  (void)sig, (void)ctx;
  usr_pid = si->si_pid;
}
static void on_usr1(int sig) {
  (void)sig;
  usr1_seen = 1;
}

static void* thread_main(void* arg) {
  *(long*)arg = syscall(SYS_gettid);
  // pthread_kill uses the tid glibc stored for the thread
  // (CLONE_PARENT_SETTID): a real tid there would be ESRCH or another task.
  usr1_seen = 0;
  int err = pthread_kill(pthread_self(), SIGUSR1);
  printf("thread_kill=%d seen=%d\n", err, (int)usr1_seen);
  return NULL;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa = {0};
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  sa.sa_sigaction = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  signal(SIGUSR1, on_usr1);

  printf("pid=%d tid=%ld ppid=%d\n", getpid(), syscall(SYS_gettid), getppid());
  kill(getpid(), SIGUSR2);
  printf("self_si_pid=%d\n", (int)usr_pid);

  pthread_t th;
  long ttid = 0;
  pthread_create(&th, NULL, thread_main, &ttid);
  pthread_join(th, NULL);
  printf("thread_tid=%ld\n", ttid);

  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    pid_t me = getpid();
    if (write(fds[1], &me, sizeof me) != sizeof me) _exit(3);
    usr1_seen = 0;
    raise(SIGUSR1);  // tgkill(getpid(), THREAD_SELF->tid)
    _exit(usr1_seen ? 7 : 8);
  }
  pid_t seen = 0;
  if (read(fds[0], &seen, sizeof seen) != sizeof seen) return 1;
  int status = 0;
  pid_t waited = waitpid(child, &status, 0);
  printf("fork=%d child_getpid=%d waited=%d exit=%d sigchld_si_pid=%d\n", child, seen, waited,
         WEXITSTATUS(status), (int)chld_pid);

  pid_t c2 = fork();
  if (c2 == 0) _exit(0);
  siginfo_t info = {0};
  waitid(P_PID, c2, &info, WEXITED);
  printf("waitid_si_pid_ok=%d\n", info.si_pid == c2);

  if (argc > 1) {
    int r = kill(atoi(argv[1]), 0);
    printf("kill_outside=%d errno=%s\n", r, r ? strerrorname_np(errno) : "0");
  }
  printf("kill_absent=%s\n", kill(4000, 0) ? strerrorname_np(errno) : "0");

  // A double fork: the grandchild outlives its parent and is reparented to
  // the namespace's init (this process when it is PID 1), which reaps it.
  // Natively (argv[2] "native") it would go to another reaper: skipped.
  if (argc > 2 && strcmp(argv[2], "native") == 0) return 0;
  if (pipe(fds) != 0) return 1;
  pid_t mid = fork();
  if (mid == 0) {
    const pid_t me = getpid();
    if (fork() == 0) {
      close(fds[0]);
      while (getppid() == me) usleep(1000);
      pid_t pp = getppid();
      if (write(fds[1], &pp, sizeof pp) != sizeof pp) _exit(3);
      _exit(0);
    }
    _exit(0);
  }
  close(fds[1]);
  waitpid(mid, NULL, 0);
  pid_t orphan_ppid = 0;
  if (read(fds[0], &orphan_ppid, sizeof orphan_ppid) != sizeof orphan_ppid) return 1;
  pid_t reaped = wait(NULL);
  printf("orphan_ppid=%d reaped_orphan=%d\n", orphan_ppid, reaped > mid);
  return 0;
}
