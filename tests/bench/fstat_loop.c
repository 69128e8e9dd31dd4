// N fstatat(2) calls of one path, timed inside the loop: the per-call cost
// of the stat family under cocoon -0, fakeroot, or natively (a probe for
// docs/benchmark.md, not run by bench.sh).
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
int main(int argc, char** argv) {
  int n = atoi(argv[1]); struct stat st; struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) fstatat(AT_FDCWD, "/tmp/fstat_loop.c", &st, AT_SYMLINK_NOFOLLOW);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.2f us/call\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000);
  return 0;
}
