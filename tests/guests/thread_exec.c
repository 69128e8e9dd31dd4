// execve from a NON-leader thread. The kernel kills the other threads, and
// the exec'ing thread takes over the leader's tid (the pid stays the same);
// a tracer sees PTRACE_EVENT_EXEC with the former tid in the event message
// and never gets the old leader's exit. Meanwhile four other threads keep
// making syscalls, so they are killed in the middle of stops.
// Usage: thread_exec           -> spawns the threads, one execs
//        thread_exec after PID -> (the new image) checks getpid() == PID
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char pid_s[24];

static void* busy(void* arg) {
  (void)arg;
  for (;;) getppid();
  return NULL;
}

static void* execer(void* arg) {
  (void)arg;
  usleep(20000);  // let the busy threads run
  char* const next[] = {"thread_exec", "after", pid_s, NULL};
  printf("exec from tid %ld (leader %ld)\n", (long)syscall(SYS_gettid), (long)getpid());
  fflush(stdout);
  execv("/proc/self/exe", next);
  perror("execv");
  exit(1);
}

int main(int argc, char** argv) {
  if (argc > 2 && strcmp(argv[1], "after") == 0) {
    if (atol(argv[2]) != (long)getpid()) {
      printf("new image has pid %ld, expected %s\n", (long)getpid(), argv[2]);
      return 1;
    }
    if ((long)syscall(SYS_gettid) != (long)getpid()) {
      printf("new image's tid is not its pid\n");
      return 1;
    }
    printf("new image ok\n");
    return 0;
  }
  snprintf(pid_s, sizeof pid_s, "%ld", (long)getpid());
  pthread_t t;
  for (int i = 0; i < 4; i++) pthread_create(&t, NULL, busy, NULL);
  pthread_create(&t, NULL, execer, NULL);
  for (;;) pause();  // the leader sits in a syscall while the thread execs
}
