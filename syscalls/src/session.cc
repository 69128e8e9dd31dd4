#include "cocoon/syscalls/session.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <vector>

#include "cocoon/arch/kernel.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/syscalls/handlers.h"
#include "cocoon/syscalls/sandboxes.h"
#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/observer.h"
#include "identity/identity.h"
#include "identity/status_lines.h"
#include "namespaces/ns_state.h"
#include "owned_fd.h"
#include "sandbox/control_server.h"
#include "sandbox/run_state.h"
#include "view/proc_status.h"
#include "view_setup.h"

namespace cocoon::syscalls {

std::vector<std::uint32_t> caller_groups() {
  std::vector<gid_t> groups(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
  groups.resize(static_cast<std::size_t>(
      std::max(::getgroups(static_cast<int>(groups.size()), groups.data()), 0)));
  return std::vector<std::uint32_t>(groups.begin(), groups.end());
}

namespace {

// Whether a process of the run may hold CAP_DAC_OVERRIDE or
// CAP_DAC_READ_SEARCH over the real user's files: root's, or those
// capabilities given (bwrap's --cap-add), or any user, who may make a user
// namespace of its own with --namespaces. (A --uid run's set-user-ID-root
// exec is not counted: its opens stay the kernel's.)
bool may_pass_modes(const IdentityOptions& o, bool namespaces) {
  constexpr std::uint64_t kDac = (std::uint64_t{1} << CAP_DAC_OVERRIDE) |
                                 (std::uint64_t{1} << CAP_DAC_READ_SEARCH);
  if (o.capabilities) return (*o.capabilities & kDac) != 0 || namespaces;
  return o.uid == 0 || namespaces;
}

// The identity state of a run: its database opened (and locked), a
// fakeroot save file imported.
std::expected<std::shared_ptr<IdentityState>, std::string> open_identity(
    const RunConfig& config, tracer::ProcessRegistry& registry) {
  if (!config.identity) return nullptr;  // (--namespaces filled one in: run_session)
  const IdentityOptions& o = *config.identity;
  auto state = std::make_shared<IdentityState>(registry);
  state->config = {o.uid, o.gid, o.groups, o.unknown_is_real, o.capabilities,
                   o.dac_opens && may_pass_modes(o, config.namespaces)};
  state->config.real_creations = o.user_ns.has_value();
  if (!o.db.empty()) {
    auto db = OwnershipDb::open(o.db);
    if (!db) return std::unexpected(db.error());
    state->db = std::move(*db);
  }
  if (!o.import_fakeroot.empty()) {
    if (auto r = state->db.import_fakeroot(o.import_fakeroot); !r) {
      return std::unexpected("-i " + r.error());
    }
  }
  return state;
}

// At the end of a run: the journal compacted, fakeroot's save file written.
std::expected<void, std::string> close_identity(const RunConfig& config, IdentityState& state) {
  if (auto r = state.db.compact(); !r) return std::unexpected("--db " + r.error());
  if (!config.identity->export_fakeroot.empty()) {
    if (auto r = state.db.export_fakeroot(config.identity->export_fakeroot); !r) {
      return std::unexpected("-s " + r.error());
    }
  }
  return {};
}

// User namespaces change credentials: --namespaces emulates them, from the
// real ones when no identity was asked for.
RunConfig effective(RunConfig config) {
  if (config.namespaces && !config.identity) {
    IdentityOptions id;
    id.uid = ::getuid();
    id.gid = ::getgid();
    // The real groups too: getgroups(2) inside a user namespace shows them
    // (mapped), as the kernel keeps a process's groups across unshare(2).
    id.groups = caller_groups();
    id.unknown_is_real = true;
    config.identity = id;
  }
  return config;
}

}  // namespace

namespace {

// bwrap's --lock-file (do_init() in its bubblewrap.c): each path opened
// read-only inside the sandbox and read-locked without waiting, the
// descriptors kept for as long as the sandbox runs. Here through the
// guest's view, by cocoon, which lives as long as the run.
std::expected<std::vector<OwnedFd>, std::string> take_locks(const std::vector<std::string>& paths,
                                                            const GuestView& view) {
  std::vector<OwnedFd> held;
  const pid_t self = ::getpid();
  for (const std::string& path : paths) {
    auto r = view.resolve(self, self, path, vfs::GuestPath("/"), {});
    OwnedFd fd(r ? ::open(r->host.str().c_str(), O_RDONLY | O_CLOEXEC) : -1);
    if (fd.fd < 0) {
      return std::unexpected("Unable to open lock file " + path + ": " +
                             std::strerror(r ? errno : r.error()));
    }
    struct flock l {};
    l.l_type = F_RDLCK;
    l.l_whence = SEEK_SET;
    if (::fcntl(fd.fd, F_SETLK, &l) != 0) {
      return std::unexpected("Unable to lock file " + path + ": " + std::strerror(errno));
    }
    held.push_back(std::move(fd));
  }
  return held;
}

// What `cocoon ps` shows of the run (run_state.h): fixed at its start.
RunRecord record_of(const Session& session) {
  const RunConfig& v = session.view;
  RunRecord r;
  r.id = new_run_id();
  r.name = session.name;
  r.pid = ::getpid();
  r.pid_start = process_start_time(r.pid);
  r.started = ::time(nullptr);
  r.command = session.argv;
  r.root = v.empty_root ? "(empty)" : v.rootfs.empty() ? "/" : v.rootfs;
  for (const auto& m : v.mounts) r.mounts.push_back(std::string(vfs::to_string(m.kind)) + " " + m.target);
  if (v.identity) {
    r.emulated_ids = true;
    r.uid = v.identity->uid;
    r.gid = v.identity->gid;
  }
  r.hostname = v.hostname;
  if (v.identity && v.identity->user_ns) r.namespaces.emplace_back("user");
  if (v.unshare_pid) r.namespaces.emplace_back("pid");
  if (v.uts() || v.unshare_uts) r.namespaces.emplace_back("uts");
  if (v.unshare_net) r.namespaces.emplace_back("net");
  if (v.unshare_ipc) r.namespaces.emplace_back("ipc");
  if (v.unshare_cgroup) r.namespaces.emplace_back("cgroup");
  r.guest_namespaces = v.namespaces;
  return r;
}

// The run, published for cocoon ps and cocoon enter (run_state.h). A run
// that cannot be published still runs, unlisted (a state directory another
// user made, or one cocoon in a user namespace of the kernel's does not
// own, must not stop every run), unless it was given a name to be found by.
std::expected<std::optional<PublishedRun>, RunError> publish(const Session& given) {
  if (!given.name.empty() && !valid_run_name(given.name)) {
    return std::unexpected("--name " + given.name + ": letters, digits, '_', '.' and '-' only");
  }
  auto published = PublishedRun::publish(record_of(given));
  if (published) return std::optional<PublishedRun>(std::move(*published));
  const PublishError& e = published.error();
  if (e.name_in_use) return std::unexpected(RunError(e.message, kNameInUse));
  if (!given.name.empty()) return std::unexpected(RunError("--name " + given.name + ": " + e.message));
  tracer::module_logger("syscalls")->info("not published for cocoon ps: {}", e.message);
  return std::optional<PublishedRun>();
}

}  // namespace

namespace {

// The ids process `pid` reads in /proc/self/ns for bwrap's kinds: an
// emulated namespace's (ns, when it has one for the kind), or the kernel's
// link "KIND:[N]".
std::vector<std::pair<std::string, std::uint64_t>> namespace_ids(const NamespaceState* ns, pid_t pid) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const char* name : {"cgroup", "ipc", "mnt", "net", "pid", "uts"}) {
    std::uint64_t id = 0;
    if (const auto kind = ns_kind_of(name); kind && ns != nullptr) id = ns->id_of(pid, *kind);
    if (id == 0) {
      char link[64] = {};
      const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
      if (::readlink(path.c_str(), link, sizeof link - 1) > 0) {
        if (const char* open = std::strchr(link, '[')) id = std::strtoull(open + 1, nullptr, 10);
      }
    }
    if (id != 0) out.emplace_back(name, id);
  }
  return out;
}

// Inside a tracer that emulates ptrace without PTRACE_O_TRACESECCOMP
// (an outer cocoon with -0 and its filter), the filter's stops would never
// come: the run goes as --no-seccomp, which gives the same answers,
// stopping at every call.
std::expected<void, RunError> without_filter_if_unreported(tracer::TracerOptions& tracer) {
  if (!tracer.use_seccomp || arch::filter_stops_reported(arch::kernel_features())) return {};
  // The user's own filters (bwrap's --seccomp) need cocoon's, as under
  // COCOON_NO_SECCOMP (bwrap_cli.cc): a call answered at its entry stop
  // would never meet them.
  if (!tracer.user_filters.empty()) {
    return std::unexpected(RunError(
        "the tracer this cocoon runs under refuses PTRACE_O_TRACESECCOMP: the seccomp filters "
        "given need cocoon's own, which cannot run here"));
  }
  tracer::module_logger("syscalls")->warn(
      "the tracer this cocoon runs under refuses PTRACE_O_TRACESECCOMP: running without "
      "the seccomp filter, as --no-seccomp");
  tracer.use_seccomp = false;
  return {};
}

// The in-guest agent (docs/agent.md): COCOON_AGENT=1 is --agent for the
// front ends, whose command lines are the tools'; the teaching view must
// see every call, so never there. Its table lives in the run's directory
// (removed with it, or by the next `cocoon ps` after a SIGKILL), else in
// TMPDIR (removed at the end; a SIGKILL leaves it).
void settle_agent(Session& session, const std::optional<PublishedRun>& published) {
  if (const char* v = std::getenv("COCOON_AGENT"); v && std::string_view(v) == "1" && !session.view.agent) {
    session.view.agent = session.view.agent_quiet = true;
  }
  if (session.tracer.observer) session.view.agent = false;
  if (!session.view.agent) return;
  session.view.agent_table = published ? published->dir() + "/owners"
                                       : tmp_dir() + "/cocoon-owners." + std::to_string(::getpid()) + "." +
                                             new_run_id();
}

// What runs when the command is launched, before the options' own hook.
// The first command is PID 1 of the run's PID namespace from its launch,
// as the kernel numbers a namespace's init at its fork. Numbered lazily
// (at its first call that asks), a command held before its exec (an OCI
// container before its start) would leave 1 to a command entered first.
void add_launch_hooks(tracer::TracerOptions& options, const Session& session,
                      const std::shared_ptr<NamespaceState>& ns) {
  if (ns && ns->root_pid_ns()) {
    options.on_launched = [pid_ns = ns->root_pid_ns(), then = options.on_launched](pid_t pid) {
      pid_ns->member(pid);
      if (then) then(pid);
    };
  }
  if (session.on_launched_ns) {
    options.on_launched = [report = session.on_launched_ns, ns, then = options.on_launched](pid_t pid) {
      report(pid, namespace_ids(ns.get(), pid));
      if (then) then(pid);
    };
  }
}

}  // namespace

