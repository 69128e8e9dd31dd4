/* The in-guest agent (issue 19; docs/agent.md): answers the stat family in
 * the guest's own address space, as FileOwners would (identity/file_view.h
 * shown()), from the owner table the tracer shares with it. Built
 * freestanding (no libc: it runs inside any program, static and Go ones
 * too, and may be entered from a signal handler), position-independent
 * (no relocations: the build checks), with the stack only: the entry
 * (entry.S) may be reentered by a signal handler on the same thread, or
 * run on several threads at once.
 *
 * Whatever it cannot decide it gives to the tracer by making the guest's
 * own call again without the pass key: the filter then notifies it as
 * before (an error the tracer answers otherwise: EACCES, which the emulated
 * root's DAC override may turn into success; a record whose birth time it
 * cannot check; a table being rewritten under it). */
#include <stdint.h>

#include "../agent_abi.h"

#define NR_stat 4
#define NR_fstat 5
#define NR_lstat 6
#define NR_close 3
#define NR_mmap 9
#define NR_mprotect 10
#define NR_munmap 11
#define NR_openat 257
#define NR_prlimit64 302
#define NR_newfstatat 262
#define NR_statx 332
#define NR_getdents64 217
#define NR_openat2 437
#define NR_readlink 89
#define NR_readlinkat 267
#define NR_access 21
#define NR_faccessat 269
#define NR_faccessat2 439
#define E_INVAL 22
#define E_NOSYS 38
#define AT_EACCESS_ 0x200
#define W_OK_ 2

#define NR_open 2
#define NR_creat 85
#define NR_mkdir 83
#define NR_mkdirat 258

#define E_NOENT 2
#define E_ACCES 13
#define E_NOTDIR 20
#define E_NAMETOOLONG 36
#define E_ISDIR 21
#define O_WRONLY_ 1
#define O_PATH_ 010000000
#define O_DIRECTORY_ 0200000
#define RESOLVE_NO_XDEV_ 0x01
#define RESOLVE_NO_SYMLINKS_ 0x04
#define RESOLVE_BENEATH_ 0x08
#define E_FAULT 14
#define E_LOOP 40
#define O_ACCMODE_ 3
#define O_TRUNC_ 01000
#define O_NOFOLLOW_ 0400000
#define S_IFMT_ 0170000
#define S_IFDIR_ 0040000
#define S_IFLNK_ 0120000
#define S_IFCHR_ 0020000
#define S_IFBLK_ 0060000
#define O_CREAT_ 0100
#define O_TMPFILE_ 020000000
#define AT_FDCWD_ (-100)
#define AT_SYMLINK_NOFOLLOW_ 0x100
#define AT_EMPTY_PATH_ 0x1000
#define AT_STATX_SYNC_TYPE_ 0x6000
#define STATX_BTIME_ 0x800u
#define O_CLOEXEC_ 02000000

__attribute__((section(".agent_header"), used)) struct cocoon_agent_header cocoon_agent_header;

struct frame {
  long nr, rdi, rsi, rdx, r10, r8, r9;
};

static inline long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static struct cocoon_agent_header *header(void) { return &cocoon_agent_header; }

