// i386 system calls (int 0x80) from a 64-bit process. seccomp sees them with
// arch AUDIT_ARCH_I386 and i386 numbers, so cocoon's filter must decide them
// by the i386 table. Kernels without IA32 emulation raise SIGSEGV at the
// instruction before any syscall happens (docs/kernel-facts.md, "Registers
// per architecture"; others run it), so the test compares with the native
// outcome instead of expecting success.
// Usage: int80 getpid   -> "int 0x80 getpid: pid" (i386 nr 20)
//        int80 uname    -> "int 0x80 uname: 0 <nodename>" or ": -<errno>"
//                          (i386 nr 122, newuname; the buffer must sit below
//                          4 GiB since int 0x80 takes 32-bit pointers)
//        int80 io_uring -> "int 0x80 io_uring_setup: <fd or -errno>" (i386
//                          nr 425): an i386 path around the x86-64 rule
//        int80 clone3   -> "int 0x80 clone3: <-errno>" (i386 nr 435, with a
//                          size of 0: EINVAL natively, never a new process)
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

static long int80(long nr, long a1, long a2) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
  return (int)ret;  // eax, sign-extended
}

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "getpid";
  printf("before int 0x80 %s\n", what);
  fflush(stdout);
  void* low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (low == MAP_FAILED) return 2;
  if (strcmp(what, "io_uring") == 0) {
    long r = int80(425, 8, (long)low);  // zeroed struct io_uring_params
    printf("int 0x80 io_uring_setup: %s\n", r >= 0 ? "fd" : r == -38 ? "-ENOSYS" : "other error");
    return 0;
  }
  if (strcmp(what, "clone3") == 0) {
    long r = int80(435, (long)low, 0);
    printf("int 0x80 clone3: %s\n", r == -38 ? "-ENOSYS" : r == -22 ? "-EINVAL" : "other");
    return 0;
  }
  if (strcmp(what, "uname") == 0) {
    struct utsname* u = low;
    long r = int80(122, (long)u, 0);
    if (r == 0)
      printf("int 0x80 uname: 0 %s\n", u->nodename);
    else
      printf("int 0x80 uname: %ld\n", r);
    return 0;
  }
  long r = int80(20, 0, 0);
  printf("int 0x80 getpid: %s\n", r == (long)getpid() ? "pid" : "not pid");
  return 0;
}
