#include "emulated_kinds.h"

#include <unistd.h>

#include <array>
#include <filesystem>

#include "namespaces/ipc_isolation.h"
#include "namespaces/namespaces.h"
#include "namespaces/net_isolation.h"
#include "namespaces/net_proc.h"
#include "pids/pid_namespace.h"
#include "pids/pids.h"
#include "pids/proc_pids.h"
#include "view/proc_status.h"

namespace cocoon::syscalls {

namespace {

using Ns = std::shared_ptr<NamespaceState>;

// Every kind's /proc/PID/ns/KIND (a file, and readlink's "KIND:[N]"), a
// mount namespace's mounts, and a user namespace's id maps, which a write
// open gets as a file of its own, read back when credentials are next
// needed (namespaces.h).
class NamespaceFiles final : public ProcOverlay {
 public:
  NamespaceFiles(Ns ns, std::string dir) : ns_(std::move(ns)), dir_(std::move(dir)) {}
  std::optional<Substitute> lookup(const std::string& host, pid_t,
                                   Reach reach) const override {
    if (reach == Reach::kReadlink) {
      auto body = namespace_link(*ns_, host);
      if (!body) return std::nullopt;
      return Substitute{Substitute::Kind::kLinkBody, std::move(*body)};
    }
    if (reach == Reach::kWrite) {
      if (auto file = namespace_map_file(*ns_, dir_, host); !file.empty()) {
        return Substitute{Substitute::Kind::kFile, std::move(file), /*writable=*/true};
      }
    }
    std::string file = namespace_file(*ns_, dir_, host);
    if (file.empty()) return std::nullopt;
    return Substitute{Substitute::Kind::kFile, std::move(file)};
  }