/* The guest's call as it made it: the tracer's to answer. */
static long plain(const struct frame *f) {
  return sys6(f->nr, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
}

/* The guest's call with the pass key: runs as natively. */
static long keyed(const struct frame *f) {
  return sys6(f->nr, f->rdi, f->rsi, f->rdx, f->r10, f->r8, (long)header()->key);
}

/* The owner table, mapped at the first use in this address space (fork
 * keeps the mapping, exec drops it with the agent). */
static const struct cocoon_owner_table *table(void) {
  struct cocoon_agent_header *h = header();
  uint64_t t = __atomic_load_n(&h->table, __ATOMIC_ACQUIRE);
  if (t > 1) return (const struct cocoon_owner_table *)t;
  if (t == 1) return 0;
  /* The header page is mapped read-only with the code: the cache needs it
   * writable. */
  if (sys6(NR_mprotect, (long)h & ~4095L, 4096, 3 /* PROT_READ|PROT_WRITE */, 0, 0, 0) != 0) return 0;
  /* The table's mapping would take address space the program has natively:
   * under a finite RLIMIT_AS (getrlimit is prlimit64 of pid 0, which no
   * handler stops) nothing is mapped, and this address space leaves every
   * call to the tracer. */
  uint64_t lim[2] = {0, 0};
  long fd = -1;
  if (sys6(NR_prlimit64, 0, 9 /* RLIMIT_AS */, 0, (long)lim, 0, 0) == 0 && lim[0] == ~0ULL) {
    /* Keyed: in a view the path is the host's, which the tracer would
     * translate as the guest's (Landlock lets this one file be read). */
    fd = sys6(NR_openat, AT_FDCWD_, (long)h->table_path, O_CLOEXEC_, 0, 0, (long)h->key);
  }
  /* A file shorter than the table (a guest truncated it: the same user's)
   * would be a SIGBUS at the first lookup: not mapped then. */
  unsigned char st[144];
  if (fd >= 0 && (sys6(NR_fstat, fd, (long)st, 0, 0, 0, (long)h->key) != 0 ||
                  *(volatile int64_t *)(st + 48) /* st_size */ < (int64_t)h->table_size)) {
    sys6(NR_close, fd, 0, 0, 0, 0, 0);
    fd = -1;
  }
  long p = fd < 0 ? -1
                  : sys6(NR_mmap, 0, (long)h->table_size, 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, 0);
  if (fd >= 0) sys6(NR_close, fd, 0, 0, 0, 0, 0);
  uint64_t want = (p < 0 && p > -4096) ? 1 : (uint64_t)p;
  if (want > 1 && ((const struct cocoon_owner_table *)want)->magic != COCOON_AGENT_MAGIC) {
    sys6(NR_munmap, (long)want, (long)h->table_size, 0, 0, 0, 0);
    want = 1;
  }
  uint64_t expected = 0;
  if (!__atomic_compare_exchange_n(&h->table, &expected, want, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    if (want > 1) sys6(NR_munmap, (long)want, (long)h->table_size, 0, 0, 0, 0);
    want = expected;
  }
  return want > 1 ? (const struct cocoon_owner_table *)want : 0;
}

struct shown {
  uint32_t uid, gid, mode, faked;
  uint64_t rdev;
  int64_t btime_sec;
  uint32_t btime_nsec;
};

/* 0: no record; 1: `out` holds it; -1: could not tell (ask the tracer). */
static int lookup(const struct cocoon_owner_table *t, uint64_t dev, uint64_t ino, struct shown *out) {
  const volatile struct cocoon_owner_entry *entries =
      (const volatile struct cocoon_owner_entry *)(const void *)(t + 1);
  for (int tries = 0; tries < 64; ++tries) {
    uint64_t s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
    if (s1 & 1) {
      __asm__ volatile("pause");
      continue;
    }
    if (__atomic_load_n(&t->incomplete, __ATOMIC_RELAXED)) return -1;
    const uint32_t cap = t->capacity;
    if (cap == 0 || (cap & (cap - 1)) != 0) return -1;
    uint32_t i = cocoon_owner_slot(dev, ino, cap);
    int found = 0;
    for (uint32_t n = 0; n < cap; ++n, i = (i + 1) & (cap - 1)) {
      const volatile struct cocoon_owner_entry *e = &entries[i];
      const uint32_t state = e->state;
      if (state == COCOON_ENTRY_EMPTY) break;
      if (e->dev != dev || e->ino != ino) continue;
      if (state == COCOON_ENTRY_LIVE) {
        out->uid = e->uid;
        out->gid = e->gid;
        out->mode = e->mode;
        out->faked = e->mode_faked;
        out->rdev = e->rdev;
        out->btime_sec = e->btime_sec;
        out->btime_nsec = e->btime_nsec;
        found = 1;
      }
      break;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) == s1) return found;
  }
  return -1;
}

/* glibc's makedev() and major()/minor(), the encoding records keep. */
static uint64_t make_dev(uint32_t ma, uint32_t mi) {
  return ((uint64_t)(ma & 0xfffff000u) << 32) | ((uint64_t)(ma & 0xfffu) << 8) |
         ((uint64_t)(mi & 0xffffff00u) << 12) | (mi & 0xffu);
}
static uint32_t dev_major(uint64_t d) { return (uint32_t)(((d >> 8) & 0xfffu) | ((d >> 32) & ~0xfffu)); }
static uint32_t dev_minor(uint64_t d) { return (uint32_t)((d & 0xffu) | ((d >> 12) & ~0xffu)); }

/* The kernel's struct stat (x86-64, cp_new_stat()) and struct statx, by
 * offset: the fields the agent reads and writes. */
#define ST_DEV 0
#define ST_INO 8
#define ST_MODE 24
#define ST_UID 28
#define ST_GID 32
#define ST_RDEV 40
#define STX_MASK 0
#define STX_UID 20
#define STX_GID 24
#define STX_MODE 28
#define STX_INO 32
#define STX_BTIME 80
#define STX_RDEV_MAJOR 128
#define STX_RDEV_MINOR 132
#define STX_DEV_MAJOR 136
#define STX_DEV_MINOR 140

#define AT(buf, off, type) (*(volatile type *)((char *)(buf) + (off)))

/* statx(2) of what the call names, for its birth time: dirfd, path and
 * flags as the stat call has them. */
static int btime_of(const struct frame *f, long at_fd, uint64_t dev, uint64_t ino, int64_t *sec,
                    uint32_t *nsec) {
  long dfd = AT_FDCWD_, path = f->rdi, flags = 0;
  switch (f->nr) {
    case NR_lstat: flags = AT_SYMLINK_NOFOLLOW_; break;
    case NR_fstat: dfd = f->rdi; path = (long)""; flags = AT_EMPTY_PATH_; break;
    case NR_newfstatat: dfd = f->rdi; path = f->rsi; flags = f->r10; break;
    case NR_statx: dfd = f->rdi; path = f->rsi; flags = f->rdx & ~AT_STATX_SYNC_TYPE_; break;
    default: break;
  }
  if (at_fd >= 0) {  /* the entry's own descriptor (view_stat's walk) */
    dfd = at_fd;
    path = (long)"";
    flags = AT_EMPTY_PATH_;
  }
  unsigned char sx[256];
  if (sys6(NR_statx, dfd, path, flags, STATX_BTIME_, (long)sx, (long)header()->key) != 0) return -1;
  const uint64_t d = make_dev(AT(sx, STX_DEV_MAJOR, uint32_t), AT(sx, STX_DEV_MINOR, uint32_t));
  if (d != dev || AT(sx, STX_INO, uint64_t) != ino) return -1;  /* it changed meanwhile */
  const int has = (AT(sx, STX_MASK, uint32_t) & STATX_BTIME_) != 0;
  *sec = has ? AT(sx, STX_BTIME, int64_t) : 0;
  *nsec = has ? AT(sx, STX_BTIME + 8, uint32_t) : 0;
  return 0;
}

/* The kernel's new_encode_dev() of a struct stat (major below 4096: the
 * same number as makedev() of its parts), as makedev() encodes it. */
static uint64_t stat_dev(const void *st) {
  const uint64_t d = AT(st, ST_DEV, uint64_t);
  return make_dev((uint32_t)((d & 0xfff00) >> 8), (uint32_t)((d & 0xff) | ((d >> 12) & 0xfff00)));
}

static void *stat_buf(const struct frame *f) {
  return (void *)(f->nr == NR_statx ? f->r8 : (f->nr == NR_newfstatat ? f->rdx : f->rsi));
}

static uint64_t buf_dev(const struct frame *f, const void *buf) {
  return f->nr == NR_statx ? make_dev(AT(buf, STX_DEV_MAJOR, uint32_t), AT(buf, STX_DEV_MINOR, uint32_t))
                           : stat_dev(buf);
}

static uint32_t buf_mode(const struct frame *f, const void *buf) {
  return f->nr == NR_statx ? AT(buf, STX_MODE, uint16_t) : AT(buf, ST_MODE, uint32_t);
}

static long owners(const struct frame *f, long at_fd);

/* The stat family: the call itself with the pass key, then the owner (and
 * a recorded mode and device) as FileOwners shows them. */
static long stat_call(const struct frame *f) {
  if (!table()) return plain(f);
  long r = keyed(f);
  if (r == -E_ACCES) return plain(f);
  if (r != 0) return r;
  return owners(f, -1);
}

/* The owner, mode and device FileOwners shows, over what the kernel wrote
 * into the call's buffer (`at_fd`: a descriptor of the entry, or -1: the
 * call's own path names it). */
static long owners(const struct frame *f, long at_fd) {
  const struct cocoon_owner_table *t = table();
  if (!t) return plain(f);
  const int is_statx = f->nr == NR_statx;
  void *buf = stat_buf(f);
  const uint64_t dev = buf_dev(f, buf);
  const uint64_t ino = is_statx ? AT(buf, STX_INO, uint64_t) : AT(buf, ST_INO, uint64_t);
  struct shown s = {0, 0, 0, 0, 0, 0, 0};
  const int found = lookup(t, dev, ino, &s);
  if (found < 0) return plain(f);
  if (found && (s.btime_sec | s.btime_nsec) != 0) {
    /* A record of another file born on the same inode number is stale
     * (OwnershipDb::find). */
    int64_t sec;
    uint32_t nsec;
    if (is_statx && (AT(buf, STX_MASK, uint32_t) & STATX_BTIME_)) {
      sec = AT(buf, STX_BTIME, int64_t);
      nsec = AT(buf, STX_BTIME + 8, uint32_t);
    } else if (btime_of(f, at_fd, dev, ino, &sec, &nsec) != 0) {
      return plain(f);
    }
    if ((sec | nsec) != 0 && (sec != s.btime_sec || nsec != s.btime_nsec)) {
      return plain(f);  /* stale: the tracer drops it at its lookup */
    }
  }
  struct cocoon_agent_header *h = header();
  __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  if (!found && h->unknown_is_real) return 0;
  const uint32_t uid = found ? s.uid : h->uid, gid = found ? s.gid : h->gid;
  if (is_statx) {
    AT(buf, STX_UID, uint32_t) = uid;
    AT(buf, STX_GID, uint32_t) = gid;
    if (found && s.faked) {
      AT(buf, STX_MODE, uint16_t) = (uint16_t)s.mode;
      AT(buf, STX_RDEV_MAJOR, uint32_t) = dev_major(s.rdev);
      AT(buf, STX_RDEV_MINOR, uint32_t) = dev_minor(s.rdev);
    }
  } else {
    AT(buf, ST_UID, uint32_t) = uid;
    AT(buf, ST_GID, uint32_t) = gid;
    if (found && s.faked) {
      AT(buf, ST_MODE, uint32_t) = s.mode;
      AT(buf, ST_RDEV, uint64_t) = s.rdev;
    }
  }
  return 0;
}

/* The calls that make files: the kernel's own making is FileOwners' answer
 * where the creator's ids are the configured ones (no record to make), no
 * recorded set-group-ID directory could give the file another group, and a
 * directory is made with its owner's rwx (FileCreations widens the others).
 * EACCES goes to the tracer: the emulated root's DAC override. */
static long create_call(const struct frame *f) {
  long flags = 0, mode = 0;
  switch (f->nr) {
    case NR_open: flags = f->rsi; break;
    case NR_openat: flags = f->rdx; break;
    case NR_creat: flags = O_CREAT_; break;
    case NR_mkdir: mode = f->rsi; break;
    case NR_mkdirat: mode = f->rdx; break;
    default: return plain(f);
  }
  const int dir = f->nr == NR_mkdir || f->nr == NR_mkdirat;
  if (!dir && !(flags & (O_CREAT_ | O_TMPFILE_))) return plain(f);
  if (dir && (mode & 0700) != 0700) return plain(f);
  const struct cocoon_owner_table *t = table();
  if (!t || !__atomic_load_n(&header()->plain_creator, __ATOMIC_RELAXED) ||
      __atomic_load_n(&t->setgid_dirs, __ATOMIC_ACQUIRE) != 0 ||
      __atomic_load_n(&t->incomplete, __ATOMIC_RELAXED)) {
    return plain(f);
  }
  const long r = keyed(f);
  if (r == -E_ACCES) return plain(f);
  __atomic_fetch_add(&header()->answered, 1, __ATOMIC_RELAXED);
  return r;
}

/* In a view (agent_abi.h `view`): path calls the kernel walks as the view
 * would, and only those. cocoon's resolver gives the kernel the guest's
 * own call when the walk is plain (GuestView::kernel_walks_alike); the
 * agent can tell a plain walk only in its simplest form, one name (no '/',
 * not "." or "..", never a symlink: the kernel would follow its body on
 * the host) looked up in a directory whose entries are the host's:
 * on a filesystem of the root or of a mount's source (not /proc, /dev, a
 * host mount the view does not show as such) and not one of the view's
 * mount points' ancestors. Everything else goes to the tracer. */
static int known_dev(const struct cocoon_agent_header *h, uint64_t dev) {
  const uint32_t n = h->ndevs < COCOON_AGENT_DEVS ? h->ndevs : COCOON_AGENT_DEVS;
  for (uint32_t i = 0; i < n; ++i) {
    if (h->devs[i] == dev) return 1;
  }
  return 0;
}

static int plain_dir(const struct cocoon_agent_header *h, long dirfd) {
  unsigned char st[144];
  if (sys6(NR_newfstatat, dirfd, (long)"", (long)st, AT_EMPTY_PATH_, 0, (long)h->key) != 0) return 0;
  if ((AT(st, ST_MODE, uint32_t) & S_IFMT_) != S_IFDIR_) return 0;
  const uint64_t dev = stat_dev(st), ino = AT(st, ST_INO, uint64_t);
  if (!known_dev(h, dev)) return 0;
  const uint32_t n = h->nmarks < COCOON_AGENT_MARKS ? h->nmarks : COCOON_AGENT_MARKS;
  for (uint32_t i = 0; i < n; ++i) {
    if (h->marks[i].dev == dev && h->marks[i].ino == ino) return 0;
  }
  return 1;
}

/* Read only once the kernel has read the name without EFAULT. */
static int one_name(const char *s) {
  if (s[0] == 0 || (s[0] == '.' && (s[1] == 0 || (s[1] == '.' && s[2] == 0)))) return 0;
  for (int i = 0; s[i]; ++i) {
    if (s[i] == '/' || i >= 255) return 0;
  }
  return 1;
}

/* The longest guest path the agent walks itself (longer: the tracer's):
 * its walks keep three such buffers on the guest's stack (docs/agent.md,
 * Limits). */
#define PATH_LEN 640u

/* Whether some mount target is `norm` (n bytes) or above it (`above` 0),
 * or below it (`above` 1). */
static int near_target(const struct cocoon_agent_header *h, const char *norm, uint32_t n, int above) {
  const uint32_t tl = h->targets_len < COCOON_AGENT_TARGETS_MAX ? h->targets_len : COCOON_AGENT_TARGETS_MAX;
  for (uint32_t i = 0; i < tl;) {
    const char *t = h->targets + i;
    uint32_t m = 0;
    while (i + m < tl && t[m]) ++m;
    uint32_t k = 0;
    while (k < m && k < n && t[k] == norm[k]) ++k;
    if (!above && m > 0 && k == m && (k == n || norm[k] == '/')) return 1;
    if (above && k == n && k < m && t[k] == '/') return 1;
    i += m + 1;
  }
  return 0;
}

static int is_proc(const char *norm, uint32_t n) {
  return n >= 5 && norm[1] == 'p' && norm[2] == 'r' && norm[3] == 'o' && norm[4] == 'c' &&
         (n == 5 || norm[5] == '/');
}

/* A walk's step into name `s` (k bytes) below `norm` (*n bytes, PATH_LEN
 * at most): 0 where the name is a mount target or below one, or under
 * /proc (the tracer's), or the path too long. */
static int enter_name(const struct cocoon_agent_header *h, char *norm, uint32_t *n, const char *s, uint32_t k) {
  if (*n + 1 + k >= PATH_LEN) return 0;
  norm[(*n)++] = '/';
  for (uint32_t t = 0; t < k; ++t) norm[(*n)++] = s[t];
  return !near_target(h, norm, *n, 0) && !is_proc(norm, *n);
}

/* A walk's ".." out of `norm` (*n bytes, not the root): its lexical
 * parent, 0 where `norm` is above a mount target (the host may lack it:
 * the view's placeholder). */
static int leave_dir(const struct cocoon_agent_header *h, char *norm, uint32_t *n) {
  if (near_target(h, norm, *n, 1)) return 0;
  while (*n > 0 && norm[*n - 1] != '/') --*n;
  --*n;
  return 1;
}

/* An absolute path the root's tree alone holds. The kernel walks it
 * without following a symlink (RESOLVE_NO_SYMLINKS), so its ".." is the
 * lexical one: every directory the walk reaches, as "." and ".." leave
 * it, must be under no mount target (nor one), and the last above none
 * (a mount point's ancestor: its listing and a placeholder are the
 * view's); ".." may leave no such ancestor (the host may lack it: the
 * view's placeholder) and never climb above the root (the view clamps it
 * there, the host would not). /proc is the tracer's whatever the view
 * holds there (its links to the caller, its guard of other processes).
 * The normalized path goes to `norm` (PATH_LEN bytes), its length to
 * `len`. The name is read only as far as PATH_LEN: the kernel read it
 * (the probe), but a name without its NUL in its first 4096 bytes is
 * ENAMETOOLONG, and the guest's memory may end after them. */
static int plain_absolute(const struct cocoon_agent_header *h, const char *p, char *norm, uint32_t *len) {
  if (!h->absolute || p[0] != '/') return 0;
  for (uint32_t i = 0; p[i]; ++i) {
    if (i >= PATH_LEN) return 0;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; p[i];) {
    while (p[i] == '/') ++i;
    if (!p[i]) break;
    uint32_t e = i;
    while (p[e] && p[e] != '/') ++e;
    if (e - i == 1 && p[i] == '.') {
      /* stays */
    } else if (e - i == 2 && p[i] == '.' && p[i + 1] == '.') {
      if (n == 0 || !leave_dir(h, norm, &n)) return 0;
    } else if (!enter_name(h, norm, &n, p + i, e - i)) {
      return 0;
    }
    i = e;
  }
  norm[n] = 0;
  *len = n;
  return n > 0 && !near_target(h, norm, n, 1);
}

#define NOT_MINE 1
/* The most symlinks one walk follows: the kernel's MAXSYMLINKS. */
#define LINKS_MAX 40

struct open_how_ {
  uint64_t flags, mode, resolve;
};

/* The host path of guest path `g` (n bytes, absolute, in the root's tree)
 * into `walk` (COCOON_AGENT_ROOT_MAX + PATH_LEN bytes). */
static void host_path(const struct cocoon_agent_header *h, const char *g, uint32_t n, char *walk) {
  uint32_t r = 0;
  for (; r < COCOON_AGENT_ROOT_MAX - 1 && h->root[r]; ++r) walk[r] = h->root[r];
  for (uint32_t i = 0; i < n; ++i) walk[r + i] = g[i];
  walk[r + n] = 0;
  if (r + n == 0) walk[0] = '/', walk[1] = 0;
}

/* A failed walk of the root's tree, ENOENT or ENOTDIR (or ENAMETOOLONG)
 * `err` for the path `norm` (n bytes) that the kernel walked through no
 * symlink up to where it failed: the view's answer where the entry the
 * walk failed after is on a filesystem of the view (not a host mount the
 * tracer dresses, as /proc) and the name it failed at is above no mount
 * target (where the view shows a placeholder the host may lack). That
 * entry is the deepest of the path's prefixes that is there (looked up,
 * the walk to it having met no symlink): a directory for ENOENT, anything
 * else for ENOTDIR. `deep` 0: it must be the last name's directory (a
 * path with "." or "..", whose walk is not its prefixes'). */
static long missing(const struct cocoon_agent_header *h, const char *norm, uint32_t n, long err, int deep,
                    char *walk) {
  for (uint32_t k = n; k > 0;) {
    if (near_target(h, norm, k, 1)) return NOT_MINE;
    uint32_t d = k;
    while (d > 0 && norm[d - 1] != '/') --d;
    d = d > 0 ? d - 1 : 0;
    host_path(h, norm, d, walk);
    unsigned char st[144];
    const long r = sys6(NR_newfstatat, AT_FDCWD_, (long)walk, (long)st, AT_SYMLINK_NOFOLLOW_, 0, (long)header()->key);
    if (r == 0) {
      const uint32_t type = AT(st, ST_MODE, uint32_t) & S_IFMT_;
      const int fits = type == S_IFDIR_ ? err != -E_NOTDIR : err == -E_NOTDIR && type != S_IFLNK_;
      return fits && known_dev(h, stat_dev(st)) ? err : NOT_MINE;
    }
    if (!deep || (r != -E_NOENT && r != -E_NOTDIR)) return NOT_MINE;
    k = d;
  }
  return NOT_MINE;
}

/* `rest` (rl bytes, PATH_LEN at most) with its first `e` bytes (the path
 * up to a symlink's name) replaced by the link's body (k bytes): what
 * the walk goes on with. 0 when it would not fit. */
static int splice(char *rest, uint32_t *rl, uint32_t e, const char *link, uint32_t k) {
  const uint32_t tail = *rl - e;
  if (k + tail >= PATH_LEN) return 0;
  if (k > e) {
    for (uint32_t t = tail; t > 0; --t) rest[k + t - 1] = rest[e + t - 1];
  } else {
    for (uint32_t t = 0; t < tail; ++t) rest[k + t] = rest[e + t];
  }
  for (uint32_t t = 0; t < k; ++t) rest[t] = link[t];
  *rl = k + tail;
  return 1;
}

/* An absolute path walked as the view walks it, the agent following its
 * symlinks itself: each name looked up (lstat) in the root's tree, a
 * symlink's body put in its place (an absolute one walked from the view's
 * root: the kernel's walk in the view, which the host's would not be with
 * -r DIR), and plain_absolute's checks made at every name the walk
 * reaches, the symlinks' included. The last name followed when `follow`.
 * `norm` (PATH_LEN bytes) gets the path through no symlink, `walk` is
 * scratch. Returns 0, a -errno that is the view's answer, or NOT_MINE: a
 * trailing '/' or "." after a non-directory (the kernel's rules there are
 * the tracer's), a walk past the limits. */
static long resolve(const struct cocoon_agent_header *h, const char *p, int follow, char *norm, uint32_t *len,
                    char *walk) {
  char rest[PATH_LEN], link[256];
  uint32_t rl = 0, n = 0, i = 0, type = S_IFDIR_;
  int links = 0;
  for (; p[rl]; ++rl) {
    if (rl >= PATH_LEN - 1) return NOT_MINE;
    rest[rl] = p[rl];
  }
  for (;;) {
    while (i < rl && rest[i] == '/') ++i;
    if (i >= rl) break;
    uint32_t e = i;
    while (e < rl && rest[e] != '/') ++e;
    uint32_t j = e;
    while (j < rl && rest[j] == '/') ++j;
    const int last = j >= rl;
    if (last && e < rl) return NOT_MINE;
    if (rest[i] == '.' && (e - i == 1 || (e - i == 2 && rest[i + 1] == '.'))) {
      if (type != S_IFDIR_) return NOT_MINE;
      if (e - i == 2 && n > 0 && !leave_dir(h, norm, &n)) return NOT_MINE;
      i = e;
      continue;
    }
    uint32_t m = n;
    if (!enter_name(h, norm, &m, rest + i, e - i)) return NOT_MINE;
    if (last && !follow) {
      n = m;
      break;
    }
    host_path(h, norm, m, walk);
    unsigned char st[144];
    const long r = sys6(NR_newfstatat, AT_FDCWD_, (long)walk, (long)st, AT_SYMLINK_NOFOLLOW_, 0, (long)h->key);
    if (r == -E_NOENT || r == -E_NOTDIR) return missing(h, norm, m, r, 1, walk);
    if (r != 0) return NOT_MINE;
    type = AT(st, ST_MODE, uint32_t) & S_IFMT_;
    if (type != S_IFLNK_) {
      n = m;
      i = e;
      continue;
    }
    /* A symlink: its body, then what followed it, walked from its
     * directory (norm's first n bytes) or, absolute, from the root; the
     * tracer's where bodies are read in guest terms (`link_bodies` 0:
     * the proot front end takes a rootfs's prefix off an absolute one). */
    if (!h->link_bodies) return NOT_MINE;
    const long k = sys6(NR_readlinkat, AT_FDCWD_, (long)walk, (long)link, sizeof link, 0, (long)h->key);
    if (++links > LINKS_MAX || k <= 0 || k >= (long)sizeof link || link[k - 1] == '/') return NOT_MINE;
    if (!splice(rest, &rl, e, link, (uint32_t)k)) return NOT_MINE;
    i = 0;
    type = S_IFDIR_;
    if (link[0] == '/') n = 0;
  }
  norm[n] = 0;
  *len = n;
  return n == 0 || near_target(h, norm, n, 1) ? NOT_MINE : 0;
}

/* The O_PATH descriptor of `walk` (not followed) through no symlink. */
static long open_path(const struct cocoon_agent_header *h, long base, const char *walk, uint64_t resolve) {
  struct open_how_ how = {O_PATH_ | O_CLOEXEC_ | O_NOFOLLOW_, 0, resolve};
  return sys6(NR_openat2, base, (long)walk, (long)&how, sizeof how, 0, (long)h->key);
}

/* The entry an O_PATH descriptor holds, if on a filesystem of the view:
 * its type, or 0 (and the descriptor closed) if not. */
static uint32_t entry_type(const struct cocoon_agent_header *h, long fd) {
  unsigned char st[144];
  if (sys6(NR_newfstatat, fd, (long)"", (long)st, AT_EMPTY_PATH_, 0, (long)h->key) == 0 &&
      known_dev(h, stat_dev(st))) {
    return AT(st, ST_MODE, uint32_t) & S_IFMT_;
  }
  sys6(NR_close, fd, 0, 0, 0, 0, 0);
  return 0;
}

/* Whether the path has a "." or ".." name: its walk is not its prefixes'. */
static int dotted(const char *p) {
  for (uint32_t i = 0; p[i]; ++i) {
    if (p[i] == '.' && (i == 0 || p[i - 1] == '/') &&
        (p[i + 1] == 0 || p[i + 1] == '/' || (p[i + 1] == '.' && (p[i + 2] == 0 || p[i + 2] == '/')))) {
      return 1;
    }
  }
  return 0;
}

/* A failed walk of absolute path `p` (lexically `norm`, n bytes) through
 * no symlink, error `err`: missing() for a path of names alone; for one
 * with "." or "..", whose walk is not its prefixes', the agent's own walk
 * (resolve(), every name looked up on the way) must fail the same. */
static long dotted_missing(const struct cocoon_agent_header *h, const char *p, char *norm, uint32_t n, long err,
                           char *walk) {
  if (!dotted(p)) return missing(h, norm, n, err, 1, walk);
  uint32_t len = 0;
  const long r = resolve(h, p, 1, norm, &len, walk);
  return r == err ? r : NOT_MINE;
}

/* An absolute path of the root's tree: walked by the kernel through no
 * symlink (openat2's RESOLVE_NO_SYMLINKS, Linux 5.6) from the root's host
 * directory, plain_absolute's checks made on its names; where the kernel
 * meets a symlink (ELOOP), or the last name is one and `follow`, resolve()
 * walks it and the kernel walks the result. */
static long absolute_walk(const struct cocoon_agent_header *h, const char *p, int follow, char *walk,
                          uint32_t *type) {
  uint32_t len = 0;
  char norm[PATH_LEN];
  if (!plain_absolute(h, p, norm, &len)) return NOT_MINE;
  uint32_t n = 0;
  for (; p[n]; ++n) {
    if (n >= PATH_LEN - 32) return NOT_MINE;
  }
  host_path(h, p, n, walk);
  long fd = open_path(h, AT_FDCWD_, walk, RESOLVE_NO_SYMLINKS_);
  if (fd >= 0) {
    *type = entry_type(h, fd);
    if (*type == 0) return NOT_MINE;
    if (*type != S_IFLNK_ || !follow) return fd;
    sys6(NR_close, fd, 0, 0, 0, 0, 0);
  } else if (fd == -E_NOENT || fd == -E_NOTDIR || fd == -E_NAMETOOLONG) {
    return fd == -E_NAMETOOLONG ? missing(h, norm, len, fd, 0, walk) : dotted_missing(h, p, norm, len, fd, walk);
  } else if (fd != -E_LOOP) {
    return NOT_MINE; /* EXDEV, EACCES, ENOSYS (no openat2)... */
  }
  const long r = resolve(h, p, follow, norm, &len, walk);
  if (r != 0) return r;
  host_path(h, norm, len, walk);
  fd = open_path(h, AT_FDCWD_, walk, RESOLVE_NO_SYMLINKS_);
  if (fd == -E_NOENT || fd == -E_NOTDIR) return missing(h, norm, len, fd, 1, walk);
  if (fd < 0) return NOT_MINE;
  *type = entry_type(h, fd);
  if (*type == 0) return NOT_MINE;
  if (*type == S_IFLNK_ && follow) {
    sys6(NR_close, fd, 0, 0, 0, 0, 0);
    return NOT_MINE; /* made a symlink since: the tracer's */
  }
  return fd;
}

#define SLOW 2

/* Whether `p` is an absolute path of a view whose root is the host's /. */
static int same_root(const struct cocoon_agent_header *h, const char *p) { return p[0] == '/' && h->root[0] == 0; }

/* An absolute path where the view's root is the host's (`root` empty: the
 * guest's path is the host's wherever the walk is plain). `probe` and `st`
 * are the guest's path looked up without following its last name (the
 * kernel read the name: no EFAULT). Whether the kernel walks it through no
 * symlink is asked without a descriptor: opened for writing as a
 * directory, O_NOFOLLOW, with RESOLVE_NO_SYMLINKS (Linux 5.6), a walk can
 * only fail: EISDIR at a directory (may_open() refuses to write one),
 * ENOTDIR at anything else, a symlink last included (O_NOFOLLOW leaves it
 * unfollowed and do_open() checks O_DIRECTORY before may_open();
 * fs/namei.c), ELOOP at a symlink on the way, ENOENT where a name is
 * missing. The probe's entry is the walk's where the two agree: a last
 * symlink is known from the probe alone (SLOW), never from the check.
 * Returns 0 (`st` the entry, no symlink, on a filesystem of the view), a
 * -errno that is the view's answer (counted), SLOW (a symlink on the way
 * or last: absolute_walk follows it), NOT_MINE. `scratch`:
 * COCOON_AGENT_ROOT_MAX + PATH_LEN bytes. */
static long same_root_walk(struct cocoon_agent_header *h, const char *p, long probe, const unsigned char *st,
                           char *scratch) {
  char norm[PATH_LEN];
  uint32_t len = 0;
  if (!plain_absolute(h, p, norm, &len)) return NOT_MINE;
  if (probe == 0 && (AT(st, ST_MODE, uint32_t) & S_IFMT_) == S_IFLNK_) return SLOW;
  struct open_how_ how = {O_WRONLY_ | O_DIRECTORY_ | O_NOFOLLOW_ | O_CLOEXEC_, 0, RESOLVE_NO_SYMLINKS_};
  const long c = sys6(NR_openat2, AT_FDCWD_, (long)p, (long)&how, sizeof how, 0, (long)h->key);
  if (c >= 0) {
    sys6(NR_close, c, 0, 0, 0, 0, 0);
    return NOT_MINE;
  }
  if (c == -E_LOOP) return SLOW;
  long r = NOT_MINE;
  if (probe == 0) {
    const uint32_t type = AT(st, ST_MODE, uint32_t) & S_IFMT_;
    if (c == (type == S_IFDIR_ ? -E_ISDIR : -E_NOTDIR) && type != S_IFLNK_ && known_dev(h, stat_dev(st))) return 0;
  } else if ((probe == -E_NOENT || probe == -E_NOTDIR) && c == probe) {
    r = dotted_missing(h, p, norm, len, c, scratch);
  }
  if (r < 0) __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  return r;
}

/* Where the kernel walks `p` as the view would, when it can be told: an
 * absolute path of the root's tree alone (absolute_walk), or a relative
 * one from a plain directory (never above it, never to another
 * filesystem, never through a symlink). `*base` and `walk`
 * (COCOON_AGENT_ROOT_MAX + PATH_LEN bytes) get the kernel's dirfd and
 * path, `*type` the entry's type. Returns an O_PATH descriptor of the
 * entry (followed if a symlink and `follow`, for an absolute path); a
 * -errno where the view's answer is the kernel's error (ENOENT, ENOTDIR,
 * ENAMETOOLONG; counted as answered); NOT_MINE for the tracer. */
static long walk_entry(struct cocoon_agent_header *h, long dirfd, const char *p, int follow, long *base,
                       char *walk, uint32_t *type) {
  long fd;
  if (p[0] == '/') {
    *base = AT_FDCWD_;
    fd = absolute_walk(h, p, follow, walk, type);
  } else {
    uint32_t n = 0;
    for (; p[n]; ++n) {
      if (n >= PATH_LEN - 32) return NOT_MINE;
      walk[n] = p[n];
    }
    walk[n] = 0;
    if (!plain_dir(h, dirfd)) return NOT_MINE;
    *base = dirfd;
    fd = open_path(h, dirfd, walk, RESOLVE_NO_SYMLINKS_ | RESOLVE_BENEATH_ | RESOLVE_NO_XDEV_);
    if (fd >= 0) {
      *type = entry_type(h, fd);
      if (*type == 0) return NOT_MINE;
    } else if (fd != -E_NOENT && fd != -E_NOTDIR && fd != -E_NAMETOOLONG) {
      return NOT_MINE; /* ELOOP (a symlink), EXDEV, EACCES, ENOSYS (no openat2)... */
    }
  }
  if (fd < 0 && fd != NOT_MINE) __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  return fd;
}

/* A stat of a descriptor in a view: the kernel's, for a file on a
 * filesystem of the view. */
static long view_stat_fd(const struct frame *f) {
  struct cocoon_agent_header *h = header();
  const long r = keyed(f);
  if (r == -E_ACCES || r == -E_FAULT) return plain(f);
  if (r != 0) {
    __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
    return r;
  }
  if (!known_dev(h, buf_dev(f, stat_buf(f)))) return plain(f);
  return owners(f, -1);
}

/* The stat family in a view: the call made with AT_SYMLINK_NOFOLLOW (a
 * symlink goes to the tracer), then the checks above on the name, now that
 * the kernel has read it (EFAULT is the tracer's to answer). A call on a
 * descriptor (fstat, AT_EMPTY_PATH with "") needs only a filesystem of the
 * view's. */
static long view_stat(const struct frame *f) {
  struct cocoon_agent_header *h = header();
  struct frame g = *f;
  long dirfd = AT_FDCWD_, path = 0, asked = 0;
  switch (f->nr) {
    case NR_stat:
    case NR_lstat:
      g.nr = NR_newfstatat;
      g.rdi = AT_FDCWD_;
      g.rsi = f->rdi;
      g.rdx = f->rsi;
      g.r10 = AT_SYMLINK_NOFOLLOW_;
      path = f->rdi;
      asked = f->nr == NR_lstat ? AT_SYMLINK_NOFOLLOW_ : 0;
      break;
    case NR_newfstatat:
      dirfd = f->rdi;
      path = f->rsi;
      asked = f->r10;
      g.r10 = f->r10 | AT_SYMLINK_NOFOLLOW_;
      break;
    case NR_statx:
      dirfd = f->rdi;
      path = f->rsi;
      asked = f->rdx;
      g.rdx = f->rdx | AT_SYMLINK_NOFOLLOW_;
      break;
    default: break; /* fstat */
  }
  if (f->nr == NR_fstat) return view_stat_fd(f);
  /* AT_EMPTY_PATH with NULL names the descriptor since Linux 6.11 and is
   * EFAULT before: the tracer's to answer. */
  if (path == 0) return plain(f);
  /* A probe into the agent's own buffer: the kernel reads the name (EFAULT
   * is the tracer's) and says what is there, and the guest's buffer holds
   * nothing of the host's before the call is known to be the view's. */
  unsigned char probe[144];
  const long r = sys6(NR_newfstatat, dirfd, path, (long)probe, AT_SYMLINK_NOFOLLOW_ | (asked & AT_EMPTY_PATH_), 0,
                      (long)h->key);
  if (r == -E_ACCES || r == -E_FAULT || r == -E_NAMETOOLONG) return plain(f);
  if ((asked & AT_EMPTY_PATH_) && *(const char *)path == 0) return view_stat_fd(f);
  char walk[COCOON_AGENT_ROOT_MAX + PATH_LEN];
  const long fast = same_root(h, (const char *)path) ? same_root_walk(h, (const char *)path, r, probe, walk) : SLOW;
  if (fast == NOT_MINE) return plain(f);
  if (fast < 0) return fast;
  if (fast == SLOW && !one_name((const char *)path)) {
    /* Several names, or an absolute path through a symlink: the walk
     * checked, then the call made on the entry's descriptor. */
    long base;
    uint32_t type = 0;
    const long fd = walk_entry(h, dirfd, (const char *)path, !(asked & AT_SYMLINK_NOFOLLOW_), &base, walk, &type);
    if (fd == NOT_MINE) return plain(f);
    if (fd < 0) return fd;
    const long r2 =
        f->nr == NR_statx
            ? sys6(NR_statx, fd, (long)"", AT_EMPTY_PATH_ | (asked & AT_STATX_SYNC_TYPE_), f->r10, f->r8,
                   (long)h->key)
            : sys6(NR_newfstatat, fd, (long)"", (long)stat_buf(f), AT_EMPTY_PATH_, 0, (long)h->key);
    const long r3 = r2 != 0 || type == S_IFLNK_ ? NOT_MINE : owners(f, fd);
    sys6(NR_close, fd, 0, 0, 0, 0, 0);
    return r3 == NOT_MINE ? plain(f) : r3;
  }
  if (fast == SLOW) {
    /* One name in a plain directory. */
    if (!plain_dir(h, dirfd)) return plain(f);
    if (r != 0) {
      __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
      return r;
    }
    if ((AT(probe, ST_MODE, uint32_t) & S_IFMT_) == S_IFLNK_ || !known_dev(h, stat_dev(probe))) return plain(f);
  }
  /* The view's: the call itself into the guest's buffer. */
  if (keyed(&g) != 0) return plain(f);
  const void *buf = stat_buf(f);
  if ((buf_mode(f, buf) & S_IFMT_) == S_IFLNK_ || !known_dev(h, buf_dev(f, buf))) return plain(f);
  return owners(f, -1);
}

/* open and openat in a view: for reading only (a write may meet a
 * read-only mount, a creation needs a record), never through a symlink
 * (O_NOFOLLOW added; ELOOP goes to the tracer), never a device node (a
 * nodev mount refuses it). The name is first looked up without following
 * (which reads it, or says EFAULT). */
static long view_open(const struct frame *f) {
  struct cocoon_agent_header *h = header();
  const int at = f->nr == NR_openat;
  const long dirfd = at ? f->rdi : AT_FDCWD_, path = at ? f->rsi : f->rdi;
  const long flags = at ? f->rdx : f->rsi;
  if ((flags & O_ACCMODE_) != 0 || (flags & (O_CREAT_ | O_TRUNC_ | O_TMPFILE_))) return plain(f);
  unsigned char st[144];
  const long probe = sys6(NR_newfstatat, dirfd, path, (long)st, AT_SYMLINK_NOFOLLOW_, 0, (long)h->key);
  if (probe == -E_FAULT || probe == -E_ACCES || probe == -E_NAMETOOLONG) return plain(f);
  if (probe == 0 && one_name((const char *)path)) {
    const uint32_t type = AT(st, ST_MODE, uint32_t) & S_IFMT_;
    if (type == S_IFLNK_ || type == S_IFCHR_ || type == S_IFBLK_) return plain(f);
  }
  struct frame g = *f;
  char walk[COCOON_AGENT_ROOT_MAX + PATH_LEN];
  const long fast = same_root(h, (const char *)path) ? same_root_walk(h, (const char *)path, probe, st, walk) : SLOW;
  if (fast == NOT_MINE) return plain(f);
  if (fast < 0) return fast;
  if (fast == 0) {
    /* The guest's own path, the walk plain. */
    const uint32_t type = AT(st, ST_MODE, uint32_t) & S_IFMT_;
    if (type == S_IFCHR_ || type == S_IFBLK_) return plain(f);
  } else if (!one_name((const char *)path)) {
    /* Several names, or an absolute path through a symlink: the walk
     * checked, then the guest's open made on the same host path (a
     * symlink swapped in between is followed only as far as Landlock lets
     * it). */
    long base;
    uint32_t type = 0;
    const long fd = walk_entry(h, dirfd, (const char *)path, !(flags & O_NOFOLLOW_), &base, walk, &type);
    if (fd == NOT_MINE) return plain(f);
    if (fd < 0) return fd;
    sys6(NR_close, fd, 0, 0, 0, 0, 0);
    if (type == S_IFLNK_ || type == S_IFCHR_ || type == S_IFBLK_) return plain(f);
    g.nr = NR_openat;
    g.rdi = base;
    g.rsi = (long)walk;
    g.rdx = flags;
    g.r10 = at ? f->r10 : f->rdx;
  } else if (!plain_dir(h, dirfd)) {
    return plain(f);
  }
  if (g.nr == NR_openat) g.rdx = flags | O_NOFOLLOW_;
  else g.rsi = flags | O_NOFOLLOW_;
  const long r = keyed(&g);
  if ((r == -E_LOOP && !(flags & O_NOFOLLOW_)) || r == -E_ACCES) return plain(f);
  __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  return r;
}

/* getdents64 of a directory whose listing the view does not complete. */
static long view_list(const struct frame *f) {
  struct cocoon_agent_header *h = header();
  if (!plain_dir(h, f->rdi)) return plain(f);
  const long r = keyed(f);
  __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  return r;
}

/* readlink and readlinkat of a plain walk's entry: EINVAL for no
 * symlink, the kernel's answer; a symlink's body where no mount shows
 * bodies in guest terms (`link_bodies`; the proot front end does), read
 * by the kernel into the guest's buffer. readlinkat's empty path (the
 * descriptor's own link) goes to the tracer. */
static long view_readlink(const struct frame *f) {
  struct cocoon_agent_header *h = header();
  const int at = f->nr == NR_readlinkat;
  const long dirfd = at ? f->rdi : AT_FDCWD_, path = at ? f->rsi : f->rdi;
  unsigned char st[144];
  /* The kernel reads the name first (EFAULT is the tracer's). */
  const long probe = sys6(NR_newfstatat, dirfd, path, (long)st, AT_SYMLINK_NOFOLLOW_, 0, (long)h->key);
  if (probe == -E_FAULT || probe == -E_ACCES || probe == -E_NAMETOOLONG || *(const char *)path == 0) return plain(f);
  const int link = probe == 0 && (AT(st, ST_MODE, uint32_t) & S_IFMT_) == S_IFLNK_;
  if (link && !h->link_bodies) return plain(f);
  long base;
  uint32_t type = 0;
  char walk[COCOON_AGENT_ROOT_MAX + PATH_LEN];
  const long fast = !link && same_root(h, (const char *)path) ? same_root_walk(h, (const char *)path, probe, st, walk)
                                                              : SLOW;
  if (fast == NOT_MINE) return plain(f);
  if (fast < 0) return fast;
  if (fast == 0) {
    __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
    return -E_INVAL;
  }
  const long fd = walk_entry(h, dirfd, (const char *)path, 0, &base, walk, &type);
  if (fd == NOT_MINE) return plain(f);
  if (fd < 0) return fd;
  long r = -E_INVAL;
  if (type == S_IFLNK_) {
    /* The body, as the kernel reads it: readlinkat of the link's own
     * O_PATH descriptor (an empty path, Linux 2.6.39). */
    const long buf = at ? f->rdx : f->rsi, size = at ? f->r10 : f->rdx;
    r = h->link_bodies ? sys6(NR_readlinkat, fd, (long)"", buf, size, 0, (long)h->key) : NOT_MINE;
  }
  sys6(NR_close, fd, 0, 0, 0, 0, 0);
  if (r == NOT_MINE || r == -E_FAULT || (r < 0 && r != -E_INVAL)) return plain(f);
  __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  return r;
}

/* access, faccessat, faccessat2 (AT_EACCESS only) of a plain walk's
 * entry that is no symlink, where ids are not emulated, for reading and
 * executing: W_OK meets a read-only mount, which the kernel does not see
 * here. */
static long view_access(const struct frame *f) {
  struct cocoon_agent_header *h = header();
  const int at = f->nr != NR_access;
  const long dirfd = at ? f->rdi : AT_FDCWD_, path = at ? f->rsi : f->rdi;
  const long mode = at ? f->rdx : f->rsi, flags = f->nr == NR_faccessat2 ? f->r10 : 0;
  if (!h->real_ids || (mode & W_OK_) || (flags & ~AT_EACCESS_)) return plain(f);
  unsigned char st[144];
  const long probe = sys6(NR_newfstatat, dirfd, path, (long)st, AT_SYMLINK_NOFOLLOW_, 0, (long)h->key);
  if (probe == -E_FAULT || probe == -E_ACCES || probe == -E_NAMETOOLONG) return plain(f);
  long base, r;
  uint32_t type = 0;
  char walk[COCOON_AGENT_ROOT_MAX + PATH_LEN];
  const long fast = same_root(h, (const char *)path) ? same_root_walk(h, (const char *)path, probe, st, walk) : SLOW;
  if (fast == NOT_MINE) return plain(f);
  if (fast < 0) return fast;
  if (fast == 0) {
    r = keyed(f); /* the guest's path, no symlink on it */
  } else {
    const long fd = walk_entry(h, dirfd, (const char *)path, 1, &base, walk, &type);
    if (fd == NOT_MINE) return plain(f);
    if (fd < 0) return fd;
    r = type == S_IFLNK_ ? NOT_MINE
                         : sys6(NR_faccessat2, fd, (long)"", mode, AT_EMPTY_PATH_ | flags, 0, (long)h->key);
    sys6(NR_close, fd, 0, 0, 0, 0, 0);
  }
  if (r == NOT_MINE || r == -E_NOSYS || r == -E_INVAL) return plain(f);
  __atomic_fetch_add(&h->answered, 1, __ATOMIC_RELAXED);
  return r;
}

static long view_call(const struct frame *f) {
  switch (f->nr) {
    case NR_stat:
    case NR_fstat:
    case NR_lstat:
    case NR_newfstatat:
    case NR_statx: return view_stat(f);
    case NR_open:
    case NR_openat: return view_open(f);
    case NR_getdents64: return view_list(f);
    case NR_readlink:
    case NR_readlinkat: return view_readlink(f);
    case NR_access:
    case NR_faccessat:
    case NR_faccessat2: return view_access(f);
    default: return plain(f);
  }
}

__attribute__((used)) long cocoon_agent_dispatch(const struct frame *f) {
  const struct cocoon_owner_table *t = table();
  if (!t || __atomic_load_n(&t->off, __ATOMIC_ACQUIRE)) return plain(f);
  if (header()->view) return view_call(f);
  if (f->nr == NR_open || f->nr == NR_openat || f->nr == NR_creat || f->nr == NR_mkdir ||
      f->nr == NR_mkdirat) {
    return create_call(f);
  }
  if (f->nr == NR_stat || f->nr == NR_fstat || f->nr == NR_lstat || f->nr == NR_newfstatat ||
      f->nr == NR_statx) {
    return stat_call(f);
  }
  return plain(f);
}
