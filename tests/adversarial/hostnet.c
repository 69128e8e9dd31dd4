// The host's side of the loopback probe (loopback.c) where there is no
// python (the qemu guest, tests/qemu/adversarial.sh): what hostnet.py does,
// in one thread. A TCP listener and a UDP socket on ADDR (127.0.0.1, or the
// wildcard 0.0.0.0 inside a kernel network namespace of the test's own,
// where it means lo alone) and, unless NAME is "-", an abstract AF_UNIX
// listener @NAME. Every connection and every datagram is answered with
// SECRET. The ports go to PORTS_FILE as "TCP UDP" once all are listening;
// each contact is a line in LOG_FILE. Runs until killed, or for LIFETIME s.
// Usage: hostnet ADDR SECRET PORTS_FILE LOG_FILE NAME LIFETIME
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "probe.h"

static const char* log_file;

static void log_contact(const char* what) {
  const int fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return;
  (void)!write(fd, what, strlen(what));
  close(fd);
}

// A socket of `type` bound to ADDR:0 (listening if a stream); its port.
static int bound(int type, const char* addr, int* port) {
  const int fd = socket(AF_INET, type, 0);
  struct sockaddr_in in;
  memset(&in, 0, sizeof in);
  in.sin_family = AF_INET;
  socklen_t len = sizeof in;
  if (fd < 0 || inet_pton(AF_INET, addr, &in.sin_addr) != 1 ||
      bind(fd, (struct sockaddr*)&in, sizeof in) != 0 ||
      (type == SOCK_STREAM && listen(fd, 16) != 0) ||
      getsockname(fd, (struct sockaddr*)&in, &len) != 0) {
    say("hostnet: %s socket on %s: %s\n", type == SOCK_STREAM ? "tcp" : "udp", addr, err_name(errno));
    exit(1);
  }
  *port = ntohs(in.sin_port);
  return fd;
}

static int abstract_listener(const char* name) {
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  const size_t n = strlen(name);
  memcpy(un.sun_path + 1, name, n);
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr*)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0 ||
      listen(fd, 16) != 0) {
    say("hostnet: abstract @%s: %s\n", name, err_name(errno));
    exit(1);
  }
  return fd;
}

static void write_ports(const char* path, int tport, int uport) {
  char tmp[4096], line[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  snprintf(line, sizeof line, "%d %d\n", tport, uport);
  const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, line, strlen(line)) < 0 || close(fd) != 0 || rename(tmp, path) != 0) {
    say("hostnet: %s: %s\n", path, err_name(errno));
    exit(1);
  }
}

static void serve(struct pollfd* fds, int n, const char* secret) {
  for (int i = 0; i < n; i++) {
    if (!(fds[i].revents & POLLIN)) continue;
    char line[160];
    if (i == 1) {  // the UDP socket
      struct sockaddr_in from;
      socklen_t len = sizeof from;
      char buf[256];
      if (recvfrom(fds[i].fd, buf, sizeof buf, 0, (struct sockaddr*)&from, &len) < 0) continue;
      snprintf(line, sizeof line, "datagram %s:%d\n", inet_ntoa(from.sin_addr), ntohs(from.sin_port));
      log_contact(line);
      sendto(fds[i].fd, secret, strlen(secret), 0, (struct sockaddr*)&from, len);
      continue;
    }
    const int conn = accept(fds[i].fd, NULL, NULL);
    if (conn < 0) continue;
    snprintf(line, sizeof line, "stream %s\n", i == 0 ? "tcp" : "abstract");
    log_contact(line);
    (void)!write(conn, secret, strlen(secret));
    close(conn);
  }
}

int main(int argc, char** argv) {
  if (argc != 7) {
    say("usage: hostnet ADDR SECRET PORTS_FILE LOG_FILE NAME LIFETIME\n");
    return 2;
  }
  log_file = argv[4];
  struct pollfd fds[3];
  int n = 2, tport, uport;
  fds[0].fd = bound(SOCK_STREAM, argv[1], &tport);
  fds[1].fd = bound(SOCK_DGRAM, argv[1], &uport);
  if (strcmp(argv[5], "-") != 0) fds[n++].fd = abstract_listener(argv[5]);
  write_ports(argv[3], tport, uport);
  const time_t end = time(NULL) + (time_t)strtod(argv[6], NULL);
  while (time(NULL) < end) {
    for (int i = 0; i < n; i++) fds[i] = (struct pollfd){fds[i].fd, POLLIN, 0};
    if (poll(fds, (nfds_t)n, 1000) > 0) serve(fds, n, argv[2]);
  }
  return 0;
}
