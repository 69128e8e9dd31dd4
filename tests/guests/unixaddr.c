// AF_UNIX addresses both ways (issue 4): what a program sees of the names
// of its sockets. Usage: unixaddr DIR LONGDIR, two directories (guest
// paths) where it may create sockets; under cocoon LONGDIR's host path is
// longer than sun_path holds. Prints one line per observation:
//   LABEL: NAME len=N   (NAME "@..." for an abstract name, "-" for none)
// The e2e vfs test compares them with the guest paths.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(x) do { if (!(x)) { perror(#x); return 1; } } while (0)

static socklen_t addr_of(const char* dir, const char* name, struct sockaddr_un* a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (dir != NULL) snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
  else snprintf(a->sun_path, sizeof a->sun_path, "%s", name);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static void show(const char* label, const struct sockaddr_un* a, socklen_t len) {
  const size_t off = offsetof(struct sockaddr_un, sun_path);
  if (len <= off) printf("%s: - len=%u\n", label, (unsigned)len);
  else if (a->sun_path[0] == '\0') printf("%s: @%.*s len=%u\n", label, (int)(len - off - 1), a->sun_path + 1, (unsigned)len);
  else printf("%s: %.*s len=%u\n", label, (int)(len - off), a->sun_path, (unsigned)len);
}

static int bound(int type, const char* dir, const char* name) {
  struct sockaddr_un a;
  const socklen_t len = addr_of(dir, name, &a);
  const int fd = socket(AF_UNIX, type, 0);
  if (fd < 0 || bind(fd, (struct sockaddr*)&a, len) != 0) { perror(name); return -1; }
  return fd;
}

static void sockname(const char* label, int fd, int peer) {
  struct sockaddr_un a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  if ((peer ? getpeername : getsockname)(fd, (struct sockaddr*)&a, &len) != 0) { perror(label); return; }
  show(label, &a, len);
}

// Stream: the server's name, the client's peer, accept's peer (a bound
// client), and a buffer too short for the name: cut, with the whole length.
static int stream(const char* dir) {
  const int srv = bound(SOCK_STREAM, dir, "s.stream"), cli = bound(SOCK_STREAM, dir, "c.stream");
  CHECK(srv >= 0 && cli >= 0 && listen(srv, 1) == 0);
  sockname("sockname", srv, 0);
  struct sockaddr_un a;
  const socklen_t len = addr_of(dir, "s.stream", &a);
  CHECK(connect(cli, (struct sockaddr*)&a, len) == 0);
  sockname("peername", cli, 1);
  socklen_t plen = sizeof a;
  const int conn = accept(srv, (struct sockaddr*)&a, &plen);
  CHECK(conn >= 0);
  show("accept", &a, plen);
  char small[12];
  socklen_t slen = sizeof small;
  CHECK(getsockname(srv, (struct sockaddr*)small, &slen) == 0);
  printf("short: %.*s len=%u\n", (int)(sizeof small - 2), small + 2, (unsigned)slen);
  const int anon = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(connect(anon, (struct sockaddr*)&a, addr_of(dir, "s.stream", &a)) == 0);
  plen = sizeof a;
  const int conn2 = accept4(srv, (struct sockaddr*)&a, &plen, SOCK_CLOEXEC);
  CHECK(conn2 >= 0);
  show("accept4 unnamed", &a, plen);
  close(anon), close(conn2), close(conn), close(cli), close(srv);
  return 0;
}

static volatile sig_atomic_t alarms;
static int alarm_pipe[2];
static void on_alarm(int sig) {
  (void)sig;
  alarms++;
  (void)!write(alarm_pipe[1], "a", 1);
}

// An accept interrupted by a signal whose handler has SA_RESTART: the
// kernel enters it again after the handler (whose frame lands below the
// stack pointer, where cocoon keeps its copies), and the peer's name still
// arrives in the guest's buffer. The client connects only once the handler
// has run, so the accept has been interrupted (unless the parent was slower
// to reach it than the 200 ms of the alarm).
static int restarted(const char* dir) {
  const int srv = bound(SOCK_STREAM, dir, "s2.stream");
  CHECK(srv >= 0 && listen(srv, 1) == 0 && pipe(alarm_pipe) == 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
  const pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    char c;
    if (read(alarm_pipe[0], &c, 1) != 1) _exit(1);
    const int cli = bound(SOCK_STREAM, dir, "c2.stream");
    struct sockaddr_un a;
    _exit(cli >= 0 && connect(cli, (struct sockaddr*)&a, addr_of(dir, "s2.stream", &a)) == 0 ? 0 : 1);
  }
  ualarm(200 * 1000, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  socklen_t len = sizeof a;
  const int conn = accept(srv, (struct sockaddr*)&a, &len);
  CHECK(conn >= 0);
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child && status == 0);
  printf("signals %d, ", (int)alarms);
  show("restarted accept", &a, len);
  close(conn), close(srv), close(alarm_pipe[0]), close(alarm_pipe[1]);
  return 0;
}

// Datagrams to a path: sendto, sendmsg, sendmmsg; recvfrom's source is
// the client's path, and the reply goes to the address recvfrom gave.
static int datagram(const char* dir) {
  const int srv = bound(SOCK_DGRAM, dir, "s.dgram"), cli = bound(SOCK_DGRAM, dir, "c.dgram");
  CHECK(srv >= 0 && cli >= 0);
  struct sockaddr_un to, from;
  const socklen_t tolen = addr_of(dir, "s.dgram", &to);
  CHECK(sendto(cli, "ping", 4, 0, (struct sockaddr*)&to, tolen) == 4);
  char buf[16] = {0};
  socklen_t flen = sizeof from;
  CHECK(recvfrom(srv, buf, sizeof buf - 1, 0, (struct sockaddr*)&from, &flen) == 4);
  show(buf, &from, flen);
  CHECK(sendto(srv, "pong", 4, 0, (struct sockaddr*)&from, flen) == 4);
  memset(buf, 0, sizeof buf);
  CHECK(recv(cli, buf, sizeof buf - 1, 0) == 4);
  printf("reply: %s\n", buf);
  struct iovec iov = {"msg", 3};
  struct msghdr m = {.msg_name = &to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1};
  CHECK(sendmsg(cli, &m, 0) == 3);
  struct iovec iovs[2] = {{"one", 3}, {"three", 5}};
  struct mmsghdr mm[2];
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 2; ++i) {
    mm[i].msg_hdr = (struct msghdr){.msg_name = &to, .msg_namelen = tolen, .msg_iov = &iovs[i], .msg_iovlen = 1};
  }
  CHECK(sendmmsg(cli, mm, 2, 0) == 2);
  printf("sendmmsg: %u %u\n", mm[0].msg_len, mm[1].msg_len);
  for (int i = 0; i < 3; ++i) {
    memset(buf, 0, sizeof buf);
    flen = sizeof from;
    CHECK(recvfrom(srv, buf, sizeof buf - 1, 0, (struct sockaddr*)&from, &flen) > 0);
    show(buf, &from, flen);
  }
  close(cli), close(srv);
  return 0;
}

