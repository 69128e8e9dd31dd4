// Route: a pidfd swapped between cocoon's check and the kernel's use. One
// thread calls pidfd_send_signal(FD, 0) over and over; a sibling thread
// keeps dup2-ing onto FD, in turn, a pidfd of a process that is gone (the
// call fails with ESRCH) and one of the guest's parent (cocoon). A check of
// FD followed by the kernel's own look-up of FD lets some calls through to
// the parent. Natively every call on the parent's pidfd reaches it.
// With "getfd PID" the call is pidfd_getfd(FD, 7) and the pidfds swapped
// are the probe's own (its descriptor 7 a pipe) and one of process PID
// outside the guest, which holds the secret as its descriptor 7: a
// descriptor taken that is not the pipe is the outside process's.
// Natively about half the calls take it.
// Usage: pidfdswap SECONDS [getfd PID [first] | first]
// "first" stops at the first call that reaches the parent: the native
// control, given a long limit, so that a loaded machine that starves the
// swapping thread for seconds cannot make it fail (seen at load 11).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "probe.h"

enum { kSlot = 100 };
static int swap_a, swap_b;  // dup2-ed onto kSlot in turn by the swapper
static atomic_int done;

static void* swapper(void* arg) {
  (void)arg;
  while (!atomic_load(&done)) {
    dup2(swap_a, kSlot);
    dup2(swap_b, kSlot);
  }
  return NULL;
}

enum { kTarget = 7 };

// pidfd_getfd(kSlot, 7) for `seconds` while the swapper runs, the probe's
// own pidfd and `outsider`'s in turn; prints what the first outside
// descriptor held, and whether each own one came close-on-exec (as
// pidfd_getfd(2) makes them).
static void getfd_swap(int seconds, pid_t outsider, bool first) {
  int pipe_fds[2];
  swap_a = (int)syscall(SYS_pidfd_open, getpid(), 0);
  swap_b = (int)syscall(SYS_pidfd_open, outsider, 0);
  if (swap_a < 0 || swap_b < 0 || pipe(pipe_fds) != 0 || dup2(pipe_fds[0], kTarget) != kTarget) {
    say("setup: %s\n", err_name(errno));
    route("getfd_swap", 0, errno);
    return;
  }
  dup2(swap_a, kSlot);
  pthread_t t;
  pthread_create(&t, NULL, swapper, NULL);
  const time_t end = time(NULL) + seconds;
  long calls = 0, own = 0, own_cloexec = 0, reached = 0;
  int last_err = 0;
  while (time(NULL) < end) {
    ++calls;
    const int fd = (int)syscall(SYS_pidfd_getfd, kSlot, kTarget, 0);
    if (fd < 0) {
      last_err = errno;
      continue;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
      ++own;
      if (fcntl(fd, F_GETFD) & FD_CLOEXEC) ++own_cloexec;
    } else if (reached++ == 0) {
      show_contents("stolen fd 7", fd);
      if (first) {
        close(fd);
        break;
      }
    }
    close(fd);
  }
  atomic_store(&done, 1);
  pthread_join(t, NULL);
  say("calls: %ld, own: %ld (close-on-exec: %ld), reached the outside process: %ld\n", calls, own,
      own_cloexec, reached);
  route("getfd_swap", reached > 0, last_err ? last_err : EBADF);
}

int main(int argc, char** argv) {
  if ((argc == 4 || argc == 5) && strcmp(argv[2], "getfd") == 0) {
    getfd_swap(atoi(argv[1]), (pid_t)atoi(argv[3]), argc == 5 && strcmp(argv[4], "first") == 0);
    return 0;
  }
  const bool first = argc == 3 && strcmp(argv[2], "first") == 0;
  if (argc != 2 && !first) {
    say("usage: pidfdswap SECONDS [getfd PID [first] | first]\n");
    return 2;
  }
  swap_b = (int)syscall(SYS_pidfd_open, getppid(), 0);
  if (swap_b < 0) {  // refused: no pidfd of the parent to swap in
    route("pidfd_swap", 0, errno);
    return 0;
  }
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  swap_a = (int)syscall(SYS_pidfd_open, child, 0);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  if (swap_b < 0 || swap_a < 0) {
    say("pidfd_open: %s\n", err_name(errno));
    return 1;
  }
  dup2(swap_a, kSlot);
  pthread_t t;
  pthread_create(&t, NULL, swapper, NULL);
  const time_t end = time(NULL) + atoi(argv[1]);
  long calls = 0, reached = 0;
  int last_err = 0;
  while (time(NULL) < end) {
    ++calls;
    if (syscall(SYS_pidfd_send_signal, kSlot, 0, NULL, 0) == 0) {
      ++reached;
      if (first) break;
    } else if (errno != ESRCH) {
      last_err = errno;
    }
  }
  atomic_store(&done, 1);
  pthread_join(t, NULL);
  say("calls: %ld, reached the parent: %ld\n", calls, reached);
  route("pidfd_swap", reached > 0, last_err ? last_err : ESRCH);
  return 0;
}
