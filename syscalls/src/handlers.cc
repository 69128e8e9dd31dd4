#include "cocoon/syscalls/handlers.h"

#include <memory>

#include "affinity.h"
#include "containment.h"
#include "dir_listing.h"
#include "identity/identity.h"
#include "paths.h"
#include "namespaces/ipc_isolation.h"
#include "namespaces/namespaces.h"
#include "namespaces/net_isolation.h"
#include "pids/pids.h"
#include "pids/proc_pids.h"
#include "unix_sockets.h"
#include "uts.h"

namespace cocoon::syscalls {

tracer::HandlerList make_handlers(const RunConfig& config,
                                  std::shared_ptr<const GuestView> view,
                                  std::shared_ptr<IdentityState> identity) {
  tracer::HandlerList list;
  list.push_back(std::make_unique<Containment>());
  // The CPUs the guest asks for, whatever cocoon's placement does.
  if (config.cpu_placement) list.push_back(std::make_unique<Affinity>());
  // Identity emulation: one state for the credential handlers and the
  // namespaces, whose user namespaces change credentials.
  if (config.identity && !identity) identity = std::make_shared<IdentityState>();
  // Namespaces before Pids: a new process's namespaces are settled
  // (on_clone) before it is numbered in them. Both before Paths: a /proc
  // listing is answered whole, not completed.
  if (view && view->namespaces() && config.namespaces && identity) {
    // Ids go in and out through the caller's emulated user namespace.
    identity->ids = std::make_shared<UserNsIds>(view->namespaces());
    list.push_back(std::make_unique<Namespaces>(view->namespaces(), identity, view));
  }
  if (view && view->namespaces() && (config.namespaces || config.unshare_ipc)) {
    list.push_back(std::make_unique<IpcIsolation>(view->namespaces()));
  }
  if (view && view->namespaces() && (config.namespaces || config.unshare_net)) {
    list.push_back(std::make_unique<NetIsolation>(view->namespaces()));
  }
  if (view && view->namespaces() && (config.namespaces || config.unshare_pid)) {
    list.push_back(std::make_unique<Pids>(view->namespaces()));
    list.push_back(std::make_unique<ProcListing>(view->namespaces()));
  }
  // The host's own view needs no translation: nothing is traced for paths
  // (but the opens that may reach a generated file, and /proc's numbers in
  // a PID namespace).
  if (view && !view->is_identity()) {
    list.push_back(std::make_unique<Paths>(view));
    list.push_back(std::make_unique<DirListing>(view));
    list.push_back(std::make_unique<UnixSockets>(view));
  } else if (view && (view->has_generated_files() || view->namespaces())) {
    list.push_back(std::make_unique<Paths>(view));
  }
  // After Paths: identity handlers see the host paths it wrote.
  if (config.identity) {
    list.push_back(std::make_unique<CredentialCalls>(identity));
    list.push_back(std::make_unique<FileOwners>(identity));
  }
  if (config.uts() || identity) {
    list.push_back(std::make_unique<Uts>(UtsConfig{config.hostname, config.domainname,
                                                   config.kernel_release},
                                         view, identity,
                                         config.namespaces && view ? view->namespaces() : nullptr));
  }
  return list;
}

}  // namespace cocoon::syscalls
