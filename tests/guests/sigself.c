// Signal delivery through the tracer: a SIGUSR1 handler must run when the
// process kill()s itself, a SIGALRM from a timer must interrupt a blocking
// pause() (EINTR) and run its handler, and a blocked-then-unblocked signal
// must be delivered at sigprocmask, and a read() interrupted by an SA_RESTART
// handler must be restarted transparently. Prints "sigself ok".
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, alrm, usr2;

static void on_usr1(int s) { usr1 = s; }
static void on_alrm(int s) { alrm = s; }
static void on_usr2(int s) { usr2 = s; }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_alrm;
  sigaction(SIGALRM, &sa, NULL);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);

  kill(getpid(), SIGUSR1);
  if (usr1 != SIGUSR1) {
    printf("SIGUSR1 handler did not run\n");
    return 1;
  }
  printf("SIGUSR1 handler ran\n");

  struct itimerval it = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_REAL, &it, NULL);
  int r = pause();
  if (r != -1 || errno != EINTR || alrm != SIGALRM) {
    printf("pause: %d errno %d alrm %d\n", r, errno, (int)alrm);
    return 1;
  }
  printf("SIGALRM interrupted pause\n");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, NULL);
  kill(getpid(), SIGUSR2);
  if (usr2) {
    printf("blocked SIGUSR2 delivered early\n");
    return 1;
  }
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  if (usr2 != SIGUSR2) {
    printf("SIGUSR2 not delivered on unblock\n");
    return 1;
  }
  printf("SIGUSR2 delivered on unblock\n");

  // SA_RESTART: the timer fires while read() blocks; the kernel restarts the
  // read after the handler, and it returns the byte the child writes later.
  int fds[2];
  if (pipe(fds) != 0) return 2;
  pid_t child = fork();
  if (child == 0) {
    usleep(150000);
    (void)!write(fds[1], "x", 1);
    _exit(0);
  }
  alrm = 0;
  sa.sa_handler = on_alrm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  setitimer(ITIMER_REAL, &it, NULL);
  char c = 0;
  ssize_t n = read(fds[0], &c, 1);
  waitpid(child, NULL, 0);
  if (n != 1 || c != 'x' || alrm != SIGALRM) {
    printf("SA_RESTART read: %zd '%c' errno %d alrm %d\n", n, c, errno, (int)alrm);
    return 1;
  }
  printf("SA_RESTART read restarted\n");
  printf("sigself ok\n");
  return 0;
}
