// config.json's linux section and process.user: the namespaces list as
// cocoon's emulated namespaces, the uid and gid mappings and the user as
// its identity emulation, and refusals of what it cannot emulate.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "bundle.h"

namespace cocoon::oci {
namespace {

using nlohmann::json;

struct Namespaces {
  bool user = false, uts = false;
};

// Each kind cocoon emulates; a namespace to join (a path) is refused.
std::expected<Namespaces, OciError> map_namespaces(const json& linux_, Bundle& b) {
  Namespaces ns;
  if (!linux_.contains("namespaces")) return ns;
  auto& view = b.session.view;
  for (const json& n : linux_.at("namespaces")) {
    const std::string type = n.value("type", "");
    if (!n.value("path", std::string()).empty()) {
      return unsupported("linux.namespaces " + type + " path " + n.at("path").get<std::string>(),
                                         "cocoon's namespaces are emulated in one run: nothing to join");
    }
    if (type == "pid") view.unshare_pid = true;
    else if (type == "network") view.unshare_net = true;
    else if (type == "ipc") view.unshare_ipc = true;
    else if (type == "cgroup") view.unshare_cgroup = true;
    else if (type == "uts") ns.uts = view.unshare_uts = true;
    else if (type == "user") ns.user = true;
    else if (type == "mount") {
      // cocoon's view is the run's own mount table whatever the list says.
    } else if (type == "time") {
      return unsupported("linux.namespaces time", "no emulated time namespace");
    } else {
      return malformed("linux.namespaces", "unknown type '" + type + "'");
    }
  }
  return ns;
}

// linux.uidMappings or gidMappings as the lines of a uid_map
// (containerID hostID size), by the kernel's rules; nullopt: none given.
// The caller's own id `own` must be among the hostIDs: it owns the bundle's
// files (umoci unpack --rootless makes them the caller's), which the
// container sees as the id mapped to it, and without it would see as
// nobody's.
std::expected<std::optional<syscalls::IdMap>, OciError> id_map(const json& linux_, const char* key,
                                                               std::uint32_t own) {
  if (!linux_.contains(key) || linux_.at(key).empty()) return std::nullopt;
  const std::string field = std::string("linux.") + key;
  syscalls::IdMap map;
  for (const json& m : linux_.at(key)) {
    map.push_back({m.at("containerID").get<std::uint32_t>(), m.at("hostID").get<std::uint32_t>(),
                   m.at("size").get<std::uint32_t>()});
  }
  if (const char* why = syscalls::id_map_problem(map)) return malformed(field, why);
  if (!syscalls::map_inside(map, own)) {
    return malformed(field, "no hostID is yours (" + std::to_string(own) + ")");
  }
  return map;
}

// The one line an unprivileged process may write to its own user
// namespace's map: its own id, once (user_namespaces(7)).
bool own_id_only(const syscalls::IdMap& map, std::uint32_t own) {
  return map.size() == 1 && map.front().count == 1 && map.front().outside == own;
}

struct User {
  std::uint32_t uid = 0, gid = 0;
  std::vector<std::uint32_t> groups;  // additionalGids
};

User process_user(const json& config) {
  User u;
  const json& p = config.at("process");
  if (!p.contains("user")) return u;
  const json& user = p.at("user");
  u.uid = user.value("uid", 0u);
  u.gid = user.value("gid", 0u);
  u.groups = user.value("additionalGids", std::vector<std::uint32_t>());
  return u;
}

// `id` of the container's user namespace as the first one numbers it, or
// the error naming `field`: it must be mapped (setuid(2) to an unmapped id
// fails with EINVAL).
std::expected<std::uint32_t, OciError> mapped(const syscalls::IdMap& map, std::uint32_t id,
                                              const char* field) {
  if (auto outside = syscalls::map_outside(map, id)) return *outside;
  return malformed(field, std::to_string(id) + " is not mapped in the user namespace");
}

// process.user.additionalGids, each mapped.
std::expected<std::vector<std::uint32_t>, OciError> mapped_groups(const syscalls::IdMap& map,
                                                                   const std::vector<std::uint32_t>& groups) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t g : groups) {
    auto outside = mapped(map, g, "process.user.additionalGids");
    if (!outside) return std::unexpected(outside.error());
    out.push_back(*outside);
  }
  return out;
}

