// Re-execs itself N times through execve(/proc/self/exe), counting down in
// argv, then prints "done N". Each step checks the pid is unchanged (exec
// keeps it), so a tracer that loses track of the process at an exec event
// shows up here. Usage: execchain N [LEFT PID].
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: execchain N\n");
    return 2;
  }
  int left = argc > 2 ? atoi(argv[2]) : atoi(argv[1]);
  long pid = argc > 3 ? atol(argv[3]) : (long)getpid();
  if (pid != (long)getpid()) {
    printf("pid changed across exec: %ld -> %ld\n", pid, (long)getpid());
    return 1;
  }
  if (left == 0) {
    printf("done %s\n", argv[1]);
    return 0;
  }
  char left_s[16], pid_s[24];
  snprintf(left_s, sizeof left_s, "%d", left - 1);
  snprintf(pid_s, sizeof pid_s, "%ld", pid);
  char* const next[] = {argv[0], argv[1], left_s, pid_s, NULL};
  execv("/proc/self/exe", next);
  perror("execv");
  return 1;
}
