/* The teaching view's guest (e2e trace, docs/tutorial.md): a few syscalls
 * cocoon intercepts under -0, --hostname and a bind, made from main() so
 * that `cocoon trace -k` shows main in the stack. Built with -g -O0 and
 * statically, so that no dynamic loader adds calls to the golden output.
 *   lesson FILE: prints the uid, the node name and FILE's first line. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: lesson FILE\n");
    return 2;
  }
  struct utsname u;
  char line[128] = "";
  unsigned uid = getuid();
  if (uname(&u) != 0) return 1;
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, line, sizeof line - 1);
    line[n > 0 ? n : 0] = '\0';
    close(fd);
  }
  printf("uid %u\nnode %s\nfile %s", uid, u.nodename, line);
  return fd >= 0 ? 0 : 3;
}
