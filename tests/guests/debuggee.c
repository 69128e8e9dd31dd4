// The program tests/e2e/gdb.sh debugs with Debian's gdb, natively and
// inside a guest (docs/internals/ptrace.md): built with -g -O0 so that
// gdb's breakpoints, stepping, `finish` and locals are the source's.
//   debuggee crash   a SIGSEGV three calls deep (gdb's `bt`)
//   debuggee         arithmetic through two functions (break, next, step,
//                    finish, print), then a raw wait4 in stepped_call,
//                    whose syscall instruction gdb steps over with stepi
//   debuggee wait    prints "ready" and sleeps (gdb -p), up to 60 s
//   debuggee pid     prints its pid as it sees it, then computes (a
//                    debugger in a PID namespace must show the same one)
// x86-64 only: stepped_call is x86-64 assembly.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int counter = 7;

// wait4(-1, NULL, WNOHANG, NULL): a call cocoon traces in every mode
// (the emulated tracer's wait), and whose answer is the same natively and
// under cocoon (no child: -ECHILD). Its own symbol, so that gdb's stepi
// walks it instruction by instruction: mov, mov, mov, xor, syscall, ret.
long stepped_call(void);
__asm__(
    ".text\n"
    ".globl stepped_call\n"
    ".type stepped_call, @function\n"
    "stepped_call:\n"
    "  mov $61, %eax\n"
    "  mov $-1, %rdi\n"
    "  mov $1, %rdx\n"
    "  xor %esi, %esi\n"
    "  xor %r10d, %r10d\n"
    "  syscall\n"
    "  ret\n"
    ".size stepped_call, .-stepped_call\n");

int square(int v) {
  int s = v * v;
  return s;
}

int compute(int x) {
  int doubled = x * 2;
  int squared = square(doubled);
  int total = doubled + squared;
  return total;
}

int inner(int *p) {
  int local = 41;
  counter = local + 1;
  return *p + local;
}

int middle(int *p) {
  int r = inner(p);
  return r + 1;
}

int outer(int *p) {
  return middle(p) * 2;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "crash") == 0) return outer(NULL);
  if (argc > 1 && strcmp(argv[1], "wait") == 0) {
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 600; ++i) {
      usleep(100 * 1000);
      counter++;
    }
    return 1;
  }
  if (argc > 1 && strcmp(argv[1], "pid") == 0) {
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
  }
  int total = compute(3);
  long r = stepped_call();
  printf("total %d, wait4 %ld\n", total, r);
  return total == 42 ? 0 : 1;
}
