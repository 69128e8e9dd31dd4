// The event loop: starts the command, follows every task it creates, routes
// syscall stops to the dispatcher, and ends with the command's exit status.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/error.h"
#include "cocoon/tracer/launcher.h"
#include "cocoon/tracer/mailbox.h"
#include "cocoon/tracer/registry.h"
#include "cocoon/tracer/tracee.h"
#include "cocoon/tracer/wait_event.h"

namespace cocoon::tracer {

class KillSwitch;
class TraceObserver;

struct TracerOptions {
  // false: no filter; every syscall stops twice (PTRACE_SYSCALL), and the
  // tracer applies the same Policy itself. For kernels without seccomp and
  // for checking that both modes agree.
  bool use_seccomp = true;
  bool die_with_parent = false;
  // Kill what is left of the guest tree when the command exits; by default
  // cocoon waits for every traced process, as PRoot does.
  bool kill_on_exit = false;
  // The run's status is the exit code of the last process that exited
  // (PRoot's rule: event_loop()'s last_exit_status), not the command's: a
  // child the command never waited for may end after it. A process a
  // signal killed does not count; when none exited, the command's 128+N.
  bool status_of_last_exit = false;
  // The host directory the command starts in (the guest's working directory
  // translated); empty: cocoon's own.
  std::string cwd;
  // A Landlock ruleset the command is confined by from its first
  // instruction (-1: none). The caller owns the descriptor.
  int landlock_fd = -1;
  // The command starts in a new session (setsid).
  bool new_session = false;
  // How a command that cannot be executed is reported (LaunchSpec).
  ExecFailure exec_failure;
  // Run cocoon and a serial guest on one CPU (tracer/src/placement.h).
  bool cpu_placement = true;
  // The command becomes a child subreaper (LaunchSpec).
  bool child_subreaper = false;
  // Seccomp programs of the user's, installed after cocoon's (LaunchSpec).
  std::vector<std::vector<sock_filter>> user_filters;
  // The command's environment (nullopt: cocoon's), its resource limits, and
  // a FIFO it waits on before its exec (LaunchSpec: an OCI bundle's
  // process.env and rlimits, and runc's exec.fifo).
  std::optional<std::vector<std::string>> env;
  // The first command's argv[0] in place of its name (bwrap's --argv0).
  std::string argv0;
  std::vector<std::pair<int, rlimit>> rlimits;
  std::string hold_fifo;
  // The first command's standard descriptors (-1: cocoon's) and whether
  // the first of them becomes its controlling terminal (LaunchSpec: an OCI
  // container's terminal of its own, --console-socket).
  std::array<int, 3> stdio{-1, -1, -1};
  bool controlling_terminal = false;
  // Told the command's (host) pid once it is launched (bwrap's --info-fd
  // and --json-status-fd report it).
  std::function<void(pid_t)> on_launched;
  // The teaching view (`cocoon trace`, observer.h); null in normal runs.
  // With an observer every intercepted call stops (no notifications), so
  // that it is shown.
  std::shared_ptr<TraceObserver> observer;
  // Calls whose handlers allow it (Action::kNotify) are answered from
  // seccomp user notifications, without a ptrace stop (src/notifier.h);
  // false: they stop like traced calls.
  bool notify = true;
  // Keep the kernel's speculation mitigations for tasks under a seccomp
  // filter (SSBD forced, IBPB/STIBP: spec_store_bypass_disable=seccomp and
  // spectre_v2_user=seccomp, the defaults before Linux 5.16) for the
  // guest. false: cocoon's filter asks SECCOMP_FILTER_FLAG_SPEC_ALLOW, and
  // the guest runs with what it would have natively (docs/threat-model.md).
  bool spec_mitigation = false;
  // Work posted from other threads (cocoon enter, ps -a), run by the loop
  // between events while it runs; null: none.
  std::shared_ptr<Mailbox> mailbox;
};

class Placement;
class Notifier;
class SignalStorms;
class SignalWatch;

// The event loop is also the StopControl its handlers keep stops through
// (src/held_stops.cc), and the RunAccess of the jobs its mailbox runs
// (src/entered.cc).
class Tracer : private StopControl, private RunAccess {
 public:
  // `registry`: the one the handlers declared their slots in (null: a
  // registry of the tracer's own, for handlers without any).
  Tracer(TracerOptions options, HandlerList handlers,
         std::shared_ptr<ProcessRegistry> registry = nullptr);
  ~Tracer() override;

