/* Workload 5: a guest with N (default 200) live processes. The parent forks N
 * children that all block reading a pipe; once fork() has returned N times
 * (so the tracer has seen every fork event), it waits a moment for the tracer
 * to settle, reads the peak RSS (VmHWM) and current RSS of its tracer -- the
 * TracerPid of /proc/self/status, i.e. cocoon or proot itself, not a guest --
 * and prints them, then closes the pipe to release the children and reaps
 * them. Natively TracerPid is 0 and "tracer=none" is printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long status_field(const char *path, const char *key) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t k = strlen(key);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, k) == 0 && line[k] == ':') {
      v = strtol(line + k + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  int settle_ms = argc > 2 ? atoi(argv[2]) : 200;
  int fds[2];
  if (pipe(fds) != 0) { perror("pipe"); return 1; }
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0) { perror("fork"); return 1; }
    if (p == 0) {
      close(fds[1]);
      char c;
      while (read(fds[0], &c, 1) < 0 && errno == EINTR) {}
      _exit(0);
    }
  }
  struct timespec ts = {settle_ms / 1000, (settle_ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  long tracer = status_field("/proc/self/status", "TracerPid");
  if (tracer > 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", tracer);
    long hwm = status_field(path, "VmHWM");
    long rss = status_field(path, "VmRSS");
    printf("tracer=%ld live=%d vmhwm_kb=%ld vmrss_kb=%ld\n", tracer, n, hwm, rss);
  } else {
    printf("tracer=none live=%d\n", n);
  }
  fflush(stdout);
  close(fds[1]);
  int reaped = 0;
  while (wait(NULL) > 0) reaped++;
  if (reaped != n) { fprintf(stderr, "reaped %d of %d\n", reaped, n); return 1; }
  return 0;
}
