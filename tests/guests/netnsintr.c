// Signals that come while cocoon has a task make calls of its own (the
// Landlock scope of a network namespace the guest makes under --namespaces:
// tracer/src/injection.cc) are delivered after its call, none lost: a
// thread sends real-time signals (queued, never merged: signal(7)) to the
// main thread all the while it unshares a network namespace 15 times
// (Landlock's 16 layers leave room for 15 scopes; the first unshare, of a
// user namespace, comes before the thread: the kernel wants one thread).
// Prints how many unshares succeeded and whether every signal sent was
// handled; the same natively. Runs as an unprivileged user (netns.sh).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_long handled;
static atomic_int done;
static atomic_long sent;
static pid_t main_tid;

static void on_signal(int sig) {
  (void)sig;
  atomic_fetch_add(&handled, 1);
}

static void* sender(void* arg) {
  (void)arg;
  while (!atomic_load(&done)) {
    // EAGAIN once RLIMIT_SIGPENDING is reached: not sent, not counted.
    if (syscall(SYS_tgkill, getpid(), main_tid, SIGRTMIN) == 0) sent++;
    for (volatile int k = 0; k < 100; k++) {}
  }
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGRTMIN, &sa, NULL);
  main_tid = (pid_t)syscall(SYS_gettid);
  if (unshare(CLONE_NEWUSER) != 0) {
    printf("unshare(CLONE_NEWUSER): %s\n", strerror(errno));
    return 1;
  }
  pthread_t t;
  if (pthread_create(&t, NULL, sender, NULL) != 0) return 1;
  // The stream must be flowing before the first unshare: on a busy machine
  // the new thread may not run until the main thread's loop is over.
  while (atomic_load(&handled) == 0) sched_yield();
  int ok = 0;
  for (int i = 0; i < 15; i++) {
    if (unshare(CLONE_NEWNET) == 0) {
      ok++;
    } else {
      printf("unshare(CLONE_NEWNET) %d: %s\n", i, strerror(errno));
    }
  }
  atomic_store(&done, 1);
  pthread_join(t, NULL);  // every signal sent is pending or handled by its return
  syscall(SYS_getpid);
  printf("unshares %d, signals %s, every one handled: %s\n", ok, atomic_load(&sent) > 0 ? "sent" : "none",
         atomic_load(&sent) == atomic_load(&handled) ? "yes" : "no");
  return 0;
}
