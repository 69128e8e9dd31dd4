// The in-guest agent seen from inside (e2e agent.sh; docs/agent.md): the
// answers of the stat family and of creations at a site the agent took
// over, on one thread, on several at once, in a signal handler that
// interrupts the agent itself, in a vfork child, and with the registers a
// system call keeps. Prints what it saw and how many calls the agent says
// it answered ("answered N"; "answered none": no agent in this process),
// which the agent keeps in its region's header (agent_abi.h).
//   agent_probe stat FILE N | threads FILE | signal FILE | vfork FILE |
//               regs FILE | create DIR N | cancel DIR | walk DIR | key PATH |
//               edges PATH | paths PATH... | long PATH
// (edges: three stats of PATH into a buffer filled with 0xAA, saying
// whether a failed one left it untouched; three newfstatat(3, PATH) (a
// descriptor the test opened before cocoon); three newfstatat(AT_FDCWD,
// NULL, AT_EMPTY_PATH); paths: for each PATH three rounds of stat,
// open and read, readlink, lstat and access(R_OK), each from one call site, so
// that after the first round the agent answers what it can; long: two
// rounds of stat, open, readlink and access of PATH, then two of a name of
// 8192 bytes without its NUL ending where the memory does: ENAMETOOLONG,
// never a fault.)
// (walk: DIR's tree the way find walks it, one name at a time from a
// directory's descriptor, each entry with its type, size, owner and first
// line, in a view; key: the agent's pass key used by the program itself,
// as a hostile guest would, to open and stat PATH untranslated.)
// (cancel: a thread cancelled in a blocking O_CREAT open of a FIFO runs its
// cleanups, which an unwinder finds only through frames with unwind
// tables: built with -fexceptions.)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../syscalls/src/agent/agent_abi.h"

// The agent's header, found by its magic at the start of an anonymous
// mapping (the region's first page once the agent made it writable: a
// mapping of its own).
static struct cocoon_agent_header *agent(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  struct cocoon_agent_header *found = NULL;
  while (maps && !found && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    char perms[8];
    int name_at = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &name_at) < 3) continue;
    if (perms[0] != 'r' || line[name_at] != '\0') continue;  // named: not anonymous
    struct cocoon_agent_header *h = (struct cocoon_agent_header *)lo;
    if (h->magic == COCOON_AGENT_MAGIC) found = h;
  }
  if (maps) fclose(maps);
  return found;
}

static void answered(void) {
  struct cocoon_agent_header *h = agent();
  if (h) printf(" answered %llu\n", (unsigned long long)__atomic_load_n(&h->answered, __ATOMIC_RELAXED));
  else printf(" answered none\n");
}

static const char *file;
static struct stat want;

static int same(const struct stat *st) {
  return st->st_uid == want.st_uid && st->st_gid == want.st_gid && st->st_mode == want.st_mode &&
         st->st_ino == want.st_ino && st->st_rdev == want.st_rdev;
}

static void *stat_loop(void *arg) {
  (void)arg;
  long bad = 0;
  for (int i = 0; i < 2000; ++i) {
    struct stat st;
    if (stat(file, &st) != 0 || !same(&st)) ++bad;
  }
  return (void *)bad;
}

static volatile sig_atomic_t handled, handler_bad;
static void on_alarm(int sig) {
  (void)sig;
  struct stat st;
  if (stat(file, &st) != 0 || !same(&st)) handler_bad = 1;
  ++handled;
}