std::expected<int, RunError> run_session(const Session& given) {
  // A kernel that lacks what the run needs is refused before anything
  // starts, in one line naming the feature (arch/kernel.h).
  if (auto missing = arch::missing_for_run(arch::kernel_features(), given.tracer.use_seccomp)) {
    return std::unexpected(*missing);
  }
  // Published first, so that a name in use stops the run before anything
  // starts; removed when this returns, after the last tracee.
  auto published = publish(given);
  if (!published) return std::unexpected(published.error());
  Session session = given;
  session.view = effective(given.view);
  settle_agent(session, *published);
  if (auto r = without_filter_if_unreported(session.tracer); !r) return std::unexpected(r.error());
  // First: the view, the identity state and the handlers keep per-process
  // state in it, and it outlives them.
  auto registry = std::make_shared<tracer::ProcessRegistry>();
  auto setup = build_view(session.view, *registry);
  if (!setup) return std::unexpected(setup.error());
  const auto locks = take_locks(session.view.lock_files, *setup->view);
  if (!locks) return std::unexpected(locks.error());
  auto identity = open_identity(session.view, *registry);
  if (!identity) return std::unexpected(identity.error());
  // /proc/PID/status shows the emulated credentials where the view
  // rewrites paths (without one, opens are not traced for it).
  if (*identity && setup->view->status_files()) {
    setup->view->status_files()->add_editor(credentials_status_editor(*identity, *registry));
  }
  // The view's own lookups pass the real user's modes as the guest's
  // calls do (identity/dac_override.h).
  if (*identity && (*identity)->config.dac_opens) {
    setup->view->set_lookup_override(root_lookups(*identity));
  }
  tracer::TracerOptions options = session.tracer;
  options.cwd = setup->host_cwd;
  // The command inherits cocoon's environment (tracer/src/launcher.cc).
  if (session.view.export_pwd) ::setenv("PWD", setup->guest_cwd.c_str(), 1);
  options.landlock_fd = setup->landlock.fd;
  options.cpu_placement = session.view.cpu_placement;
  // A PID namespace's init reaps its orphans, and its end is everyone's
  // (zap_pid_ns_processes(), kernel/pid_namespace.c).
  if (session.view.unshare_pid) {
    options.child_subreaper = true;
    options.kill_on_exit = true;
  }
  // The teaching view shows the guest's pids beside the kernel's.
  if (options.observer && setup->view->namespaces()) {
    options.observer->set_pid_names([ns = setup->view->namespaces()](pid_t tgid, pid_t tid) {
      auto pid_ns = ns->pid_ns(tgid);
      return pid_ns ? pid_ns->virtual_of(tid) : std::nullopt;
    });
  }
  add_launch_hooks(options, session, setup->view->namespaces());
  options.mailbox = std::make_shared<tracer::Mailbox>();
  tracer::Tracer t(options,
                   make_handlers(session.view, *registry, setup->view, *identity, setup->landlock.fd >= 0),
                   registry);
  auto status = [&] {
    // Served while the loop runs; stopped before the tracer goes.
    std::optional<ControlServer> control;
    if (*published) control.emplace((*published)->listen_fd(), options.mailbox, setup->view->namespaces());
    return t.run(session.argv);
  }();
  if (!status) return std::unexpected(status.error().message());
  if (*identity) {
    if (auto r = close_identity(session.view, **identity); !r) return std::unexpected(r.error());
  }
  return *status;  // setup->scratch is removed here, after the last tracee
}

