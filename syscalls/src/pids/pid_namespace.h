// An emulated PID namespace (pid_namespaces(7)): the numbers its members
// see for themselves and each other. The command is 1; every task cocoon
// follows is a member and gets the next number when it is born, threads
// included (the kernel allocates tids and pids from one counter,
// alloc_pid() in kernel/pid.c). Tasks outside (cocoon, the user's shell,
// every other process) have no number: they are invisible, as to a process
// in a real child namespace.
//
// A process that has been reaped keeps its number as a "retired" one, only
// for what outlives it in the kernel: a process group or session it leads
// (a group id stays allocated while a member exists, so its real number
// cannot be reused by another process meanwhile). Retired numbers are
// never used to find a process.
//
// Pure bookkeeping, owned by the Pids handler and shared with the /proc
// view; unit-tested without processes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cocoon::syscalls {

class PidNamespace {
 public:
  // `first`: the command's number (1, or 2 under bwrap's own init).
  explicit PidNamespace(pid_t first = 1, std::shared_ptr<PidNamespace> parent = nullptr)
      : next_(first), first_(first), parent_(std::move(parent)) {}
  // The namespace this one was made in: every member is one of its
  // members too, with its own number there (null: the host's, or none).
  const std::shared_ptr<PidNamespace>& parent() const { return parent_; }
  // What getppid() says for a member whose parent is outside: 0, as the
  // kernel says, or 1 when an init outside cocoon's view stands above the
  // command (bwrap's).
  pid_t outside_parent() const { return first_ == 1 ? 0 : 1; }

  // A new member `real` (born now): the next virtual number, replacing any
  // stale record of a reused real number.
  pid_t add(pid_t real);
  // `real`'s number, allocating one if it has none: for a task known to be
  // a member (the caller of a stop, a child a clone returned).
  pid_t member(pid_t real);
  // The number of a live member, or nullopt (not a member: invisible).
  std::optional<pid_t> virtual_of(pid_t real) const;
  // As virtual_of, also for retired numbers (group and session ids).
  std::optional<pid_t> group_virtual_of(pid_t real) const;
  // The number handed out next: a number at least this, live or retired,
  // was given after this was read.
  pid_t next() const { return next_; }
  // The live member numbered `vpid`, or nullopt (ESRCH).
  std::optional<pid_t> real_of(pid_t vpid) const;
  // As real_of, also for a member that died and has not been reaped by a
  // wait cocoon saw (a zombie, for wait4/waitid: the kernel only ever
  // matches the caller's own children, so a reused number cannot match).
  std::optional<pid_t> waitable_real_of(pid_t vpid) const;
  // A group or session id: a live member's, or a retired one.
  std::optional<pid_t> group_real_of(pid_t vpid) const;
  // `real` died (its exit reported to cocoon): its number retires.
  void retire(pid_t real);
  // A wait returned `real`: not even waitable any more.
  void reaped(pid_t real);
  // Live members, as (virtual, real), in virtual order.
  std::vector<std::pair<pid_t, pid_t>> members() const;
  std::size_t size() const { return live_.size(); }

 private:
  enum class State : std::uint8_t { kLive, kDead, kReaped };
  struct Entry {
    pid_t real = 0;
    State state = State::kLive;
  };
  pid_t next_ = 1;
  pid_t first_ = 1;
  std::shared_ptr<PidNamespace> parent_;
  // The namespace's own numbering, not per-task state of the process
  // registry's: a number outlives its task (retired until reaped, still a
  // group's or a session's id) and one task has a number in each ancestor
  // namespace.
  std::unordered_map<pid_t, pid_t> live_;        // real -> virtual
  std::unordered_map<pid_t, pid_t> retired_;     // real -> virtual
  std::unordered_map<pid_t, Entry> by_virtual_;  // virtual -> real
};

// Which PID namespace each process is in: implemented by namespaces/
// (NamespaceState), which makes them; the pid handlers and /proc only ask.
class PidNamespaces {
 public:
  virtual ~PidNamespaces() = default;
  // The one process `tgid` is in; null: the host's (numbers as they are).
  virtual std::shared_ptr<PidNamespace> pid_ns(pid_t tgid) const = 0;
  // The one /proc shows to `tgid` (its mount namespace's proc instance).
  virtual std::shared_ptr<PidNamespace> proc_pid_ns(pid_t tgid) const = 0;
  // The command's own (--unshare-pid), or null.
  virtual const std::shared_ptr<PidNamespace>& root_pid_ns() const = 0;
};

}  // namespace cocoon::syscalls
