// Route: a pidfd swapped between cocoon's check and the kernel's use. One
// thread calls pidfd_send_signal(FD, 0) over and over; a sibling thread
// keeps dup2-ing onto FD, in turn, a pidfd of a process that is gone (the
// call fails with ESRCH) and one of the guest's parent (cocoon). A check of
// FD followed by the kernel's own look-up of FD lets some calls through to
// the parent. Natively every call on the parent's pidfd reaches it.
// Usage: pidfdswap SECONDS
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "probe.h"

enum { kSlot = 100 };
static int gone_fd, parent_fd;
static atomic_int done;

static void* swapper(void* arg) {
  (void)arg;
  while (!atomic_load(&done)) {
    dup2(gone_fd, kSlot);
    dup2(parent_fd, kSlot);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    say("usage: pidfdswap SECONDS\n");
    return 2;
  }
  parent_fd = (int)syscall(SYS_pidfd_open, getppid(), 0);
  if (parent_fd < 0) {  // refused: no pidfd of the parent to swap in
    route("pidfd_swap", 0, errno);
    return 0;
  }
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  gone_fd = (int)syscall(SYS_pidfd_open, child, 0);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  if (parent_fd < 0 || gone_fd < 0) {
    say("pidfd_open: %s\n", err_name(errno));
    return 1;
  }
  dup2(gone_fd, kSlot);
  pthread_t t;
  pthread_create(&t, NULL, swapper, NULL);
  const time_t end = time(NULL) + atoi(argv[1]);
  long calls = 0, reached = 0;
  int last_err = 0;
  while (time(NULL) < end) {
    ++calls;
    if (syscall(SYS_pidfd_send_signal, kSlot, 0, NULL, 0) == 0) {
      ++reached;
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