// stat(2) made by this code's own `mov $4,%eax; syscall` (a site the agent
// takes over where it can reach: a static program), with a known value in
// every register a system call keeps, and the carry flag set: each must
// come back as it went.
static int regs_kept(const char *path, struct stat *st) {
  register long r8 __asm__("r8") = 0x0808080808080808;
  register long r9 __asm__("r9") = 0x0909090909090909;
  register long r10 __asm__("r10") = 0x1010101010101010;
  register long r12 __asm__("r12") = 0x1212121212121212;
  register long r13 __asm__("r13") = 0x1313131313131313;
  register long r14 __asm__("r14") = 0x1414141414141414;
  register long r15 __asm__("r15") = 0x1515151515151515;
  long rdi = (long)path, rsi = (long)st, rdx = 0x0d0d0d0d0d0d0d0d, rbx = 0x0b0b0b0b0b0b0b0b;
  long ret, carry;
  __asm__ volatile(
      "stc\n\t"
      ".globl probe_stat_site\n"
      "probe_stat_site:\n\t"
      "mov $4, %%eax\n\t"
      "syscall\n\t"
      "setc %%cl\n\t"
      "movzbq %%cl, %[carry]\n\t"
      : "=a"(ret), [carry] "=&r"(carry), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+b"(rbx), "+r"(r8), "+r"(r9),
        "+r"(r10), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
      :
      : "rcx", "r11", "memory", "cc");
  int ok = ret == 0 && carry == 1 && rdi == (long)path && rsi == (long)st && rdx == 0x0d0d0d0d0d0d0d0d &&
           rbx == 0x0b0b0b0b0b0b0b0b && r8 == 0x0808080808080808 && r9 == 0x0909090909090909 &&
           r10 == 0x1010101010101010 && r12 == 0x1212121212121212 && r13 == 0x1313131313131313 &&
           r14 == 0x1414141414141414 && r15 == 0x1515151515151515;
  return ok;
}

static const char *cancel_dir;
static volatile int cleaned;
static void cleanup(int *unused) {
  (void)unused;
  cleaned = 1;
}
static void *cancel_worker(void *arg) {
  (void)arg;
  __attribute__((cleanup(cleanup))) int guard = 0;
  (void)guard;
  char fifo[4096];
  snprintf(fifo, sizeof fifo, "%s/fifo", cancel_dir);
  int fd = open(fifo, O_RDONLY | O_CREAT, 0600);  // blocks: no writer
  printf("open returned %d\n", fd);
  return NULL;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// DIR's tree as find walks it (gnulib fts: fstatat and openat of one name
// from the directory's descriptor, getdents64 through readdir), depth
// first, entries sorted; symlinks shown and not followed but for the
// first line of what they lead to.
static int walk(int dfd, const char *shown) {
  DIR *d = fdopendir(dfd);
  if (!d) return printf("%s: fdopendir: %s\n", shown, strerror(errno)), 1;
  char *names[512];
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) && n < 512;) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  qsort(names, n, sizeof *names, by_name);
  for (int i = 0; i < n; ++i) {
    char path[4096], line[128] = "";
    snprintf(path, sizeof path, "%s/%s", shown, names[i]);
    struct stat st;
    if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
      printf("%s: %s\n", path, strerror(errno));
      continue;
    }
    const int flags = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW : O_RDONLY;
    int fd = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)
                 ? openat(dirfd(d), names[i], flags | O_CLOEXEC) : -1;
    if (fd >= 0 && !S_ISDIR(st.st_mode)) {
      ssize_t got = read(fd, line, sizeof line - 1);
      line[got > 0 ? got : 0] = 0;
      line[strcspn(line, "\n")] = 0;
    }
    printf("%s %o %u:%u %lld [%s]%s\n", path, st.st_mode, st.st_uid, st.st_gid,
           S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, line, fd < 0 && !S_ISLNK(st.st_mode) && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ? " unopened" : "");
    if (fd >= 0 && S_ISDIR(st.st_mode)) walk(fd, path);
    else if (fd >= 0) close(fd);
    free(names[i]);
  }
  closedir(d);
  return 0;
}

