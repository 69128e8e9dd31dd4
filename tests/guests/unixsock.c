// AF_UNIX path sockets under a guest root: binds a stream socket at argv[1],
// connects to it by the same path (relative paths work too), passes one
// byte, and prints the path the socket file has ("bound: PATH") and what it
// read. The e2e vfs test checks the file landed in the bind's source.
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int addr_of(const char* path, struct sockaddr_un* a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strncpy(a->sun_path, path, sizeof a->sun_path - 1);
  return (int)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  struct sockaddr_un a;
  const int len = addr_of(argv[1], &a);
  const int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(srv, (struct sockaddr*)&a, (socklen_t)len) != 0) { perror("bind"); return 1; }
  if (listen(srv, 1) != 0) { perror("listen"); return 1; }
  printf("bound: %s\n", argv[1]);
  const int cli = socket(AF_UNIX, SOCK_STREAM, 0);
  if (connect(cli, (struct sockaddr*)&a, (socklen_t)len) != 0) { perror("connect"); return 1; }
  const int conn = accept(srv, NULL, NULL);
  char c = 'x';
  if (write(cli, "k", 1) != 1 || read(conn, &c, 1) != 1) { perror("io"); return 1; }
  printf("read: %c\n", c);
  // A second bind at the same path: the file exists, EADDRINUSE.
  const int again = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(again, (struct sockaddr*)&a, (socklen_t)len) == 0) { puts("rebind succeeded"); return 1; }
  perror("rebind");
  return 0;
}
