// A guest's ptrace(2), emulated on top of cocoon's own stops
// (docs/architecture.md, "ptrace inside a guest"). cocoon stays the only
// real tracer of every guest task: a task that asked for PTRACE_TRACEME
// becomes an emulated tracee of its parent process, its stops are cocoon's
// real ones, kept (Tracee::held) until the emulated tracer resumes it, and
// the tracer's wait4 reports them. What is implemented, and what is still
// refused with EPERM as before: ptrace_requests.cc. docs/internals/ptrace.md.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/tracee.h"
#include "guard/dumpable.h"
#include "pids/pid_namespace.h"
#include "ptrace/ptrace_stops.h"

namespace cocoon::syscalls {

// One emulated tracee (a thread), owned by the Ptrace handler from its
// PTRACE_TRACEME, ATTACH or SEIZE (or its birth to a tracee whose tracer
// asked for the fork, vfork or clone event) until its death is reported
// or it is detached.
struct EmulatedTracee {
  pid_t tracer = 0;  // the emulated tracer's process (its thread group id)
  std::uint64_t options = 0;
  bool seized = false;              // PTRACE_SEIZE (or born to a seized tracee)
  StopKind stop = StopKind::kNone;  // the stop cocoon keeps it in
  int value = 0;                    // the stop's signal, event or status (StopKind)
  bool reported = false;            // the tracer's wait returned this stop
  std::uint64_t order = 0;          // reports go out in the order stops came
  unsigned long event_msg = 0;      // PTRACE_GETEVENTMSG (a pid: the tracer's number)
  bool listening = false;    // PTRACE_LISTEN: its next PTRACE_EVENT_STOP is reported
  bool interrupted = false;  // PTRACE_INTERRUPT: so is its next interrupt-stop
  std::uint64_t events = 0;  // TRACEEXIT, TRACEVFORKDONE: on in cocoon's options
  bool unborn = false;       // auto-attached; its first stop has not come yet
  pid_t attacher = 0;        // the thread whose ATTACH/SEIZE waits for its trap
};

// The emulated tracees by tid: the handler's, shared with the TracerPid
// line of /proc/PID/status (tracer_pid.h), read under the tracer's lock as
// all handler state is (the status lookups run inside handlers).
using EmulatedTracees = std::unordered_map<pid_t, EmulatedTracee>;

// A tracer's wait4 or waitid, kept at its entry until a stop it selects
// comes.
struct HeldWait {
  pid_t tracer = 0;        // the waiting thread's process
  pid_t selector = 0;      // as wait4's pid (waitid's idtype and id)
  std::uint64_t out_addr = 0;  // wait4's status, waitid's siginfo
  bool waitid = false;
  bool no_wait = false;    // WNOWAIT: the stop stays reportable
};

// In a PID namespace (`pids`, null without one) the pid arguments of
// ptrace, wait4 and waitid reach this handler translated by Pids (the
// translate phase), as host numbers; the pids it gives its tracers (a
// wait's result, GETEVENTMSG's new child) are numbers of the tracer's
// namespace, as the kernel gives them (seen_by()).
class Ptrace final : public tracer::SyscallHandler {
 public:
  // `notifies_calls`: the run answers common calls from seccomp
  // notifications where cocoon's filter does (identity emulation), which
  // outrank a guest filter's SECCOMP_RET_TRACE: a tracee of an emulated
  // tracer with PTRACE_O_TRACESECCOMP then has its entries judged by
  // cocoon (sync_events(), Tracee::judge_entries).
  // `dumpable`: the guest's emulated PR_SET_DUMPABLE flags, which the
  // attach rule honours (guard/dumpable.h), or null.
  explicit Ptrace(std::shared_ptr<const PidNamespaces> pids = nullptr,
                  std::shared_ptr<EmulatedTracees> tracees = std::make_shared<EmulatedTracees>(),
                  bool notifies_calls = false, std::shared_ptr<const DumpableFlags> dumpable = nullptr)
      : pids_(std::move(pids)),
        notifies_calls_(notifies_calls),
        shared_(std::move(tracees)),
        dumpable_(std::move(dumpable)) {}
  std::string_view name() const override { return "ptrace"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_start(tracer::StopControl& control) override { control_ = &control; }
  void on_syscall_report(tracer::Tracee& tracee, bool at_entry) override;
  void on_exec(tracer::Tracee& tracee, const tracer::GuestMemory& memory) override;
  int on_signal(tracer::Tracee& tracee, int signal) override;
  void on_death(const tracer::Tracee& tracee) override;
  void on_hold_interrupted(const tracer::Tracee& tracee) override;
  void on_event_stop(tracer::Tracee& tracee, const tracer::EventStop& stop) override;
  void on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) override;

 private:
  // ptrace_requests.cc
  tracer::Verdict request(tracer::SyscallStop& stop);
  tracer::Verdict traceme(tracer::SyscallStop& stop);
  bool own_zombie(pid_t tracer, pid_t tid) const;
  std::int64_t on_stopped(tracer::SyscallStop& stop, long req, pid_t tid, EmulatedTracee& e);
  std::int64_t resume(pid_t tid, EmulatedTracee& e, long req, std::uint64_t data);
  std::int64_t set_options(pid_t tid, EmulatedTracee& e, std::uint64_t options);
  std::int64_t listen(pid_t tid, EmulatedTracee& e);
  std::int64_t seccomp_get_filter(const tracer::SyscallStop& stop);
  std::int64_t interrupt(pid_t tid, EmulatedTracee& e);
  // ptrace_attach.cc
  tracer::Verdict attach(tracer::SyscallStop& stop, long req);
  // ptrace_events.cc
  void on_birth(tracer::Tracee& parent, const tracer::EventStop& stop);
  void report_death(const tracer::Tracee& tracee, EmulatedTracee& e);
  // ptrace.cc
  std::optional<HeldWait> read_wait(const tracer::SyscallStop& stop, bool* nohang) const;
  tracer::Verdict wait(tracer::SyscallStop& stop);
  std::int64_t report(const tracer::GuestMemory& memory, const HeldWait& w, pid_t tid,
                      EmulatedTracee& e);
  void keep(tracer::Tracee& tracee, EmulatedTracee& e, StopKind kind, int value);
  void sync_events(pid_t tid, EmulatedTracee& e);
  void sync_judging(pid_t tid, const EmulatedTracee* e);
  void announce(pid_t tid, EmulatedTracee& e);
  bool traces_any(pid_t tracer, pid_t selector) const;
  bool has_zombie(pid_t tracer, pid_t selector) const;
  void tracer_gone(pid_t tracer);
  void release_waits(pid_t tracer, pid_t tid);
  pid_t seen_by(pid_t tracer, pid_t real) const;

  std::shared_ptr<const PidNamespaces> pids_;
  bool notifies_calls_ = false;
  tracer::StopControl* control_ = nullptr;
  std::shared_ptr<EmulatedTracees> shared_;
  std::shared_ptr<const DumpableFlags> dumpable_;
  EmulatedTracees& tracees_ = *shared_;
  std::map<pid_t, HeldWait> waits_;  // by the waiting thread's tid
  // A tracer's own child tracee that died, by tid, with its tracer: still
  // its tracee until the tracer's wait reaps it (PTRACE_KILL answers 0).
  // Forgotten when a new task gets the number, or the tracer dies.
  std::unordered_map<pid_t, pid_t> zombies_;
  std::uint64_t next_order_ = 0;
};

}  // namespace cocoon::syscalls