// A call with the agent's key in %r9, made by the program, not the agent.
static long keyed6(long nr, long a, long b, long c, long d, uint64_t key) {
  register long r10 __asm__("r10") = d;
  register long r9 __asm__("r9") = (long)key;
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const char *mode = argv[1];
  file = argv[2];
  if (strcmp(mode, "create") == 0) {
    int n = argc > 3 ? atoi(argv[3]) : 100, bad = 0;
    char name[4096];
    for (int i = 0; i < n; ++i) {
      snprintf(name, sizeof name, "%s/f%d", file, i);
      int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0640);
      if (fd < 0) ++bad; else close(fd);
    }
    printf("create bad %d", bad);
    answered();
    return bad != 0;
  }
  if (strcmp(mode, "cancel") == 0) {
    // A thread made and gone (glibc's open is a cancellation point from
    // then on), opens from this site, then a thread cancelled in one.
    cancel_dir = file;
    pthread_t t;
    pthread_create(&t, NULL, stat_loop, NULL);
    pthread_join(t, NULL);
    char warm[4096], fifo[4096];
    snprintf(warm, sizeof warm, "%s/warm", file);
    snprintf(fifo, sizeof fifo, "%s/fifo", file);
    for (int i = 0; i < 3; ++i) close(open(warm, O_RDONLY | O_CREAT, 0600));
    mkfifo(fifo, 0600);
    pthread_create(&t, NULL, cancel_worker, NULL);
    usleep(300000);
    pthread_cancel(t);
    void *r;
    pthread_join(t, &r);
    printf("cancel %s cleanup %s", r == PTHREAD_CANCELED ? "done" : "missed", cleaned ? "ran" : "skipped");
    answered();
    return !cleaned;
  }
  if (strcmp(mode, "walk") == 0) {
    int dfd = open(file, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return printf("%s: %s\n", file, strerror(errno)), 1;
    // Twice: the first walk's calls patch the sites, the second's go
    // through the agent.
    walk(dfd, file);
    walk(open(file, O_RDONLY | O_DIRECTORY | O_CLOEXEC), file);
    printf("walked");
    answered();
    return 0;
  }
  if (strcmp(mode, "long") == 0) {
    char *pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED || mprotect(pages + 2 * 4096, 4096, PROT_NONE) != 0) return perror("mmap"), 1;
    pages[0] = '/';
    memset(pages + 1, 'a', 2 * 4096 - 1);
    for (int round = 0; round < 4; ++round) {
      const char *p = round < 2 ? file : pages;
      struct stat st;
      char body[64];
      int r = stat(p, &st);
      printf("%d stat %s", round, r == 0 ? "ok" : strerror(errno));
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      printf(" open %s", fd >= 0 ? "ok" : strerror(errno));
      if (fd >= 0) close(fd);
      printf(" readlink %s", readlink(p, body, sizeof body) >= 0 ? "ok" : strerror(errno));
      printf(" access %s\n", access(p, R_OK) == 0 ? "ok" : strerror(errno));
    }
    printf("long");
    answered();
    return 0;
  }
  if (strcmp(mode, "paths") == 0) {
    for (int round = 0; round < 3; ++round) {
      for (int a = 2; a < argc; ++a) {
        const char *p = argv[a];
        struct stat st;
        char line[128] = "", body[256] = "";
        int r = stat(p, &st);
        printf("%d %s stat %s", round, p, r == 0 ? "" : strerror(errno));
        if (r == 0) printf("%o %lld", st.st_mode, S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          ssize_t got = read(fd, line, sizeof line - 1);
          line[got > 0 ? got : 0] = 0;
          line[strcspn(line, "\n")] = 0;
          close(fd);
        }
        printf(" open %s [%s]", fd >= 0 ? "ok" : strerror(errno), line);
        ssize_t n = readlink(p, body, sizeof body - 1);
        body[n > 0 ? n : 0] = 0;
        printf(" readlink %s [%s]", n >= 0 ? "ok" : strerror(errno), n >= 0 && strncmp(p, "/proc", 5) == 0 ? "-" : body);
        r = lstat(p, &st);
        printf(" lstat %s", r == 0 ? "" : strerror(errno));
        if (r == 0) printf("%o", st.st_mode);
        printf(" access %s\n", access(p, R_OK) == 0 ? "ok" : strerror(errno));
      }
    }
    printf("paths");
    answered();
    return 0;
  }
  if (strcmp(mode, "edges") == 0) {
    for (int i = 0; i < 3; ++i) {
      struct stat st;
      memset(&st, 0xaa, sizeof st);
      int r = stat(file, &st);
      int untouched = 1;
      for (size_t k = 0; k < sizeof st; ++k) untouched = untouched && ((unsigned char *)&st)[k] == 0xaa;
      printf("stat %s %s\n", r == 0 ? "ok" : strerror(errno), r == 0 ? "" : untouched ? "untouched" : "TOUCHED");
      errno = 0;
      r = fstatat(3, file, &st, AT_SYMLINK_NOFOLLOW);
      printf("fd3 %s\n", r == 0 ? "ok" : strerror(errno));
      r = (int)syscall(SYS_newfstatat, AT_FDCWD, NULL, &st, AT_EMPTY_PATH);
      printf("null %s\n", r == 0 ? "ok" : strerror(errno));
    }
    printf("edges");
    answered();
    return 0;
  }
  if (strcmp(mode, "key") == 0) {
    // The key is in the process's memory: any guest code can take it.
    struct stat st;
    stat("/", &st);  // a notified call: the agent is armed by now
    struct cocoon_agent_header *h = agent();
    // Without an agent (natively: the probe's escape, which must work
    // there) the same calls without a key.
    printf("key %s ", h ? "taken" : "none");
    char buf[64] = "";
    long fd = keyed6(SYS_openat, AT_FDCWD, (long)file, O_RDONLY | O_CLOEXEC, 0, h ? h->key : 0);
    long got = fd >= 0 ? read((int)fd, buf, sizeof buf - 1) : 0;
    buf[got > 0 ? got : 0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    long sr = keyed6(SYS_newfstatat, AT_FDCWD, (long)file, (long)&st, 0, h ? h->key : 0);
    printf("open %s [%s] stat %s\n", fd >= 0 ? "ok" : strerror((int)-fd), buf,
           sr == 0 ? "ok" : strerror((int)-sr));
    return 0;
  }
  if (stat(file, &want) != 0) { perror(file); return 1; }
  if (strcmp(mode, "stat") == 0) {
    int n = argc > 3 ? atoi(argv[3]) : 100, bad = 0;
    for (int i = 0; i < n; ++i) {
      struct stat st;
      if (stat(file, &st) != 0 || !same(&st)) ++bad;
    }
    printf("owner %u:%u bad %d", want.st_uid, want.st_gid, bad);
    answered();
    return bad != 0;
  }
  if (strcmp(mode, "threads") == 0) {
    pthread_t t[4];
    long bad = 0;
    for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, stat_loop, NULL);
    for (int i = 0; i < 4; ++i) {
      void *r;
      pthread_join(t[i], &r);
      bad += (long)r;
    }
    printf("threads owner %u:%u bad %ld", want.st_uid, want.st_gid, bad);
    answered();
    return bad != 0;
  }
  if (strcmp(mode, "signal") == 0) {
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 200}, {0, 200}};
    setitimer(ITIMER_REAL, &it, NULL);
    long bad = 0;
    for (int i = 0; i < 20000 && handled < 200; ++i) {
      struct stat st;
      if (stat(file, &st) != 0 || !same(&st)) ++bad;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("signal bad %ld handler_bad %d handled %s", bad, (int)handler_bad, handled > 0 ? "some" : "none");
    answered();
    return bad != 0 || handler_bad;
  }
  if (strcmp(mode, "vfork") == 0) {
    pid_t pid = vfork();
    if (pid == 0) {
      struct stat st;
      _exit(stat(file, &st) == 0 && same(&st) ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("vfork child %s", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "bad");
    answered();
    return status != 0;
  }
  if (strcmp(mode, "regs") == 0) {
    int ok = 1;
    for (int i = 0; i < 3; ++i) {  // the first is the tracer's; then the site is the agent's
      struct stat st;
      ok = ok && regs_kept(file, &st) && same(&st);
    }
    // Whether the agent took this site over: its `mov` became a `jmp`.
    extern const unsigned char probe_stat_site[];
    printf("regs %s site %s", ok ? "kept" : "changed", probe_stat_site[0] == 0xe9 ? "patched" : "native");
    answered();
    return !ok;
  }
  return 2;
}
