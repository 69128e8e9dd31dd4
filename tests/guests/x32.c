// An x32 system call: x86-64 arch but bit 0x40000000 set in the number
// (x32 getpid = 0x40000000 | 39). A filter that ignores the bit would let
// x32 calls through untranslated; cocoon refuses them with ENOSYS. This VM's
// kernel has no x32 support, so natively it is ENOSYS too.
// Prints "x32 getpid: ok" or "x32 getpid: -1 <ERRNO>".
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  long r = syscall(0x40000000L | 39);
  if (r >= 0)
    printf("x32 getpid: ok\n");
  else
    printf("x32 getpid: -1 %s\n", strerrorname_np(errno));
  return 0;
}