  // Runs argv to completion. The value is the status a shell would report:
  // the command's exit code, or 128+N if signal N killed it (or killed
  // cocoon's run, for SIGINT/SIGTERM/SIGHUP).
  std::expected<int, Error> run(const std::vector<std::string>& argv);
  // Follows the running process `pid` and its threads (`cocoon trace -p`):
  // PTRACE_SYSCALL mode, detached again on SIGINT/SIGTERM/SIGHUP (then 0),
  // else the process's own status when it ends. src/attach.cc.
  std::expected<int, Error> attach(pid_t pid);

  const Policy& policy() const { return dispatcher_.policy(); }

 private:
  LaunchSpec command_spec(const std::vector<std::string>& argv) const;
  void start_notifier(int listener);
  pid_t wait_next(int* status);
  void handle(const WaitEvent& ev);
  void on_death(const WaitEvent& ev);
  void on_syscall_entry(Tracee& t, arch::SyscallRegs& regs);
  void on_syscall_stop(Tracee& t);
  void on_seccomp_stop(Tracee& t);
  bool guest_seccomp_stop(Tracee& t, std::uint16_t data);
  void no_seccomp_tracer(Tracee& t, arch::SyscallRegs& regs);
  // A guest's own seccomp filters (src/guest_filters.cc).
  bool judged_by_guest_filters(Tracee& t, arch::SyscallRegs& regs);
  bool guest_trace_at_entry(Tracee& t, const arch::SyscallRegs& regs);
  void release_seccomp_at_entry(Tracee& t);
  bool refuse_as_filtered(Tracee& t, arch::SyscallRegs& regs, std::uint32_t ret);
  void filter_entry(Tracee& t, const arch::SyscallRegs& regs);
  void filter_exit(Tracee& t, const arch::SyscallRegs& regs);
  void sigsys_stop(Tracee& t);
  bool kill_as_filtered(Tracee& t, arch::SyscallRegs& regs, std::uint32_t ret);
  static bool sigsys_forced(pid_t tid);
  bool install_kill(Tracee& t, arch::SyscallRegs& regs, std::uint32_t ret);
  void kill_rerun(Tracee& t, arch::SyscallRegs& regs);
  void quiet_skip(Tracee& t, arch::SyscallRegs& regs, std::int64_t result);
  void keep_skipped_result(Tracee& t, arch::SyscallRegs& regs);
  static std::optional<std::int64_t> skipped_result(pid_t tid);
  void on_clone_event(Tracee& t, int ptrace_event);
  void release_child(Tracee& child, bool run);
  void on_first_stop(Tracee& t, const WaitEvent& ev);
  void release_orphans(const Tracee& dead);
  void on_exec_event(Tracee& t);
  Tracee& adopt(pid_t tid, pid_t tgid);
  void resume(Tracee& t, int signal = 0);
  Verdict answer(const seccomp_notif& n, int listener, std::uint64_t reaps_seen);
  bool notifies() const;
  Decision decision_for(const arch::SyscallRegs& regs) const;
  bool settle_if_notified(Tracee& t);
  void on_storm_stop(Tracee& t, const WaitEvent& ev);
  void on_syscall_exit(Tracee& t, arch::SyscallRegs& regs);
  void note_rewritten_args(Tracee& t, const arch::SyscallRegs& regs);
  void put_back_guest_args(Tracee& t, arch::SyscallRegs& regs);
  static void put_back_skipped_args(const Tracee& t, arch::SyscallRegs& regs);
  // The rerun of a call with a new arg0 (src/rerun.cc).
  Verdict start_rerun(Tracee& t, arch::SyscallRegs& regs);
  bool rerun_entered(Tracee& t, const arch::SyscallRegs& regs);
  bool rerun_at_exit(Tracee& t, const arch::SyscallRegs& regs);

