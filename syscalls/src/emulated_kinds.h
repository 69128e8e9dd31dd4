// The namespace kinds cocoon emulates, each wired in one place: the option
// that starts the command in a new one, what the guest's view gets for it,
// and the handlers that serve it. build_view() and make_handlers() read the
// table; a new kind is an entry here and its option in RunConfig.
//
// Not in the table: what every kind shares (/proc/PID/ns/KIND and the id
// maps, add_namespaces()), the Namespaces handler that makes and joins
// namespaces of every kind (--namespaces), and the handlers that only
// consult them (CredentialCalls for user namespaces, Uts for UTS ones).
#pragma once

#include <expected>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cocoon/syscalls/config.h"
#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/registry.h"
#include "view/guest_view.h"
#include "namespaces/ns_state.h"
#include "sockets/socket_address.h"
#include "view_setup.h"

namespace cocoon::syscalls {

// Where a kind's view pieces go.
struct KindView {
  GuestView& view;
  const std::shared_ptr<NamespaceState>& ns;
  const std::string& proc_dir;  // generated /proc files
  const std::string& ns_dir;    // the namespaces' own /proc files
  ScratchDir& scratch;
  std::vector<std::string>& readable;  // directories the guest reads (Landlock)
};

struct EmulatedKind {
  NsKind kind;
  // The option that starts the command in a new namespace of this kind
  // (--unshare-net); null: none (only the guest's own, under --namespaces).
  bool RunConfig::*starts_new;
  // What the guest's view gets (null: nothing).
  std::expected<void, std::string> (*add_to_view)(const KindView& v);
  // The handlers that serve it (null: none), keeping their per-process
  // state in `registry`.
  void (*add_handlers)(tracer::HandlerList& list, tracer::ProcessRegistry& registry,
                       const std::shared_ptr<NamespaceState>& ns);
};

std::span<const EmulatedKind> emulated_kinds();
// Whether `config` emulates `kind`: its option, or --namespaces (the guest
// may make one of every kind).
bool emulates(const RunConfig& config, const EmulatedKind& kind);
// Whether `config` emulates any kind.
bool emulates_namespaces(const RunConfig& config);

// The command's namespaces (new ones where an option asks; the processes'
// membership kept in `registry`), their /proc files, and each emulated
// kind's view pieces; set as `view`'s namespaces.
std::expected<void, std::string> add_namespaces(const RunConfig& config,
                                                tracer::ProcessRegistry& registry, GuestView& view,
                                                ScratchDir& scratch,
                                                std::vector<std::string>& readable);

// What the Sockets handler asks of network namespaces, when `config`
// emulates them (null otherwise).
std::shared_ptr<NetNamespaces> net_namespaces(const RunConfig& config,
                                              const std::shared_ptr<NamespaceState>& ns);

// Each emulated kind's handlers, in table order.
void add_namespace_handlers(const RunConfig& config, tracer::ProcessRegistry& registry,
                            tracer::HandlerList& list, const std::shared_ptr<NamespaceState>& ns);

}  // namespace cocoon::syscalls
