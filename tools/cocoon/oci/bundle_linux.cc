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

// One id mapped (containerID -> hostID, size 1): what an unprivileged
// process may write to its user namespace's uid_map itself
// (user_namespaces(7), "Defining user and group ID mappings"), and all
// cocoon's emulated user namespace maps. The host id must be the caller's
// own, as the kernel requires of it. nullopt: no mappings given.
std::expected<std::optional<std::uint32_t>, OciError> one_mapping(const json& linux_, const char* key,
                                                                 std::uint32_t own) {
  if (!linux_.contains(key) || linux_.at(key).empty()) return std::nullopt;
  const json& list = linux_.at(key);
  const std::string field = std::string("linux.") + key;
  if (list.size() != 1 || list.at(0).value("size", 0u) != 1) {
    return unsupported(field + " of more than one id",
                                       "cocoon's user namespace maps one id, as an unprivileged "
                                       "uid_map does");
  }
  const std::uint32_t host = list.at(0).at("hostID").get<std::uint32_t>();
  if (host != own) {
    return malformed(field, "hostID " + std::to_string(host) + " is not yours (" +
                                                std::to_string(own) + ")");
  }
  return list.at(0).at("containerID").get<std::uint32_t>();
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

// With a user namespace: the command's credentials are the caller's, seen
// through a namespace mapping them to process.user (identity/id_mapper.h,
// OneIdMap), as bwrap --unshare-user --uid --gid. The ids asked for must be
// the mapped ones: setuid(2) to an unmapped id fails with EINVAL.
std::expected<void, OciError> user_in_namespace(const json& linux_, const User& u, Bundle& b) {
  const auto uid = one_mapping(linux_, "uidMappings", ::getuid());
  if (!uid) return std::unexpected(uid.error());
  const auto gid = one_mapping(linux_, "gidMappings", ::getgid());
  if (!gid) return std::unexpected(gid.error());
  const std::uint32_t inner_uid = uid->value_or(::getuid()), inner_gid = gid->value_or(::getgid());
  if (u.uid != inner_uid) {
    return malformed("process.user.uid", std::to_string(u.uid) + " is not mapped in the user namespace");
  }
  if (u.gid != inner_gid) {
    return malformed("process.user.gid", std::to_string(u.gid) + " is not mapped in the user namespace");
  }
  for (std::uint32_t g : u.groups) {
    if (g != inner_gid) {
      return malformed("process.user.additionalGids", std::to_string(g) + " is not mapped in the user namespace");
    }
  }
  syscalls::IdentityOptions id;
  id.uid = ::getuid();
  id.gid = ::getgid();
  // The caller's groups stay the process's across unshare(2), shown mapped.
  id.groups = syscalls::caller_groups();
  id.own_user_ns = std::make_pair(inner_uid, inner_gid);
  id.unknown_is_real = true;  // a user namespace shows files' real owners
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
