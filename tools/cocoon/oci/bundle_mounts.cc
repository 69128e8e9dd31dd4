// config.json's mounts, maskedPaths and readonlyPaths as cocoon mounts. Each
// mount type becomes the nearest thing cocoon's view emulates, or is
// refused by name:
//   bind, rbind    a bind (rbind: cocoon's binds show what lies under them)
//   tmpfs          a private directory; at /dev, cocoon's minimal /dev, which
//                  holds the devices the runtime spec requires of /dev
//   proc           the host's /proc, seen through the view (a PID namespace's
//                  numbers when there is one)
//   sysfs          the host's /sys, bound
//   cgroup(2)      the host's /sys/fs/cgroup, bound
//   devpts         cocoon's /dev/pts under its /dev; elsewhere the host's
//   mqueue         an empty directory (mq_open(3) calls the kernel, not it)
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bundle.h"

namespace cocoon::oci {
namespace {

using nlohmann::json;
using vfs::MountKind;
using vfs::MountSpec;

bool has(const std::vector<std::string>& options, const char* word) {
  return std::find(options.begin(), options.end(), word) != options.end();
}

// tmpfs's mode=NNN (octal), as mount(8) takes it.
std::optional<unsigned> mode_option(const std::vector<std::string>& options) {
  for (const std::string& o : options) {
    if (o.starts_with("mode=")) return static_cast<unsigned>(std::stoul(o.substr(5), nullptr, 8));
  }
  return std::nullopt;
}

std::string absolute_target(const std::string& destination) {
  return destination.starts_with("/") ? destination : "/" + destination;
}

// Whether `target` lies in a mount of `kind` already in `mounts`.
bool under(const std::vector<MountSpec>& mounts, MountKind kind, const std::string& target) {
  return std::any_of(mounts.begin(), mounts.end(), [&](const MountSpec& m) {
    return m.kind == kind && (target == m.target || target.starts_with(m.target + "/"));
  });
}

MountSpec bind_of(std::string source, std::string target, bool read_only) {
  MountSpec m;
  m.kind = MountKind::kBind;
  m.source = std::move(source);
  m.target = std::move(target);
  m.read_only = read_only;
  return m;
}

MountSpec special(MountKind kind, std::string target) {
  MountSpec m;
  m.kind = kind;
  m.target = std::move(target);
  return m;
}

// One entry of config.json's mounts; nullopt: nothing to add (devpts
// under cocoon's /dev).
std::expected<std::optional<MountSpec>, OciError> map_mount(const json& entry, std::size_t index,
                                                            const Bundle& b) {
  const std::string field = "mounts[" + std::to_string(index) + "]";
  const std::string type = entry.value("type", "");
  const std::string target = absolute_target(entry.at("destination").get<std::string>());
  const auto options = entry.value("options", std::vector<std::string>());
  const bool ro = has(options, "ro");
  const auto& mounts = b.session.view.mounts;
  if (type == "bind" || has(options, "bind") || has(options, "rbind")) {
    std::filesystem::path source = entry.value("source", "");
    if (source.empty()) return malformed(field, "a bind without a source");
    // A relative source is the bundle's (runc's rule).
    if (source.is_relative()) source = std::filesystem::path(b.dir) / source;
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0) {
      return malformed(field + ".source", source.string() + ": " + std::strerror(errno));
    }
    return bind_of(source.string(), target, ro);
  }
  if (type == "tmpfs") {
    if (target == "/dev") return special(MountKind::kDev, target);
    MountSpec m = special(MountKind::kTmpfs, target);
    m.mode = mode_option(options).value_or(01777);  // tmpfs's default root mode
    m.read_only = ro;
    return m;
  }
  if (type == "proc") return special(MountKind::kProc, target);
  if (type == "sysfs") return bind_of("/sys", target, ro);
  if (type == "cgroup" || type == "cgroup2") return bind_of("/sys/fs/cgroup", target, ro);
  if (type == "devpts") {
    if (under(mounts, MountKind::kDev, target)) return std::nullopt;
    return bind_of("/dev/pts", target, ro);
  }
  if (type == "mqueue") return special(MountKind::kDir, target);
  return unsupported(field + ".type " + (type.empty() ? "(none)" : type) + " at " + target,
                                     "cocoon emulates bind, tmpfs, proc, sysfs, cgroup, devpts and mqueue");
}

// The host path the guest will find at `guest`, by the mounts so far (the
// last one that covers it) or the root; empty when a special mount covers
// it (nothing on the host to mask).
std::string host_path_of(const Bundle& b, const std::string& guest) {
  const auto& mounts = b.session.view.mounts;
  for (auto m = mounts.rbegin(); m != mounts.rend(); ++m) {
    if (guest != m->target && !guest.starts_with(m->target + "/")) continue;
    const std::string rest = guest.substr(m->target.size());
    if (m->kind == MountKind::kProc) return "/proc" + rest;
    if (m->kind == MountKind::kBind) return m->source + rest;
    return {};
  }
  return b.session.view.rootfs + guest;
}

// linux.maskedPaths: as runc masks them, /dev/null bound over a file, an
// empty read-only directory over a directory; paths the guest would not
// find are skipped. linux.readonlyPaths: bound again, read-only.
void map_masks(const json& linux_, Bundle& b) {
  auto each_existing = [&](const char* key, auto add) {
    if (!linux_.contains(key)) return;
    for (const json& p : linux_.at(key)) {
      const std::string guest = absolute_target(p.get<std::string>());
      const std::string host = host_path_of(b, guest);
      struct stat st {};
      if (host.empty() || ::lstat(host.c_str(), &st) != 0) continue;
      add(guest, host, S_ISDIR(st.st_mode));
    }
  };
  auto& mounts = b.session.view.mounts;
  each_existing("maskedPaths", [&](const std::string& guest, const std::string&, bool dir) {
    if (!dir) {
      mounts.push_back(bind_of("/dev/null", guest, true));
      return;
    }
    MountSpec m = special(MountKind::kDir, guest);
    m.read_only = true;
    mounts.push_back(m);
  });
  each_existing("readonlyPaths", [&](const std::string& guest, const std::string& host, bool) {
    mounts.push_back(bind_of(host, guest, true));
  });
}

}  // namespace

std::expected<void, OciError> map_mounts(const json& config, Bundle& b) {
  if (config.contains("mounts")) {
    const json& list = config.at("mounts");
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto m = map_mount(list.at(i), i, b);
      if (!m) return std::unexpected(m.error());
      if (*m) b.session.view.mounts.push_back(**m);
    }
  }
  if (config.contains("linux")) map_masks(config.at("linux"), b);
  return {};
}

}  // namespace cocoon::oci
