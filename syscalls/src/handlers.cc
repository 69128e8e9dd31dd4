#include "cocoon/syscalls/handlers.h"

#include <unistd.h>

#include <memory>

#include "affinity.h"
#include "agent/agent.h"
#include "agent/agent_view.h"
#include "cocoon/tracer/log.h"
#include "guard/containment.h"
#include "guard/dumpable.h"
#include "paths/dir_listing.h"
#include "paths/union_listing.h"
#include "emulated_kinds.h"
#include "identity/identity.h"
#include "identity/scm_credentials.h"
#include "namespaces/namespaces.h"
#include "namespaces/ns_files.h"
#include "namespaces/refused_userns.h"
#include "paths/paths.h"
#include "ptrace/ptrace.h"
#include "ptrace/tracer_pid.h"
#include "guard/process_guard.h"
#include "guard/strict_mode.h"
#include "sockets/sockets.h"
#include "namespaces/uts.h"
#include "view/landlock.h"

namespace cocoon::syscalls {

namespace {

// Identity emulation: one state for the credential handlers and the
// namespaces, whose user namespaces change credentials (`given`: the
// caller's, or null); null without identities.
std::shared_ptr<IdentityState> identity_state(const RunConfig& config, tracer::ProcessRegistry& registry,
                                              std::shared_ptr<IdentityState> given,
                                              const std::shared_ptr<NamespaceState>& ns) {
  std::shared_ptr<IdentityState> identity = std::move(given);
  if (config.identity && !identity) identity = std::make_shared<IdentityState>(registry);
  if (identity && config.identity && config.identity->own_user_ns && !config.namespaces) {
    const auto [uid, gid] = *config.identity->own_user_ns;
    identity->ids = std::make_shared<OneIdMap>(uid, config.identity->uid, gid, config.identity->gid);
  }
  const bool own_maps = config.identity && config.identity->user_ns;
  if (ns && identity && (config.namespaces || own_maps)) {
    // Ids go in and out through the caller's emulated user namespace.
    identity->ids = std::make_shared<UserNsIds>(ns);
  }
  return identity;
}

// The in-guest agent where it can stand in for the tracer's answers: the
// identity alone (no paths to translate, no namespace to map ids through
// or dress files for), or a view that Landlock confines (agent.h), on
// x86-64.
void add_agent(tracer::HandlerList& list, const RunConfig& config, tracer::ProcessRegistry& registry,
               const std::shared_ptr<IdentityState>& identity, const std::shared_ptr<const GuestView>& view,
               bool translated, bool landlocked, bool more) {
  if (config.agent_table.empty()) return;  // cocoon syscalls: no run
  auto log = tracer::module_logger("identity");
  // The empty table a view's setup may have made for Landlock
  // (view_setup.cc) goes with an agent that is not to be.
  const auto ignored = [&](const std::string& why) {
    log->log(config.agent_quiet ? spdlog::level::debug : spdlog::level::warn, "--agent ignored: {}", why);
    ::unlink(config.agent_table.c_str());
  };
  // A Paths handler without translation serves generated files or
  // namespaces: nothing the agent can tell apart.
  for (const auto& h : list) more = more || (h->name() == "paths" && !translated);
  const char* why = !Agent::available() ? "this build has none for this machine"
                    : more || config.namespaces ||
                            (identity && (identity->stand_ins || config.identity->own_user_ns ||
                                          config.identity->user_ns))
                        ? "it serves no run with namespaces"
                    : !translated && !identity ? "it needs identity emulation (-0, --uid) or a view (-r, -b)"
                    : translated && !landlocked ? "in a view it needs Landlock (docs/agent.md)"
                                                : nullptr;
  std::optional<AgentView> facts;
  if (!why && translated) {
    auto v = agent_view(*view, list);
    if (!v) return ignored(v.error());
    facts = std::move(*v);
  }
  if (why) return ignored(why);
  auto agent = Agent::make(config.identity ? identity : nullptr, std::move(facts), registry, config.agent_table);
  if (!agent) {
    log->warn("--agent ignored: {}", agent.error());
    ::unlink(config.agent_table.c_str());
    return;
  }
  list.push_back(std::move(*agent));
}

}  // namespace

// Each handler says per syscall in which phase it runs (translate, emulate,
// fix up: tracer::Phase), and the dispatcher checks that one at most
// emulates each: the list's order decides no syscall. It is the order of
// the lifecycle calls (on_clone...): Namespaces settles a new process's
// namespaces before Pids numbers it in them and CredentialCalls copies its
// credentials.
tracer::HandlerList make_handlers(const RunConfig& config, tracer::ProcessRegistry& registry,
                                  std::shared_ptr<const GuestView> view,
                                  std::shared_ptr<IdentityState> identity, bool landlocked) {
  tracer::HandlerList list;
  list.push_back(std::make_unique<Containment>());
  // Before Ptrace: strict mode's kill is no signal a guest's tracer sees.
  list.push_back(std::make_unique<StrictMode>());
  // The CPUs the guest asks for, whatever cocoon's placement does.
  if (config.cpu_placement) list.push_back(std::make_unique<Affinity>(registry));
  const std::shared_ptr<NamespaceState> ns = view ? view->namespaces() : nullptr;
  identity = identity_state(config, registry, std::move(identity), ns);
  if (ns && config.namespaces && identity) {
    // --no-landlock leaves a guest's own network namespaces to translation
    // alone, as --unshare-net's.
    const bool scope_netns = config.landlock && can_scope_abstract_sockets();
    list.push_back(std::make_unique<Namespaces>(ns, identity, view, registry, scope_netns));
  }
  if (ns) {
    add_namespace_handlers(config, registry, list, ns);
    // /proc/PID/ns/KIND of an emulated namespace: stat and the nsfs
    // ioctls (lsns, nsenter). FileOwners answers the stat family where ids
    // are emulated.
    if (config.identity) identity->stand_ins = std::make_shared<NsStandIns>(ns);
    list.push_back(std::make_unique<NsFiles>(ns, !config.identity));
  }
  // The kernel's user namespaces: a hint when it refuses one.
  if (!config.namespaces) list.push_back(std::make_unique<RefusedUserNs>(config.disable_userns));
  // The guest's PR_SET_DUMPABLE, emulated by ProcessGuard and honoured by
  // every handler that judges an access to a guest task (guard/dumpable.h).
  auto dumpable = std::make_shared<DumpableFlags>(registry);
  list.push_back(std::make_unique<ProcessGuard>(landlocked, dumpable));
  // The host's own view needs no translation: nothing is traced for paths
  // (but the opens that may reach a generated file, /proc's numbers in a
  // PID namespace, and the execs a -q emulator may have to run).
  const bool paths = view && !view->is_identity();
  if (paths) {
    list.push_back(std::make_unique<Paths>(view, registry, identity, dumpable));
    list.push_back(std::make_unique<DirListing>(view, registry));
    list.push_back(std::make_unique<UnionListing>(view));
  } else if (view && (!view->fixed_files().empty() || view->namespaces() || view->emulators())) {
    list.push_back(std::make_unique<Paths>(view, registry, identity, dumpable));
  }
  // Socket addresses: AF_UNIX paths in a view, and a network namespace's
  // own names; and the credentials messages carry under identity
  // emulation. No socket call is traced for none of them.
  auto net = net_namespaces(config, ns);
  std::shared_ptr<ControlTranslator> control;
  if (config.identity) {
    identity->pids = ns;
    control = std::make_shared<ScmCredentials>(identity, registry);
  }
  if (paths || net || control) {
    list.push_back(std::make_unique<Sockets>(paths ? view : nullptr, std::move(net), registry,
                                             std::move(control)));
  }
  if (config.identity) add_identity_handlers(list, identity, registry);
  if (config.agent) {
    add_agent(list, config, registry, identity, view, paths, landlocked, ns != nullptr || net != nullptr);
  }
  if (config.uts() || identity) {
    list.push_back(std::make_unique<Uts>(UtsConfig{config.hostname, config.domainname,
                                                   config.kernel_release},
                                         view, identity, config.namespaces ? ns : nullptr));
  }
  // The guest's own ptrace, emulated (docs/architecture.md, "ptrace inside
  // a guest"): last, so that its tracer hears of a signal as the other
  // handlers left it. In a PID namespace Pids translates its pid arguments
  // first, and it gives its tracers their namespace's numbers.
  // Its tracees are what /proc/PID/status's TracerPid shows, where the
  // view rewrites that file (not cocoon, every task's real tracer).
  auto tracees = std::make_shared<EmulatedTracees>();
  if (view && view->status_files()) {
    view->status_files()->add_editor(tracer_pid_status_editor(tracees, ns, registry));
  }
  list.push_back(std::make_unique<Ptrace>(ns, std::move(tracees), config.identity.has_value(), dumpable));
  return list;
}

}  // namespace cocoon::syscalls
