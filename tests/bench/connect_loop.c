/* The cost of a private network's calls (docs/benchmark.md, "Network
 * namespaces"): N rounds over loopback in one process, each
 *   tcp: socket, connect to a listener on 127.0.0.1, accept (with the
 *        peer's name), one byte each way, close both;
 *   udp: sendto a socket on 127.0.0.1 from an unbound one, recvfrom,
 *        sendto back, recvfrom.
 * Prints "loop_ns=<ns> rounds=<n>" for the loop alone (no start-up), so
 * native and `cocoon run --unshare-net` can be compared per round.
 * Usage: connect_loop tcp|udp [N] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int bound(int type, struct sockaddr_in* at) {
  const int s = socket(AF_INET, type, 0);
  socklen_t len = sizeof *at;
  memset(at, 0, sizeof *at);
  at->sin_family = AF_INET;
  at->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr*)at, sizeof *at) != 0) return -1;
  if (type == SOCK_STREAM && listen(s, 16) != 0) return -1;
  getsockname(s, (struct sockaddr*)at, &len);
  return s;
}

static int tcp_round(int srv, const struct sockaddr_in* at) {
  char b = 'x';
  const int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (const struct sockaddr*)at, sizeof *at) != 0) return -1;
  struct sockaddr_in peer;
  socklen_t len = sizeof peer;
  const int a = accept(srv, (struct sockaddr*)&peer, &len);
  if (a < 0 || write(c, &b, 1) != 1 || read(a, &b, 1) != 1 || write(a, &b, 1) != 1 ||
      read(c, &b, 1) != 1) {
    return -1;
  }
  close(a);
  close(c);
  return 0;
}

static int udp_round(int srv, const struct sockaddr_in* at, int c) {
  char b[8] = "x";
  struct sockaddr_in from;
  socklen_t len = sizeof from;
  if (sendto(c, b, 1, 0, (const struct sockaddr*)at, sizeof *at) != 1) return -1;
  if (recvfrom(srv, b, sizeof b, 0, (struct sockaddr*)&from, &len) != 1) return -1;
  if (sendto(srv, b, 1, 0, (struct sockaddr*)&from, len) != 1) return -1;
  len = sizeof from;
  return recvfrom(c, b, sizeof b, 0, (struct sockaddr*)&from, &len) == 1 ? 0 : -1;
}

int main(int argc, char** argv) {
  const int tcp = argc > 1 && strcmp(argv[1], "tcp") == 0;
  const long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
  struct sockaddr_in at;
  const int srv = bound(tcp ? SOCK_STREAM : SOCK_DGRAM, &at);
  const int client = tcp ? -1 : socket(AF_INET, SOCK_DGRAM, 0);
  if (srv < 0) return 1;
  const long long t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if ((tcp ? tcp_round(srv, &at) : udp_round(srv, &at, client)) != 0) {
      perror("round");
      return 1;
    }
  }
  printf("loop_ns=%lld rounds=%ld\n", now_ns() - t0, n);
  return 0;
}
