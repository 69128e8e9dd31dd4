// The guest's "dumpable" flag, emulated (prctl(2) PR_SET_DUMPABLE,
// PR_GET_DUMPABLE). cocoon reads and writes its tracees' memory, which the
// kernel allows a tracer without CAP_SYS_PTRACE only while the tracee is
// dumpable (ptrace_access_vm(), mm_access() in kernel/fork.c), so a
// guest's PR_SET_DUMPABLE 0 never reaches the kernel: its task stays
// dumpable, and this flag is what the guest set. cocoon then applies the
// kernel's rule for a task that is not dumpable wherever it decides an
// access for a guest task (__ptrace_may_access(), kernel/ptrace.c: refused
// to another process without CAP_SYS_PTRACE): the emulated PTRACE_ATTACH
// and SEIZE, process_vm_readv/writev, pidfd_getfd, process_madvise, kcmp,
// and /proc/PID's private files where the view rewrites /proc paths. So a
// cocoon run inside cocoon, which makes itself not dumpable, is out of
// its own guest's reach as it is natively (docs/threat-model.md).
//
// The kernel keeps the flag in the mm (mm->flags, MMF_DUMPABLE): threads
// share it, fork copies it, execve sets it back to 1 (begin_new_exec(),
// fs/exec.c). Not modelled: a child sharing the mm without being a thread
// (vfork, clone(CLONE_VM)) gets a copy, not the same flag; an exec of a
// program the user may not read, and set*id changes, which the kernel
// makes non-dumpable themselves (would_dump(), commit_creds()), are the
// real task's (cocoon's reads then fail, as before).
#pragma once

#include <sys/types.h>

#include <unordered_set>

#include "cocoon/tracer/registry.h"

namespace cocoon::syscalls {

class DumpableFlags {
 public:
  explicit DumpableFlags(tracer::ProcessRegistry& registry);

  // PR_SET_DUMPABLE by a task of process `tgid` (0 or 1: SUID_DUMP_DISABLE,
  // SUID_DUMP_USER; the kernel refuses any other value itself).
  void set(pid_t tgid, bool dumpable);
  // PR_GET_DUMPABLE as the guest set it, for task `tid` (any thread of the
  // process); true for a task cocoon does not follow.
  bool dumpable(pid_t tid) const;

  // A new task's flag is its parent's at the fork (copy_mm()), which the
  // parent may change before the child's first stop reaches cocoon: taken
  // at the parent's clone event (`parent_tgid` stopped there), given at
  // the birth of `child` when it is a new process (`child_tgid`).
  void cloned(pid_t parent_tgid, pid_t child);
  void born(pid_t child, pid_t child_tgid);

  // The dumpable part of the kernel's ptrace access check of `target` (a
  // tid) by a task of process `caller_tgid`: whether the target's process
  // is not dumpable and not the caller's own (same_thread_group() passes).
  bool guarded(pid_t caller_tgid, pid_t target) const;
  // guarded() unless the caller, task `caller_tid`, holds CAP_SYS_PTRACE
  // over the target (ptracer_capable()): in its effective set (as the
  // kernel has it: an emulated root's capabilities are not real), in
  // cocoon's own user namespace, which holds every guest task's mm (a
  // guest's capabilities in a user namespace of its own reach nothing
  // made before it).
  bool may_reach(pid_t caller_tgid, pid_t caller_tid, pid_t target) const;

 private:
  struct Off {};  // present: the process made itself not dumpable
  tracer::ProcessRegistry& registry_;
  tracer::ProcessSlot<Off> off_;
  // Children of a not dumpable parent, by tid, between its clone event and
  // their birth.
  std::unordered_set<pid_t> pending_;
};

}  // namespace cocoon::syscalls