 private:
  Ns ns_;
  std::string dir_;
};

// PID: the guest's numbers everywhere (Pids), /proc listed (ProcListing)
// and its status and stat files rewritten.
std::expected<void, std::string> pid_view(const KindView& v) {
  v.view.add_overlay(std::make_shared<GeneratedFiles>(proc_file_generator(v.ns, v.proc_dir)));
  if (ProcStatusFiles* status = v.view.status_files()) status->add_editor(proc_status_editor(v.ns));
  return {};
}
void pid_handlers(tracer::HandlerList& list, tracer::ProcessRegistry& registry, const Ns& ns) {
  list.push_back(std::make_unique<Pids>(ns, registry));
  list.push_back(std::make_unique<ProcListing>(ns));
}

// Network: no handler of its own. Its names (loopback, abstract AF_UNIX)
// are translated by the Sockets handler, which also translates the view's
// AF_UNIX paths: one translator per address argument (make_handlers()).
// /proc/net lists the namespace's own sockets.
std::expected<void, std::string> net_view(const KindView& v) {
  auto dir = v.scratch.make_subdir("net");
  if (!dir) return std::unexpected(dir.error());
  v.readable.push_back(*dir);
  v.view.add_overlay(std::make_shared<GeneratedFiles>(
      [ns = v.ns, d = *dir](const std::string& host, pid_t tgid) {
        return net_proc_file(*ns, d, host, tgid);
      }));
  return {};
}
// IPC: keys and ids of the namespace's own; /proc/sysvipc lists them.
std::expected<void, std::string> ipc_view(const KindView& v) {
  v.view.add_overlay(std::make_shared<GeneratedFiles>(
      [ns = v.ns, d = v.proc_dir](const std::string& host, pid_t tgid) {
        return sysvipc_file(*ns, d, host, tgid);
      }));
  return {};
}
void ipc_handlers(tracer::HandlerList& list, tracer::ProcessRegistry&, const Ns& ns) {
  list.push_back(std::make_unique<IpcIsolation>(ns));
}

// Cgroup: /proc/PID/cgroup from the namespace's roots.
std::expected<void, std::string> cgroup_view(const KindView& v) {
  v.view.add_overlay(std::make_shared<GeneratedFiles>(
      [ns = v.ns, d = v.ns_dir](const std::string& host, pid_t tgid) {
        return namespace_cgroup_file(*ns, d, host, tgid);
      }));
  return {};
}

// Mount: a directory for what mounts made at run time need (a tmpfs);
// mount(2) and its kin are the Namespaces handler's.
std::expected<void, std::string> mnt_view(const KindView& v) {
  auto mounts = v.scratch.make_subdir("mounts");
  if (!mounts) return std::unexpected(mounts.error());
  v.view.set_runtime_dir(*mounts);
  v.readable.push_back(*mounts);
  return {};
}

// In this order the command's own new namespaces are numbered (what
// readlink /proc/PID/ns/KIND shows): the kernel's, create_new_namespaces()
// in kernel/nsproxy.c, so that lsns sorts them as it does bwrap's.
constexpr std::array<EmulatedKind, 6> kKinds{{
    {NsKind::kMnt, nullptr, mnt_view, nullptr},
    // UTS: the names are Uts's (--hostname); the namespace's number is
    // what readlink and stat of /proc/PID/ns/uts show.
    {NsKind::kUts, &RunConfig::unshare_uts, nullptr, nullptr},
    {NsKind::kIpc, &RunConfig::unshare_ipc, ipc_view, ipc_handlers},
    {NsKind::kPid, &RunConfig::unshare_pid, pid_view, pid_handlers},
    {NsKind::kCgroup, &RunConfig::unshare_cgroup, cgroup_view, nullptr},
    {NsKind::kNet, &RunConfig::unshare_net, net_view, nullptr},
}};

// The command's namespaces: a PID namespace starts with its first number
// (--unshare-pid's root), and every kind asked for is a new one, numbered.
Ns start_namespaces(const RunConfig& config, tracer::ProcessRegistry& registry) {
  auto root = config.unshare_pid ? std::make_shared<PidNamespace>(config.first_pid) : nullptr;
  auto ns = std::make_shared<NamespaceState>(std::move(root), registry);
  // The user namespace first: the others belong to it.
  if (config.identity && config.identity->user_ns) {
    ns->start_in_user_ns(*config.identity->user_ns, ::geteuid(), ::getegid());
  }
  for (const EmulatedKind& k : kKinds) {
    if (k.starts_new && config.*k.starts_new) ns->start_in_new(k.kind);
  }
  return ns;
}

}  // namespace

std::span<const EmulatedKind> emulated_kinds() { return kKinds; }

bool emulates(const RunConfig& config, const EmulatedKind& kind) {
  return config.namespaces || (kind.starts_new && config.*kind.starts_new);
}

bool emulates_namespaces(const RunConfig& config) {
  if (config.identity && config.identity->user_ns) return true;
  for (const EmulatedKind& k : kKinds) {
    if (emulates(config, k)) return true;
  }
  return false;
}

std::expected<void, std::string> add_namespaces(const RunConfig& config,
                                                tracer::ProcessRegistry& registry, GuestView& view,
                                                ScratchDir& scratch,
                                                std::vector<std::string>& readable) {
  auto dir = scratch.make_subdir("pids");
  if (!dir) return std::unexpected(dir.error());
  readable.push_back(*dir);
  auto nsdir = scratch.make_subdir("ns");
  if (!nsdir) return std::unexpected(nsdir.error());
  std::filesystem::create_directories(*nsdir + "/nsfile");
  readable.push_back(*nsdir);
  const Ns ns = start_namespaces(config, registry);
  ns->set_stand_in_dir(*nsdir + "/nsfile");
  const KindView pieces{view, ns, *dir, *nsdir, scratch, readable};
  for (const EmulatedKind& k : kKinds) {
    if (!emulates(config, k) || k.add_to_view == nullptr) continue;
    if (auto r = k.add_to_view(pieces); !r) return r;
  }
  // Every kind's /proc/PID/ns/KIND, and a user namespace's id maps.
  view.add_overlay(std::make_shared<NamespaceFiles>(ns, *nsdir));
  view.set_namespaces(ns, ns);
  return {};
}

std::shared_ptr<NetNamespaces> net_namespaces(const RunConfig& config, const Ns& ns) {
  for (const EmulatedKind& k : kKinds) {
    if (k.kind == NsKind::kNet && ns && emulates(config, k)) return std::make_shared<NetIsolation>(ns);
  }
  return nullptr;
}

void add_namespace_handlers(const RunConfig& config, tracer::ProcessRegistry& registry,
                            tracer::HandlerList& list, const Ns& ns) {
  for (const EmulatedKind& k : kKinds) {
    if (emulates(config, k) && k.add_handlers != nullptr) k.add_handlers(list, registry, ns);
  }
}

}  // namespace cocoon::syscalls
