// 16 threads making syscalls at the same time: getpid, uname, and
// open+read+close of /proc/self/stat, ITERS times each. Under cocoon uname is
// traced when --hostname is set, so many seccomp stops from sibling threads
// race in the tracer. Usage: threads [ITERS [EXPECTED_NODENAME]]. Each thread
// checks getpid() is the process's pid and, when EXPECTED_NODENAME is given,
// that every uname() saw it. Prints "threads ok <nodename> <calls>".
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

enum { kThreads = 16 };
static int iters = 2000;
static const char* expected;
static pid_t pid;

struct result {
  long calls;
  long errors;
  char nodename[65];
};

static void* worker(void* arg) {
  struct result* r = arg;
  char buf[512];
  for (int i = 0; i < iters; i++) {
    if (getpid() != pid) r->errors++;
    struct utsname u;
    if (uname(&u) != 0) r->errors++;
    if (expected && strcmp(u.nodename, expected) != 0) r->errors++;
    if (i == 0) memcpy(r->nodename, u.nodename, sizeof r->nodename);
    int fd = open("/proc/self/stat", O_RDONLY);
    if (fd < 0) {
      r->errors++;
    } else {
      if (read(fd, buf, sizeof buf) <= 0) r->errors++;
      close(fd);
    }
    r->calls += 5;
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) iters = atoi(argv[1]);
  if (argc > 2) expected = argv[2];
  pid = getpid();
  pthread_t t[kThreads];
  struct result r[kThreads];
  memset(r, 0, sizeof r);
  for (int i = 0; i < kThreads; i++) {
    if (pthread_create(&t[i], NULL, worker, &r[i]) != 0) {
      perror("pthread_create");
      return 2;
    }
  }
  long calls = 0, errors = 0;
  for (int i = 0; i < kThreads; i++) {
    pthread_join(t[i], NULL);
    calls += r[i].calls;
    errors += r[i].errors;
    if (strcmp(r[i].nodename, r[0].nodename) != 0) errors++;
  }
  if (errors) {
    printf("threads FAILED: %ld errors (thread 0 saw nodename '%s')\n", errors, r[0].nodename);
    return 1;
  }
  printf("threads ok %s %ld\n", r[0].nodename, calls);
  return 0;
}
