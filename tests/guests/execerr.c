// Why execve(2) fails, for each PATH given: "PATH: ENOEXEC" (or "PATH: 0"
// never: a success replaces this program, so only failures print). Static,
// so it can be the only program in a guest root and still run: the errno
// the kernel gives for a file with no valid format, a missing
// interpreter or a file without the execute bit must come back the same
// under cocoon, whose exec handling reads the file itself.
// Usage: execerr PATH...
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* const args[] = {argv[i], NULL};
    char* const env[] = {NULL};
    execve(argv[i], args, env);
    printf("%s: %s\n", argv[i], strerrorname_np(errno));
  }
  return 0;
}
