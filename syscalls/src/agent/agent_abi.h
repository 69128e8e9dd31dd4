/* The in-guest agent's interface with the tracer (issue 19; docs/agent.md).
 * C, so that the agent (blob/agent.c, built freestanding) and cocoon's C++
 * share one definition of the region's header and of the owner table.
 *
 * The region, mapped in an armed process at a place within 2 GiB of the
 * code that calls it (cocoon injects the mmap):
 *   [0, 4096)                 struct cocoon_agent_header, written by the
 *                             tracer; the agent makes this page writable
 *                             at its first use to cache the table's address
 *   [4096, slots_offset)      the agent's code (the blob), entry first
 *   [slots_offset, size)      trampolines, one per patched call site
 *                             (COCOON_AGENT_SLOT bytes), written by the
 *                             tracer as it patches sites
 * x86-64 only: the site patch is x86-64's `mov $nr,%eax; syscall`. */
#ifndef COCOON_AGENT_ABI_H
#define COCOON_AGENT_ABI_H

#include <stdint.h>

#define COCOON_AGENT_MAGIC 0x4741676e6f6f636fULL /* "ocoongAG" */
#define COCOON_AGENT_REGION 65536u
#define COCOON_AGENT_CODE 4096u
#define COCOON_AGENT_SLOT 32u
#define COCOON_AGENT_PATH_MAX 512u
#define COCOON_AGENT_MARKS 96u
#define COCOON_AGENT_DEVS 16u
#define COCOON_AGENT_ROOT_MAX 256u
#define COCOON_AGENT_TARGETS_MAX 1024u

/* A host directory by identity (dev as glibc's makedev() of its parts). */
struct cocoon_agent_dir {
  uint64_t dev, ino;
};

struct cocoon_agent_header {
  uint64_t magic;
  /* The agent's own calls carry this in their sixth argument register,
   * which none of the calls it makes reads: the filter lets such a call
   * run (Decision::pass_key) where the guest's own is notified. */
  uint64_t key;
  /* What FileOwners shows for a file without a record (identity/file_view.h
   * shown()): the emulated user's ids unless unknown_is_real. */
  uint32_t uid, gid;
  uint32_t unknown_is_real;
  /* Trampolines: slot i is at slots_offset + i * COCOON_AGENT_SLOT; the
   * tracer takes the next free one (next_slot) under its lock. Kept here,
   * in the process's memory, not in the tracer: a vfork child shares it. */
  uint32_t slots_offset, slot_count, next_slot;
  uint64_t table_size;
  /* 1 while the process's emulated fsuid and fsgid are the configured ones
   * (a file it makes needs no record: FileCreations' plain_ids()); the
   * tracer clears it at the process's first set*id call (agent.cc). */
  uint32_t plain_creator;
  uint32_t pad;
  char table_path[COCOON_AGENT_PATH_MAX];
  /* The agent's: the table's address once mapped; 1 when it could not be. */
  uint64_t table;
  /* The agent's: the calls it answered itself (tests/guests/agent_probe.c
   * reads it to tell the agent's answers from the tracer's). */
  uint64_t answered;
  /* A view (-r, binds; docs/agent.md "In a view"): 1 when the agent
   * answers path calls itself, only those whose kernel walk is the view's:
   * one name looked up in a directory of one of `devs` (the filesystems of
   * the root and of the mounts' sources) that is none of `marks` (the host
   * directories of the guest directories on the way to a mount target,
   * whose entries the view adds or replaces). 0: no view, or the agent
   * leaves every path call to the tracer. */
  uint32_t view;
  uint32_t nmarks, ndevs;
  /* 1: no emulated ids (access(2)'s answer is the kernel's). */
  uint32_t real_ids;
  /* 1: a symlink's body is the kernel's, to read (readlink) and to follow
   * (no mount shows bodies in guest terms: the proot front end's rule,
   * vfs::link_in_guest_terms, which following applies too). 0: the agent
   * follows no symlink and reads none. */
  uint32_t link_bodies, pad2;
  struct cocoon_agent_dir marks[COCOON_AGENT_MARKS];
  uint64_t devs[COCOON_AGENT_DEVS];
  /* Absolute paths (`absolute` 1): the root's host directory ("" for the
   * host's /), and every mount target but the root's, each ended by a
   * NUL, `targets_len` bytes: a path that is none of them, below none and
   * above none walks the root's tree alone. */
  uint32_t absolute, targets_len;
  char root[COCOON_AGENT_ROOT_MAX];
  char targets[COCOON_AGENT_TARGETS_MAX];
};

/* The owner table: a copy of the OwnershipDb's records that the tracer
 * keeps in a shared file and agents map read-only. Open addressing with
 * linear probing over `capacity` entries (a power of two); a record
 * erased stays as a dead entry so that probing goes on past it. One
 * writer (the tracer, under its lock); readers retry while `seq` is odd or
 * changed under them (a seqlock), and give the call to the tracer when it
 * stays so or when `incomplete` is set (the table could not hold every
 * record). */
struct cocoon_owner_table {
  uint64_t magic;
  uint64_t seq;
  uint32_t capacity;
  uint32_t incomplete;
  uint32_t used; /* live and dead entries */
  /* Live records of set-group-ID directories (OwnershipDb::setgid_dirs()):
   * while there are none, a new file's group is its creator's. */
  uint32_t setgid_dirs;
  /* Set once a guest process calls ptrace(2): a debugger must see every
   * call of its tracee, so every agent of the run gives every call to the
   * tracer from then on, and no process is armed again. */
  uint32_t off;
  uint32_t pad[7];
};

enum { COCOON_ENTRY_EMPTY = 0, COCOON_ENTRY_LIVE = 1, COCOON_ENTRY_DEAD = 2 };

struct cocoon_owner_entry {
  uint64_t dev, ino; /* dev as glibc's makedev() of the statx numbers */
  int64_t btime_sec;
  uint32_t btime_nsec;
  uint32_t state;
  uint32_t uid, gid, mode, mode_faked;
  uint64_t rdev; /* makedev() encoding */
};

static inline uint32_t cocoon_owner_slot(uint64_t dev, uint64_t ino, uint32_t capacity) {
  uint64_t h = (ino * 0x9e3779b97f4a7c15ULL) ^ (dev * 0xc2b2ae3d27d4eb4fULL);
  h ^= h >> 29;
  return (uint32_t)h & (capacity - 1);
}

#endif