std::expected<void, std::string> print_mounts(std::ostream& out, const RunConfig& view) {
  tracer::ProcessRegistry registry;
  auto setup = build_view(view, registry);
  if (!setup) return std::unexpected(setup.error());
  out << setup->view->table().describe();
  return {};
}

namespace {

// " if ARG != 0", " if ARG & BITS": when a conditional decision acts.
std::string condition(tracer::Decision d, const arch::SyscallDesc& row) {
  if (!d.conditional()) return "";
  const std::string arg(row.arg_names[static_cast<std::size_t>(d.nonzero_arg)]);
  if (d.when_bits == ~std::uint64_t{0}) return " if " + arg + " != 0";
  char bits[24];
  std::snprintf(bits, sizeof bits, "%#llx", static_cast<unsigned long long>(d.when_bits));
  return " if " + arg + " & " + bits;
}

std::string describe_action(tracer::Decision d, const arch::SyscallDesc& row) {
  switch (d.action) {
    case tracer::Action::kAllow: return "allow";
    case tracer::Action::kTrace: return "trace" + condition(d, row);
    case tracer::Action::kNotify: return "notify (answered without a stop)" + condition(d, row);
    case tracer::Action::kKill: return "kill";
    case tracer::Action::kErrno: return d.err == 0 ? "return 0" : "errno " + std::to_string(d.err);
  }
  return "?";
}

// "errno 1 if clone_flags & 0x800000, else trace".
std::string describe(tracer::Decision d, const arch::SyscallDesc& row) {
  if (!d.refuses()) return describe_action(d, row);
  char bits[24];
  std::snprintf(bits, sizeof bits, "%#llx", static_cast<unsigned long long>(d.refuse_bits));
  return "errno " + std::to_string(d.refuse_err) + " if " +
         std::string(row.arg_names[static_cast<std::size_t>(d.refuse_arg)]) + " & " + bits +
         ", else " + describe_action(d.unguarded(), row);
}

// The host's policy when `abi` is one of its entry ABIs; otherwise the policy
// a host of that arch would run.
arch::Arch host_for(arch::Arch abi) {
  return abi == arch::Arch::kI386 ? arch::Arch::kX86_64 : abi;
}

}  // namespace

std::expected<void, std::string> print_syscalls(std::ostream& out, arch::Arch abi,
                                               const RunConfig& given, bool only_intercepted) {
  const RunConfig view = effective(given);
  tracer::ProcessRegistry registry;
  auto setup = build_view(view, registry);
  if (!setup) return std::unexpected(setup.error());
  const auto policy =
      tracer::build_policy(make_handlers(view, registry, setup->view), host_for(abi));
  if (!policy) return std::unexpected(policy.error());
  out << "# " << arch::name(abi) << ": nr name (role:argument, ...) [-> result] : decision\n";
  for (const auto& row : arch::all_syscalls()) {
    if (!row.exists_on(abi)) continue;
    const tracer::Decision d = policy->decide(abi, row.number(abi));
    if (only_intercepted && d.action == tracer::Action::kAllow && !d.refuses()) continue;
    out << row.number(abi) << ' ' << row.name << ' ' << arch::signature(row) << " : " << describe(d, row)
        << '\n';
  }
  return {};
}

}  // namespace cocoon::syscalls
