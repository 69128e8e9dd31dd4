// The thread-group leader leaves first: main() calls pthread_exit while a
// second thread goes on making syscalls. The leader becomes a zombie that
// the kernel reports only when the whole group is gone, so the tracer must
// keep waiting and then report the group's exit code.
// Usage: leader_exit exit -> the thread exits the process with 5
//        leader_exit exec -> the thread execs "leader_exit after PID" (exec
//                            from a non-leader while the leader is a zombie),
//                            which checks its pid and exits 6
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char* mode;
static char pid_s[24];
static char self_exe[4096];  // read while the leader lives: /proc/self is the leader's

static void* thread_main(void* arg) {
  (void)arg;
  for (int i = 0; i < 20000; i++) getppid();
  usleep(50000);
  if (strcmp(mode, "exec") == 0) {
    char* const next[] = {"leader_exit", "after", pid_s, NULL};
    execv(self_exe, next);
    perror("execv");
    exit(1);
  }
  printf("thread exits 5\n");
  fflush(stdout);
  exit(5);
}

int main(int argc, char** argv) {
  mode = argc > 1 ? argv[1] : "exit";
  if (strcmp(mode, "after") == 0 && argc > 2) {
    int same = atol(argv[2]) == (long)getpid();
    printf("exec'd image: %s\n", same ? "same pid" : "pid changed");
    return same ? 6 : 1;
  }
  snprintf(pid_s, sizeof pid_s, "%ld", (long)getpid());
  if (readlink("/proc/self/exe", self_exe, sizeof self_exe - 1) < 0) return 2;
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_exit(NULL);
}