// A socket in a directory whose host path is too long for sun_path:
// bound, named, reached by connect and by sendto.
static int long_path(const char* dir) {
  const int srv = bound(SOCK_STREAM, dir, "l.stream"), d = bound(SOCK_DGRAM, dir, "l.dgram");
  CHECK(srv >= 0 && d >= 0 && listen(srv, 1) == 0);
  sockname("long sockname", srv, 0);
  struct sockaddr_un a;
  const int cli = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(connect(cli, (struct sockaddr*)&a, addr_of(dir, "l.stream", &a)) == 0);
  sockname("long peername", cli, 1);
  const int conn = accept(srv, NULL, NULL);
  char c = 0;
  CHECK(write(cli, "k", 1) == 1 && read(conn, &c, 1) == 1);
  const int dc = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(sendto(dc, "far", 3, 0, (struct sockaddr*)&a, addr_of(dir, "l.dgram", &a)) == 3);
  char buf[8] = {0};
  CHECK(recv(d, buf, sizeof buf - 1, 0) == 3);
  printf("long io: %c %s\n", c, buf);
  close(dc), close(conn), close(cli), close(d), close(srv);
  return 0;
}

// Names the kernel keeps as they were written: relative, abstract.
static int as_written(const char* dir) {
  CHECK(chdir(dir) == 0);
  const int rel = bound(SOCK_STREAM, NULL, "r.stream");
  CHECK(rel >= 0);
  sockname("relative", rel, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  const int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "cocoon-%d", (int)getpid());
  const int abs = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(bind(abs, (struct sockaddr*)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) == 0);
  struct sockaddr_un b;
  socklen_t blen = sizeof b;
  CHECK(getsockname(abs, (struct sockaddr*)&b, &blen) == 0);
  printf("abstract: %s\n", blen == offsetof(struct sockaddr_un, sun_path) + 1 + n &&
         memcmp(&a, &b, blen) == 0 ? "unchanged" : "changed");
  close(abs), close(rel);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (stream(argv[1]) || restarted(argv[1]) || datagram(argv[1]) || long_path(argv[2]) || as_written(argv[1])) return 1;
  return 0;
}
