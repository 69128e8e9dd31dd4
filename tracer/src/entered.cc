// Commands entered into a running run (`cocoon enter`): launched by the
// event loop as the first command was, and adopted as children of the
// task whose state they take.
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracer.h"
#include "kill_switch.h"
#include "placement.h"

namespace cocoon::tracer {
namespace {

// The directory a task works in, as the host names it (/proc/PID/cwd);
// empty when it cannot be read whole (the enter fails rather than start
// somewhere else).
std::string host_cwd_of(pid_t tid) {
  char buf[4096];
  const std::string link = "/proc/" + std::to_string(tid) + "/cwd";
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<std::size_t>(n) == sizeof buf) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

// The new process is made a child of `target` for the registry (each slot's
// clone rule gives it the target's values: credentials, namespaces) and for
// the handlers' on_clone, with a stand-in parent whose tid is 0: no
// handler takes a clone in progress of the real target's for this birth
// (the flags Namespaces keeps per caller, Pids' CLONE_*_SETTID words).
std::expected<pid_t, Error> Tracer::enter(EnterSpec e) {
  if (root_status_) return std::unexpected(Error{ESRCH, "the run's command has ended"});
  const Tracee* target = tracees_.find(e.target);
  if (target == nullptr || target->tgid != e.target) {
    return std::unexpected(Error{ESRCH, "no process " + std::to_string(e.target) + " in the run"});
  }
  LaunchSpec spec = enter_spec_;
  spec.argv = std::move(e.argv);
  spec.env = std::move(e.env);
  spec.stdio = e.stdio;
  spec.cwd = host_cwd_of(e.target);
  spec.guest_cwd = std::move(e.cwd);
  spec.guest_ids = e.ids;
  if (spec.cwd.empty()) {
    return std::unexpected(Error{EIO, "the working directory of " + std::to_string(e.target) +
                                          " cannot be read"});
  }
  // A session of its own: in cocoon's process group, an interactive shell
  // entered from a terminal where cocoon runs in the background would stop
  // the whole group with SIGTTIN (job control's check of the foreground
  // group). So it has no controlling terminal and no job control.
  spec.new_session = true;
  spec.close_inherited = true;
  spec.child_subreaper = false;
  auto launched = launch(spec);
  if (!launched) return std::unexpected(launched.error());
  const pid_t pid = launched->pid;
  Tracee& child = adopt(pid, pid);
  child.parent_tid = e.target;
  child.parent_tgid = e.target;
  registry_->born(pid, pid, e.target, e.target);
  Tracee stand_in;
  stand_in.tgid = e.target;
  dispatcher_.on_clone(stand_in, child);
  entered_.emplace(pid, std::move(e.on_exit));
  placement_->update();
  if (!options_.use_seccomp) resume(child);  // the launcher left it stopped
  log().info("entered {} as a child of {}", pid, stand_in.tgid);
  return pid;
}

void Tracer::for_each_task(const std::function<void(const Tracee&)>& f) {
  tracees_.for_each([&f](Tracee& t) { f(t); });
}

// An entered command's end is told to whoever entered it. The run's end is
// the first command's: the entered commands are killed then, as the
// kernel kills a PID namespace's members when its init dies
// (zap_pid_ns_processes(), kernel/pid_namespace.c); their descendants
// follow the run's rule (killed with --kill-on-exit or a PID namespace,
// else waited for).
void Tracer::on_entered_death(const WaitEvent& ev) {
  if (ev.tid == root_) {
    for (const auto& [pid, _] : entered_) kill(pid, SIGKILL);
    return;
  }
  const auto it = entered_.find(ev.tid);
  if (it == entered_.end()) return;
  const int status = ev.kind == EventKind::kExited ? ev.code : 128 + ev.signal;
  if (it->second) it->second(status);
  entered_.erase(it);
}

}  // namespace cocoon::tracer