  // StopControl (src/held_stops.cc).
  Tracee* find(pid_t tid) override { return tracees_.find(tid); }
  void release(pid_t tid, int signal, bool step_all) override;
  void step(pid_t tid, int signal, bool in_syscall) override;
  void let_go(Tracee& t, int signal);
  void end_step(Tracee& t);
  void step_signal(Tracee& t, int signal);
  void finish_entry(pid_t tid, std::int64_t result) override;
  void hold(Tracee& t, const Verdict& v);
  void unwatch(Tracee& t);
  void interrupt_signalled_holds();
  void skip_held_entry(Tracee& t, std::int64_t result, bool restart);
  void interrupt_entry(Tracee& t);
  std::int64_t prepare_restart(Tracee& t, arch::SyscallRegs& regs);
  void restart_interrupted(Tracee& t, arch::SyscallRegs& regs);
  bool quiet_trap_stop(Tracee& t, const WaitEvent& ev);
  void interrupt(pid_t tid) override;
  void listen(pid_t tid) override;
  void trace_events(pid_t tid, std::uint64_t options) override;
  void judge_entries(pid_t tid, bool on) override;
  bool filtered() const override { return options_.use_seccomp; }
  std::expected<void, int> inject(Tracee& t, const std::function<void(TaskCalls&)>& calls) override;
  bool on_event_stop(Tracee& t, const WaitEvent& ev);

  // RunAccess (src/entered.cc).
  std::expected<pid_t, Error> enter(EnterSpec spec) override;
  pid_t first_process() const override { return root_status_ ? 0 : root_; }
  void for_each_task(const std::function<void(const Tracee&)>& f) override;
  void on_entered_death(const WaitEvent& ev);

  TracerOptions options_;
  // Held while an event or a notification is handled, or placement's timer
  // unpins: threads never touch the tracees or the handlers' state at once.
  // First, so that it outlives the threads the members below own.
  std::mutex mu_;
  // Before the dispatcher: the handlers' slots refer to it.
  std::shared_ptr<ProcessRegistry> registry_;
  Dispatcher dispatcher_;
  TraceeTable tracees_;
  std::unique_ptr<KillSwitch> kill_switch_;
  // cocoon's own ptrace options for its tracees (launcher's
  // ptrace_options(), without EXITKILL under attach()).
  unsigned long ptrace_options_ = 0;
  // The data of cocoon's own filter's SECCOMP_RET_TRACE (own_trace_data()).
  std::uint16_t trace_data_ = 0;
  // The host ABI's seccomp(2) and prctl(2), which install a guest's filters.
  long nr_seccomp_ = -1, nr_prctl_ = -1;
  pid_t root_ = 0;
  std::optional<int> root_status_;
  std::optional<int> last_exit_;  // the last process's exit code (status_of_last_exit)
  bool spin_ = false;  // the last event was a syscall stop: poll for the next
  // The first deadline of a signal held back (storm.h); max() if none.
  using Clock = std::chrono::steady_clock;
  Clock::time_point hold_deadline_ = Clock::time_point::max();
  // Tasks reaped by the event loop's waitpid, counted as soon as it
  // returns, without the lock (NotificationRef: when none was, a notified
  // call's task number is still its own).
  std::atomic<std::uint64_t> reaps_{0};
  // What other tasks reported while an injection waited for its task's
  // stops (src/injection.h): handled by the loop before it waits again.
  std::deque<DeferredWait> deferred_;
  // A PTRACE_EVENT_CLONE was seen (a thread, most likely): from then on
  // every notified call is confirmed (Tracer::answer). Under the lock.
  bool threads_seen_ = false;
  std::unique_ptr<Placement> placement_;
  std::unique_ptr<SignalStorms> storms_;
  // Made at the first interruptible hold (an emulated tracer's wait): runs
  // that never hold pay no thread.
  std::unique_ptr<SignalWatch> signal_watch_;
  // What launched the command, for the commands entered later: the filter
  // without notifications (the listener is the first command's).
  LaunchSpec enter_spec_;
  // Entered commands (host pid) and who waits for their status.
  std::unordered_map<pid_t, std::function<void(int)>> entered_;
  std::unique_ptr<Notifier> notifier_;  // last: stopped before the rest goes
};

}  // namespace cocoon::tracer