// With a user namespace: the command starts in an emulated one whose maps
// are the config's (IdentityOptions::user_ns), as runc's does, with
// process.user's ids through them. The ids are kept as the first
// namespace numbers them (hostID + k for container id k): the caller's
// own are real, any other is emulated (recorded in the ownership
// database when a file is chowned to it, as --uid's). umoci's one-id map
// is what the caller may write itself: setgroups is denied, as runc
// writes it, and the caller's groups stay, shown mapped; under any other
// map (newuidmap's) runc sets additionalGids.
std::expected<void, OciError> user_in_namespace(const json& linux_, const User& u, Bundle& b) {
  const std::uint32_t own_uid = ::getuid(), own_gid = ::getgid();
  auto uids = id_map(linux_, "uidMappings", own_uid);
  if (!uids) return std::unexpected(uids.error());
  auto gids = id_map(linux_, "gidMappings", own_gid);
  if (!gids) return std::unexpected(gids.error());
  syscalls::UserNsMaps maps;
  maps.uid_map = uids->value_or(syscalls::IdMap{{own_uid, own_uid, 1}});
  maps.gid_map = gids->value_or(syscalls::IdMap{{own_gid, own_gid, 1}});
  maps.setgroups_denied = own_id_only(maps.uid_map, own_uid) && own_id_only(maps.gid_map, own_gid);
  auto uid = mapped(maps.uid_map, u.uid, "process.user.uid");
  if (!uid) return std::unexpected(uid.error());
  auto gid = mapped(maps.gid_map, u.gid, "process.user.gid");
  if (!gid) return std::unexpected(gid.error());
  auto groups = mapped_groups(maps.gid_map, u.groups);
  if (!groups) return std::unexpected(groups.error());
  syscalls::IdentityOptions id;
  id.uid = *uid;
  id.gid = *gid;
  id.groups = maps.setgroups_denied ? syscalls::caller_groups() : *groups;
  id.unknown_is_real = true;  // a user namespace shows files' real owners
  id.user_ns = std::move(maps);
  b.session.view.identity = id;
  return {};
}

// Without one: the ids asked for, emulated, unless they are the caller's.
void user_without_namespace(const User& u, Bundle& b) {
  if (u.uid == ::getuid() && u.gid == ::getgid() && u.groups.empty()) return;
  syscalls::IdentityOptions id;
  id.uid = u.uid;
  id.gid = u.gid;
  id.groups = u.groups;
  b.session.view.identity = id;
}

std::expected<void, OciError> refuse_unemulated(const json& linux_) {
  if (linux_.contains("seccomp")) return unsupported("linux.seccomp", "no libseccomp profiles");
  for (const char* key : {"devices", "sysctl"}) {
    if (linux_.contains(key) && !linux_.at(key).empty()) {
      return unsupported(std::string("linux.") + key, "unprivileged: nothing to create or set");
    }
  }
  if (linux_.contains("intelRdt")) return unsupported("linux.intelRdt", "no resctrl");
  // Limits cocoon cannot set without a cgroup of its own (rootless runc
  // ignores them too where no cgroup is delegated): said, not refused.
  if (linux_.contains("resources")) {
    std::fprintf(stderr, "cocoon: warning: config.json: linux.resources ignored (no cgroups)\n");
  }
  return {};
}

}  // namespace

std::expected<void, OciError> map_linux(const json& config, Bundle& b) {
  static const json kEmpty = json::object();
  const json& linux_ = config.contains("linux") ? config.at("linux") : kEmpty;
  if (auto r = refuse_unemulated(linux_); !r) return r;
  const auto ns = map_namespaces(linux_, b);
  if (!ns) return std::unexpected(ns.error());
  if (b.session.view.hostname && !ns->uts) {
    // runc: "unable to set hostname without a private UTS namespace".
    return malformed("hostname", "needs a uts namespace in linux.namespaces");
  }
  const User u = process_user(config);
  if (ns->user) return user_in_namespace(linux_, u, b);
  if (linux_.contains("uidMappings") || linux_.contains("gidMappings")) {
    return malformed("linux.uidMappings", "given without a user namespace");
  }
  user_without_namespace(u, b);
  return {};
}

}  // namespace cocoon::oci
