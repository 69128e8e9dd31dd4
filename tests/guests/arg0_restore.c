// A path in arg0 translated in place (the route for riscv64 before 6.16,
// forced elsewhere with COCOON_TEST_NO_ARG0=1) must leave the guest's memory
// as it was: chdir(2) on a path followed, in the same buffer, by other
// bytes the host path will cover; after the call the whole buffer must be
// intact and getcwd(2) name argv[1]. Prints "arg0 ok CWD".
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  char buf[512];
  memset(buf, 'Z', sizeof buf);
  strcpy(buf, argv[1]);
  char before[512];
  memcpy(before, buf, sizeof buf);
  if (chdir(buf) != 0) { perror("chdir"); return 1; }
  if (memcmp(before, buf, sizeof buf) != 0) { puts("buffer changed"); return 1; }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) { perror("getcwd"); return 1; }
  printf("arg0 ok %s\n", cwd);
  return 0;
}
