// The guest's open files, reached directly: pidfd_getfd(2) (Linux 5.6)
// duplicates a tracee's descriptor into cocoon, where a call on it costs
// what it costs the guest. The alternative, a path through the magic link
// /proc/TID/fd/N, makes the kernel look up the task, revalidate its /proc
// entries and follow the link at every call: statx through it takes 0.8 µs,
// pidfd_getfd + statx + close 0.6 µs (docs/benchmark.md), on calls the
// identity handlers answer thousands of times per package build.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <expected>
#include <unordered_map>

#include "owned_fd.h"

namespace cocoon::syscalls {

class GuestFds {
 public:
  // A duplicate of task `tid`'s descriptor `fd` (process `tgid`), sharing
  // its open file description. EBADF when the guest has no such fd;
  // ENOSYS when this way cannot say (pidfds or pidfd_getfd refused: Yama,
  // an LSM, a kernel before 5.6; a thread other than the leader before
  // Linux 6.9's PIDFD_THREAD, whose fd table may not be the leader's): the
  // caller goes through /proc/TID/fd/N then.
  //
  // Closing a duplicate runs the file's ->flush (filp_close(): a
  // synchronous writeback on NFS, a FLUSH request to a FUSE daemon), which
  // the magic link never does: callers duplicate directories they look
  // names up in, not the files they are asked about.
  std::expected<OwnedFd, int> dup(pid_t tid, pid_t tgid, int fd);
  // The task died: its pidfd goes (a reused tid gets a new one).
  void forget(pid_t tid) { pidfds_.erase(tid); }

  // At most this many pidfds are kept (cocoon's own descriptors must not
  // grow with the guest's task count); past it the cache starts over.
  static constexpr std::size_t kMaxCached = 64;

 private:
  int pidfd(pid_t tid, pid_t tgid);

  // By tid; -1: this way does not work for this task (ENOSYS from then on).
  // A cache of cocoon's own descriptors, bounded by kMaxCached whatever the
  // guest's task count, not per-task state of the process registry's (which
  // would hold one per live task): an entry checks itself (a dead task's
  // pidfd says ESRCH and is replaced), and forget() only frees it early.
  std::unordered_map<pid_t, OwnedFd> pidfds_;
};

}  // namespace cocoon::syscalls
