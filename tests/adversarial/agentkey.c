// Route: the in-guest agent's pass key (docs/agent.md). The agent lives in
// the guest's memory, so a hostile guest can take its key, and every call
// it makes with that key in %r9 passes cocoon's filter on the rows the
// agent answers (open, openat, the stat family, getdents64) as if the
// agent had made it: untranslated. In a view the agent serves only under
// Landlock, which must then refuse the secret's contents; its metadata
// (stat) is what a call that won a race against the tracer sees too
// (docs/threat-model.md). The probe finds the agent's header by its magic
// (/proc/self/maps, --proc), then goes for the secret with every call
// keyed. Without an agent (natively: the control, which must escape) the
// same calls carry no key. x86-64 only (the agent is).
// Usage: agentkey SECRET
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "../../syscalls/src/agent/agent_abi.h"
#include "probe.h"

static uint64_t key;

static long sys6(long nr, long a, long b, long c, long d, long e) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = (long)key;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static const char *err(long r) { return r >= 0 ? "ok" : err_name((int)-r); }

// The header: the first page of an anonymous mapping, readable, starting
// with the magic.
static int find_key(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  while (maps && !found && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    char perms[8];
    int name_at = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &name_at) < 3) continue;
    if (perms[0] != 'r' || line[name_at] != '\0') continue;
    const struct cocoon_agent_header *h = (const struct cocoon_agent_header *)lo;
    if (h->magic == COCOON_AGENT_MAGIC) {
      key = h->key;
      found = 1;
    }
  }
  if (maps) fclose(maps);
  return found;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *secret = argv[1];
  struct stat st;
  stat("/", &st);  // a call the tracer sees: the process is armed by now
  const int found = find_key();
  say("key: %s\n", found ? "found" : "none (the same calls without one)");
  long fd = sys6(SYS_openat, AT_FDCWD, (long)secret, O_RDONLY, 0, 0);
  if (fd >= 0) {
    show_contents("read", (int)fd);
    close((int)fd);
  } else {
    say("read: %s\n", err(fd));
  }
  fd = sys6(SYS_openat, AT_FDCWD, (long)secret, O_WRONLY | O_APPEND, 0, 0);
  long w = fd >= 0 ? write((int)fd, "written by the guest\n", 21) : fd;
  say("write: %s\n", err(w));
  if (fd >= 0) close((int)fd);
  say("chmod: %s\n", err(sys6(SYS_fchmodat, AT_FDCWD, (long)secret, 0666, 0, 0)));
  static const struct timespec times[2] = {{1, 0}, {1, 0}};
  say("utime: %s\n", err(sys6(SYS_utimensat, AT_FDCWD, (long)secret, (long)times, 0, 0)));
  say("xattr: %s\n", err(sys6(SYS_setxattr, (long)secret, (long)"user.cocoon", (long)"guest", 5, 0)));
  // O_CREAT beside it: a file made in the host's directory.
  char beside[4096];
  snprintf(beside, sizeof beside, "%s.planted", secret);
  fd = sys6(SYS_openat, AT_FDCWD, (long)beside, O_WRONLY | O_CREAT, 0600, 0);
  say("create: %s\n", err(fd));
  if (fd >= 0) close((int)fd);
  const long s = sys6(SYS_newfstatat, AT_FDCWD, (long)secret, (long)&st, 0, 0);
  if (s == 0) say("stat: ok (size %lld)\n", (long long)st.st_size);
  else say("stat: %s\n", err(s));
  return 0;
}
