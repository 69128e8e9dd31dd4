// Route: the host's loopback from a guest that asked for no network
// (cocoon run --unshare-net, or unshare -n under --namespaces). A network
// namespace has a loopback of its own and abstract AF_UNIX names of its own
// (network_namespaces(7)): the host's listeners on 127.0.0.1, or on the
// wildcard address, and its abstract sockets are not there. The test's
// host-side servers (hostnet.py) answer every connection and datagram with
// the secret; each route is every way of naming them this probe knows.
// Usage: loopback TCP_PORT UDP_PORT ABSTRACT_NAME (a port of 0 skips).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "probe.h"

static struct sockaddr_in v4(const char* addr, int port, int family) {
  struct sockaddr_in in;
  memset(&in, 0, sizeof in);
  in.sin_family = (sa_family_t)family;
  in.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, addr, &in.sin_addr);
  return in;
}

static struct sockaddr_in6 v6(const char* addr, int port) {
  struct sockaddr_in6 in6;
  memset(&in6, 0, sizeof in6);
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons((unsigned short)port);
  inet_pton(AF_INET6, addr, &in6.sin6_addr);
  return in6;
}

// Reads what the other side says within 2 s: the route is open when it
// said anything (the secret, shown for the test to find).
static void answer(const char* name, int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  char buf[256];
  ssize_t n = -1;
  int err = ETIMEDOUT;
  if (poll(&p, 1, 2000) == 1) {
    n = recv(fd, buf, sizeof buf - 1, 0);
    err = n == 0 ? ECONNRESET : errno;
  }
  if (n > 0) {
    buf[n] = 0;
    say("%s read: %s\n", name, buf);
  }
  route(name, n > 0, err);
}

static void tcp(const char* name, int family, const void* addr, socklen_t len) {
  const int fd = socket(family, SOCK_STREAM, 0);
  errno = 0;
  if (connect(fd, addr, len) != 0) {
    route(name, 0, errno);
  } else {
    answer(name, fd);
  }
  close(fd);
}

// A TCP Fast Open connect: sendto(2) with MSG_FASTOPEN connects (tcp(7)).
static void fastopen(const char* name, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = v4("127.0.0.1", port, AF_INET);
  errno = 0;
  if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr*)&a, sizeof a) != 1) {
    route(name, 0, errno);
  } else {
    answer(name, fd);
  }
  close(fd);
}

// A datagram by `how`: 0 sendto, 1 sendmsg, 2 sendmmsg, 3 connect + send.
static void udp(const char* name, int family, const void* addr, socklen_t len, int how) {
  const int fd = socket(family, SOCK_DGRAM, 0);
  char data[] = "probe";
  struct iovec iov = {data, sizeof data};
  struct mmsghdr m;
  memset(&m, 0, sizeof m);
  m.msg_hdr.msg_name = (void*)addr;
  m.msg_hdr.msg_namelen = len;
  m.msg_hdr.msg_iov = &iov;
  m.msg_hdr.msg_iovlen = 1;
  long r = -1;
  errno = 0;
  switch (how) {
    case 0: r = sendto(fd, data, sizeof data, 0, addr, len); break;
    case 1: r = sendmsg(fd, &m.msg_hdr, 0); break;
    case 2: r = sendmmsg(fd, &m, 1, 0) == 1 ? (long)sizeof data : -1; break;
    case 3: r = connect(fd, addr, len) == 0 ? send(fd, data, sizeof data, 0) : -1; break;
  }
  if (r < 0) {
    route(name, 0, errno);
  } else {
    answer(name, fd);  // a dropped datagram gets no answer: ETIMEDOUT
  }
  close(fd);
}

static void abstract(const char* name, const char* abstract_name) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  const size_t n = strlen(abstract_name);
  memcpy(a.sun_path + 1, abstract_name, n);
  tcp(name, AF_UNIX, &a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
}

int main(int argc, char** argv) {
  if (argc != 4) {
    say("usage: loopback TCP_PORT UDP_PORT ABSTRACT_NAME\n");
    return 2;
  }
  const int tport = atoi(argv[1]), uport = atoi(argv[2]);
  if (tport > 0) {
    struct sockaddr_in lo = v4("127.0.0.1", tport, AF_INET), any = v4("0.0.0.0", tport, AF_INET);
    struct sockaddr_in6 mapped = v6("::ffff:127.0.0.1", tport);
    tcp("tcp_loopback", AF_INET, &lo, sizeof lo);
    tcp("tcp_any", AF_INET, &any, sizeof any);  // connect(2) to 0.0.0.0 is to loopback
    tcp("tcp_mapped", AF_INET6, &mapped, sizeof mapped);
    tcp("tcp_mapped_short", AF_INET6, &mapped, 24);  // SIN6_LEN_RFC2133: no scope id
    fastopen("tcp_fastopen", tport);
  }
  if (uport > 0) {
    struct sockaddr_in lo = v4("127.0.0.1", uport, AF_INET);
    struct sockaddr_in unspec = v4("127.0.0.1", uport, AF_UNSPEC);  // udp_sendmsg() takes it
    struct sockaddr_in6 mapped = v6("::ffff:127.0.0.1", uport);
    udp("udp_sendto", AF_INET, &lo, sizeof lo, 0);
    udp("udp_unspec", AF_INET, &unspec, sizeof unspec, 0);
    udp("udp_sendmsg", AF_INET, &lo, sizeof lo, 1);
    udp("udp_sendmmsg", AF_INET, &lo, sizeof lo, 2);
    udp("udp_connect", AF_INET, &lo, sizeof lo, 3);
    udp("udp_mapped", AF_INET6, &mapped, sizeof mapped, 0);
  }
  if (strcmp(argv[3], "-") != 0) abstract("abstract", argv[3]);
  return 0;
}
