// N creations in the current directory, timed inside the loop: open(2)
// with O_CREAT ("open") or mkdir(2) ("mkdir") of f0, f1..., by the caller,
// or after setgid(65534)/setuid(42) ("as42": apt's _apt sandbox, whose
// files cocoon must record). The per-call cost of creations under cocoon
// -0 (add --no-seccomp-notify for ptrace stops), fakeroot or natively (a
// probe for docs/benchmark.md, not run by bench.sh).
//   create_loop N open|mkdir [as42]
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int n = atoi(argv[1]);
  const int dir = strcmp(argv[2], "mkdir") == 0;
  if (argc > 3 && strcmp(argv[3], "as42") == 0 && (setgid(65534) != 0 || setuid(42) != 0)) {
    perror("setuid");
    return 1;
  }
  char name[32];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "f%d", i);
    const int fd = dir ? mkdir(name, 0755) : open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) {
      perror(name);
      return 1;
    }
    if (!dir) close(fd);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.2f us/call\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000);
  return 0;
}
