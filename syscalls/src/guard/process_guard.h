// Calls through which a guest task acts on another process directly, kept
// off cocoon itself and off processes outside the guest
// (docs/threat-model.md, "Around the tracer"):
//  - a signal sent to cocoon by number or pidfd (kill, tkill, tgkill,
//    rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal) gets EPERM, as
//    from another user's process: `kill -STOP $PPID` would freeze the run
//    and SIGKILL would end it with no clean-up. kill(-1) is sent by cocoon
//    to every process but init, the caller and cocoon. Signals to a process
//    group (kill(0), kill(-PGID)) are left to the kernel: cocoon belongs to
//    the guest's job, and a program stopping its own job (vim's ^Z,
//    kill(0, SIGTSTP)) must stop cocoon with it so the user's shell sees
//    the job stop, as it does natively. pidfd_send_signal is made by
//    cocoon itself on its own copy of the descriptor it checked, so a
//    sibling thread cannot swap the descriptor in between. Where cocoon
//    cannot read which process its copy names (unprivileged, before Linux
//    5.14), pidfd_open of cocoon gets EPERM instead, so no pidfd of
//    cocoon's can be in the guest.
//  - the guest's PR_SET_DUMPABLE and PR_GET_DUMPABLE, emulated
//    (guard/dumpable.h): the real task stays readable by cocoon.
//  - another process's memory and descriptors (process_vm_readv/writev,
//    pidfd_getfd, process_madvise, kcmp) only of a task cocoon traces, and
//    of one that made itself not dumpable only as the kernel allows
//    (DumpableFlags::may_reach): a process
//    of the same user outside the guest could otherwise be made to run the
//    guest's code or hand over its files; a descriptor cocoon may not
//    look at (a guest that made itself not dumpable) gets EPERM. cocoon is
//    non-dumpable as well
//    (Tracer::run), which the kernel checks for these calls too.
//    pidfd_getfd and process_madvise are made by cocoon on its own copy
//    of the pidfd it checked, as pidfd_send_signal is; pidfd_getfd only
//    from a notification, which can install the descriptor it got (at a
//    ptrace stop it is checked where Landlock confines the guest, EPERM
//    elsewhere).
//  - the owner of a descriptor's SIGIO (fcntl F_SETOWN, F_SETOWN_EX, ioctl
//    FIOSETOWN, SIOCSPGRP) may not be cocoon: the kernel would signal it
//    for the guest. Only those commands stop; other fcntl and ioctl calls
//    are left to the filter.
//  - cocoon's resource limits (prlimit64 naming it) are not the guest's to
//    change or read: the kernel would let it, and a lowered limit kills
//    cocoon or fails every file it opens for the guest.
// ptrace itself is refused (Containment) or emulated on cocoon's own
// tracees (ptrace/ptrace.h).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>

#include "cocoon/tracer/handler.h"
#include "guard/dumpable.h"

namespace cocoon::syscalls {

class ProcessGuard final : public tracer::SyscallHandler {
 public:
  // `landlocked`: the guest runs under a Landlock ruleset (its ptrace
  // scope keeps pidfd_getfd at a ptrace stop inside the guest). `dumpable`:
  // the guest's emulated flags, shared with the other handlers that judge
  // an access to a guest task.
  ProcessGuard(bool landlocked, std::shared_ptr<DumpableFlags> dumpable);
  std::string_view name() const override { return "process guard"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_event_stop(tracer::Tracee& tracee, const tracer::EventStop& stop) override;
  void on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) override;

 private:
  bool is_cocoon(pid_t pid) const;
  tracer::Verdict limits(pid_t pid) const;
  tracer::Verdict signal_by_fd(tracer::SyscallStop& stop) const;
  tracer::Verdict pidfd_open(pid_t pid);
  tracer::Verdict set_owner(tracer::SyscallStop& stop) const;
  tracer::Verdict dumpable_call(const tracer::SyscallStop& stop);
  bool may_reach(const tracer::Tracee& caller, pid_t target) const;
  bool observable(const tracer::Tracee& caller, pid_t target) const;
  tracer::Verdict compare(tracer::SyscallStop& stop) const;
  tracer::Verdict perf(const tracer::SyscallStop& stop, pid_t pid) const;
  tracer::Verdict check_only(const tracer::SyscallStop& stop, int guarded_errno) const;
  tracer::Verdict take_fd_for(tracer::SyscallStop& stop) const;
  tracer::Verdict advise(tracer::SyscallStop& stop) const;
  bool owner_is_cocoon(int type, pid_t who) const;
  tracer::Verdict kill_all_but_cocoon(const tracer::Tracee& caller, int sig) const;

  pid_t self_;  // cocoon's process id
  bool landlocked_;
  std::shared_ptr<DumpableFlags> dumpable_;
  std::optional<bool> reads_own_fdinfo_;  // asked once, in the run (not dumpable)
};

}  // namespace cocoon::syscalls
