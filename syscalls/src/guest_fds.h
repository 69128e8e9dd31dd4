// The guest's open files, reached directly: pidfd_getfd(2) (Linux 5.6)
// duplicates a tracee's descriptor into cocoon, where a call on it costs
// what it costs the guest. The alternative, a path through the magic link
// /proc/TID/fd/N, makes the kernel look up the task, revalidate its /proc
// entries and follow the link at every call: statx through it takes 0.8 µs,
// pidfd_getfd + statx + close 0.6 µs (docs/benchmark.md), on calls the
// identity handlers answer thousands of times per package build.
#pragma once

#include <sys/types.h>

#include <expected>
#include <unordered_map>

#include "owned_fd.h"

namespace cocoon::syscalls {

class GuestFds {
 public:
  // A duplicate of task `tid`'s descriptor `fd` (process `tgid`), sharing
  // its open file description. EBADF when the guest has no such fd;
  // ENOSYS when this way cannot say (pidfds refused; a thread other than
  // the leader before Linux 6.9's PIDFD_THREAD, whose fd table may not be
  // the leader's): the caller goes through /proc/TID/fd/N then.
  std::expected<OwnedFd, int> dup(pid_t tid, pid_t tgid, int fd);
  // The task died: its pidfd goes (a reused tid gets a new one).
  void forget(pid_t tid) { pidfds_.erase(tid); }

 private:
  int pidfd(pid_t tid, pid_t tgid);

  // By tid; -1: no pidfd for this task (ENOSYS from then on).
  std::unordered_map<pid_t, OwnedFd> pidfds_;
};

}  // namespace cocoon::syscalls
