/* Workload 4: a guest making N getpid calls (default 10^6).
 * syscall(SYS_getpid) so no libc caching can hide the calls. Prints the time
 * spent in the loop on stdout ("loop_ns=<ns> calls=<n>") so the harness can
 * report a per-call cost independent of process start-up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
  long long t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (syscall(SYS_getpid) <= 0) return 1;
  }
  long long t1 = now_ns();
  printf("loop_ns=%lld calls=%ld\n", t1 - t0, n);
  return 0;
}
