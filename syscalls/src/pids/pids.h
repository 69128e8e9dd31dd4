// PID namespace emulation (issue 6, --unshare-pid): the command is PID 1
// and every pid a guest sees or passes is a number of its PidNamespace.
//  - getpid/gettid are answered at entry (no exit stop);
//  - calls that return a pid (fork, vfork, clone, wait4, getppid, getpgid,
//    getsid, setsid, set_tid_address) have their result translated at the
//    exit stop, and clone's CLONE_PARENT_SETTID / CLONE_CHILD_SETTID words
//    are rewritten before parent or child can read them (Tracee::Birth);
//  - pid arguments (the table's `pid` role, kill's groups, setpgid's pgid,
//    waitid's id, getpriority's who, the terminal's foreground group) are
//    translated at entry, ESRCH for a number no member has;
//  - si_pid of SIGCHLD and of signals sent by a process is translated at
//    the signal-delivery stop, and of waitid's siginfo at its exit.
// /proc is the ProcPids handler's (proc_pids.h). Orphans are reparented to
// PID 1 because the command is made a child subreaper (LaunchSpec), and
// when it exits the rest is killed (TracerOptions::kill_on_exit), as the
// kernel does for a namespace's init (zap_pid_ns_processes()).
#pragma once

#include <cstdint>
#include <memory>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "pid_namespace.h"

namespace cocoon::syscalls {

class Pids final : public tracer::SyscallHandler {
 public:
  Pids(std::shared_ptr<const PidNamespaces> ns, tracer::ProcessRegistry& registry);
  std::string_view name() const override { return "pids"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;
  void on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) override;
  int on_signal(tracer::Tracee& tracee, int signal) override;
  void on_death(const tracer::Tracee& tracee) override;

 private:
  // What a clone asked the kernel to write, from its entry: the parent's
  // until its exit stop, then the child's until its on_clone.
  struct CloneWrites {
    std::uint64_t flags = 0, parent_tid = 0, child_tid = 0;
    pid_t parent = 0, parent_tgid = 0;
    // on_clone has written them: the child may be running, and may even
    // have exited and had CLONE_CHILD_CLEARTID zero the same word, which
    // must not be written again.
    bool done = false;
  };
  tracer::Verdict translate_args(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict wait_entry(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict setpgid_entry(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict priority_entry(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict kill(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict kill_all(tracer::SyscallStop& stop, PidNamespace* ns, int sig);
  tracer::Verdict signal_thread(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict ioctl(tracer::SyscallStop& stop, PidNamespace* ns);
  tracer::Verdict clone_entry(tracer::SyscallStop& stop, PidNamespace* ns);
  void clone_exit(tracer::SyscallStop& stop);
  void write_clone_tids(const CloneWrites& w, pid_t child_real, pid_t parent_tid, PidNamespace* ns);
  void waitid_exit(tracer::SyscallStop& stop, PidNamespace* ns);
  // The init of a PID namespace cocoon made inside the guest died: the
  // rest of it is killed (the command's own is the tracer's kill_on_exit).
  void kill_namespace_if_init(const tracer::Tracee& tracee, PidNamespace& ns);

  // The PID namespace process `tgid` is in; null: the host's, whose
  // numbers need no translating.
  PidNamespace* ns_of(pid_t tgid) const { return state_->pid_ns(tgid).get(); }
  bool ignored_by_lower_init(pid_t real, int sig, const PidNamespace* from) const;

  std::shared_ptr<const PidNamespaces> state_;
  tracer::CallSlot<CloneWrites> clones_by_parent_;
  // Written for the child by its parent's exit stop when it is not born
  // yet; taken at its birth. Fresh in any new task.
  tracer::ThreadSlot<CloneWrites> clones_by_child_;
  // From a fork/vfork/clone entry to its exit: the namespace's next number
  // then. The child may have been numbered (at its birth) and even have
  // died before the parent's exit stop is handled; its number is then
  // retired, not to be handed out again (Pids::on_exit).
  tracer::CallSlot<pid_t> forks_from_;
};

}  // namespace cocoon::syscalls
