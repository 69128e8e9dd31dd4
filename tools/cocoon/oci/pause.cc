// `cocoon oci pause` / `resume`: runc's, over the container's run. runc
// freezes the container's cgroup (cgroup.freeze), which a rootless cocoon
// has no cgroup for; cocoon stops every process of the run instead with
// SIGSTOP and continues them with SIGCONT. Each is traced: the stop is a
// group-stop that cocoon leaves in place (PTRACE_LISTEN) until SIGCONT,
// as under a shell's job control. Unlike the freezer, a process sees it:
// its parent may get SIGCHLD (CLD_STOPPED, CLD_CONTINUED) and a SIGCONT
// handler runs. The status is "paused" while the marker file is there.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "cocoon/syscalls/sandboxes.h"
#include "containers.h"
#include "lifecycle.h"

namespace cocoon::oci {
namespace {

int fail(const OciError& e) {
  std::fprintf(stderr, "cocoon: %s\n", e.message.c_str());
  return e.status;
}

// `signal` to every process of container `id`'s run.
std::expected<void, OciError> signal_all(const std::string& id, int signal) {
  auto pids = syscalls::run_processes(id);
  if (!pids) return std::unexpected(OciError(pids.error().message, kNoSuchContainer));
  for (const pid_t pid : *pids) ::kill(pid, signal);  // (one that just ended is ESRCH)
  return {};
}

}  // namespace

int pause(const Globals& g, const std::string& id) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  const Status s = containers->status(*r);
  if (s != Status::kRunning) {
    return fail(wrong_state(id, s, "running"));
  }
  // The marker first: a process the run starts meanwhile is stopped by a
  // second `pause`, not missed silently by `state`.
  std::ofstream(containers->paused_marker(id)).flush();
  if (auto sent = signal_all(id, SIGSTOP); !sent) {
    ::unlink(containers->paused_marker(id).c_str());
    return fail(sent.error());
  }
  return 0;
}

int resume(const Globals& g, const std::string& id) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  const Status s = containers->status(*r);
  if (s != Status::kPaused) {
    return fail(wrong_state(id, s, "paused"));
  }
  auto sent = signal_all(id, SIGCONT);
  ::unlink(containers->paused_marker(id).c_str());
  if (!sent) return fail(sent.error());
  return 0;
}

}  // namespace cocoon::oci
