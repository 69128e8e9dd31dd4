// 200 short-lived processes alive at once: forks them all, then waits for
// each by pid and checks its exit code (child i exits with i+1, a distinct
// code). Every fourth child is made with vfork (the parent is suspended until
// the child exits), the rest with fork, so both PTRACE_EVENT_FORK and
// PTRACE_EVENT_VFORK are exercised. Prints "forker ok 200".
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kChildren = 200 };

// The vfork child only calls _exit, as vfork(2) requires.
static pid_t spawn(int code, int use_vfork) {
  pid_t p = use_vfork ? vfork() : fork();
  if (p == 0) _exit(code);
  return p;
}

int main(void) {
  pid_t pids[kChildren];
  for (int i = 0; i < kChildren; i++) {
    pids[i] = spawn(i + 1, i % 4 == 3);
    if (pids[i] < 0) {
      perror("fork");
      return 2;
    }
  }
  int bad = 0;
  for (int i = 0; i < kChildren; i++) {
    int st;
    if (waitpid(pids[i], &st, 0) != pids[i]) {
      perror("waitpid");
      return 2;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != i + 1) {
      printf("child %d: status 0x%x, expected exit %d\n", i, st, i + 1);
      bad++;
    }
  }
  if (wait(NULL) != -1) {
    printf("an unexpected extra child\n");
    bad++;
  }
  if (bad) return 1;
  printf("forker ok %d\n", kChildren);
  return 0;
}
