// Route: another run's control socket (docs/sandboxes.md). A guest that
// could talk to a run's socket could have a command started in that run
// (`cocoon enter`), with the guest's descriptors as its stdio: a guest of
// a confined run entering an unconfined one escapes, and so would a guest
// entering its own run to get unconfined stdio. The probe asks the run
// behind SOCKET to run `sh -c 'cat SECRET; chmod 666 SECRET'` with the
// probe's own stdout: the route is open if the run says "ok".
// Usage: control SOCKET SECRET
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/un.h>

#include "probe.h"

// "enter", no target, cwd or ids, argc, argv..., no environment: words
// ending in NUL (control_protocol.h).
static size_t request(char* buf, size_t size, const char* secret) {
  const char* words[] = {"enter", "", "", "", "4", "/bin/sh", "-c", "cat \"$0\"; chmod 666 \"$0\"", secret};
  size_t n = 0;
  for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
    const size_t len = strlen(words[i]) + 1;
    if (n + len > size) return 0;
    memcpy(buf + n, words[i], len);
    n += len;
  }
  return n;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    say("usage: control SOCKET SECRET\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  const int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  if (s < 0 || connect(s, (struct sockaddr*)&addr, sizeof addr) != 0) {
    route("control_socket", 0, errno);
    return 0;
  }
  char data[4096];
  const size_t len = request(data, sizeof data, argv[2]);
  struct iovec iov = {data, len};
  int fds[3] = {0, 1, 2};
  char control[CMSG_SPACE(sizeof fds)];
  memset(control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = sizeof control};
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(c), fds, sizeof fds);
  const int sent_err = sendmsg(s, &msg, MSG_NOSIGNAL) < 0 ? errno : 0;
  char reply[512] = {0};
  const ssize_t n = recv(s, reply, sizeof reply - 1, 0);
  if (n > 0 && strcmp(reply, "ok") == 0) {
    route("control_socket", 1, 0);
    (void)!recv(s, reply, sizeof reply - 1, 0);  // "exit STATUS": the command is done
    return 0;
  }
  // "error STATUS REASON", or nothing at all.
  if (n > 0) say("refused: %s %s\n", reply + strlen(reply) + 1, reply + strlen(reply) + 5);
  route("control_socket", 0, n > 0 ? EPERM : sent_err ? sent_err : ECONNRESET);
  return 0;
}
