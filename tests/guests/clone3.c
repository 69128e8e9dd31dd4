// clone3 passes its flags in memory a filter cannot read, so cocoon answers
// ENOSYS; glibc (2.34+) then falls back to clone for threads. Makes a raw
// fork-like clone3 (natively it succeeds: the child exits 7 and is reaped),
// then checks pthread_create still works. Prints two lines:
// "clone3: ok" or "clone3: -1 <ERRNO>", and "pthread_create: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void* thread_main(void* arg) { return arg; }

int main(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) _exit(7);
  if (pid > 0) {
    int st;
    if (waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
      printf("clone3: child status 0x%x\n", st);
      return 1;
    }
    printf("clone3: ok\n");
  } else {
    printf("clone3: -1 %s\n", strerrorname_np(errno));
  }
  pthread_t t;
  void* ret = NULL;
  int e = pthread_create(&t, NULL, thread_main, (void*)42);
  if (e != 0) {
    printf("pthread_create: %s\n", strerrorname_np(e));
    return 1;
  }
  pthread_join(t, &ret);
  printf("pthread_create: %s\n", ret == (void*)42 ? "ok" : "bad join value");
  return 0;
}
