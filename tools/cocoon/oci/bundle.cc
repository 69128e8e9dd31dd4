#include "bundle.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cocoon/syscalls/capability_names.h"

namespace cocoon::oci {
namespace {

using nlohmann::json;

// The runtime spec's rlimit names (config.md, "POSIX process"): each
// RLIMIT_* of getrlimit(2).
std::optional<int> rlimit_resource(const std::string& name) {
  static const std::map<std::string, int> kNames = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
  };
  const auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

std::expected<void, OciError> map_rlimits(const json& process, Bundle& b) {
  if (!process.contains("rlimits")) return {};
  for (const json& r : process.at("rlimits")) {
    const std::string type = r.value("type", "");
    const auto resource = rlimit_resource(type);
    if (!resource) return malformed("process.rlimits", "unknown type '" + type + "'");
    rlimit limit{};
    limit.rlim_cur = r.at("soft").get<std::uint64_t>();
    limit.rlim_max = r.at("hard").get<std::uint64_t>();
    b.session.tracer.rlimits.emplace_back(*resource, limit);
  }
  return {};
}

// process.capabilities as one set (cocoon's emulated credentials hold the
// same set in all five: IdentityOptions::capabilities): the effective one,
// else the bounding one.
std::expected<std::optional<std::uint64_t>, OciError> capability_set(const json& process) {
  if (!process.contains("capabilities")) return std::nullopt;
  const json& caps = process.at("capabilities");
  const char* set = caps.contains("effective") ? "effective" : "bounding";
  if (!caps.contains(set)) return std::nullopt;
  std::uint64_t bits = 0;
  for (const json& name : caps.at(set)) {
    const auto cap = syscalls::capability_from_name(name.get<std::string>());
    if (!cap) return malformed(std::string("process.capabilities.") + set, "unknown capability " + name.dump());
    bits |= std::uint64_t{1} << *cap;
  }
  return bits;
}

std::expected<void, OciError> map_process(const json& config, Bundle& b) {
  if (!config.contains("process")) return malformed("process", "missing (cocoon oci runs a process)");
  const json& p = config.at("process");
  for (const char* lsm : {"apparmorProfile", "selinuxLabel"}) {
    if (!p.value(lsm, std::string()).empty()) {
      return unsupported(std::string("process.") + lsm, "no security module labels");
    }
  }
  b.session.argv = p.value("args", std::vector<std::string>());
  if (b.session.argv.empty()) return malformed("process.args", "missing or empty");
  const std::string cwd = p.value("cwd", "/");
  if (!cwd.starts_with("/")) return malformed("process.cwd", "'" + cwd + "' is not absolute");
  b.session.view.cwd = cwd;
  b.session.tracer.env = p.value("env", std::vector<std::string>());
  b.terminal = p.value("terminal", false);
  if (p.contains("consoleSize")) {
    b.console_size = {p.at("consoleSize").at("height").get<unsigned short>(),
                      p.at("consoleSize").at("width").get<unsigned short>()};
  }
  // The command leaves the caller's session (runc's init calls setsid(2))
  // unless it keeps the caller's terminal.
  b.session.tracer.new_session = !b.terminal;
  if (p.contains("user") && p.at("user").contains("umask")) {
    b.umask = p.at("user").at("umask").get<unsigned>();
  }
  // noNewPrivileges: cocoon's guest always has it, since Landlock and an
  // unprivileged seccomp filter need it (prctl(2), PR_SET_NO_NEW_PRIVS).
  return map_rlimits(p, b);
}

std::expected<void, OciError> map_root(const json& config, Bundle& b) {
  if (!config.contains("root")) return malformed("root", "missing");
  const json& root = config.at("root");
  std::filesystem::path path = root.value("path", "");
  if (path.empty()) return malformed("root.path", "missing");
  if (path.is_relative()) path = std::filesystem::path(b.dir) / path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return malformed("root.path", path.string() + ": not a directory");
  }
  b.session.view.rootfs = path.string();
  b.session.view.rootfs_read_only = root.value("readonly", false);
  return {};
}

std::expected<void, OciError> refuse_hooks(const json& config) {
  if (!config.contains("hooks")) return {};
  for (const auto& [name, list] : config.at("hooks").items()) {
    if (!list.empty()) return unsupported("hooks." + name, "cocoon runs no hooks");
  }
  return {};
}

}  // namespace

std::expected<Bundle, OciError> bundle_from_config(const json& config, const std::string& dir) {
  Bundle b;
  b.dir = dir;
  try {
    const std::string version = config.value("ociVersion", "");
    if (!version.starts_with("1.")) return malformed("ociVersion", "'" + version + "' is not 1.x");
    if (auto r = refuse_hooks(config); !r) return std::unexpected(r.error());
    if (auto r = map_root(config, b); !r) return std::unexpected(r.error());
    if (auto r = map_process(config, b); !r) return std::unexpected(r.error());
    if (config.contains("hostname")) b.session.view.hostname = config.at("hostname").get<std::string>();
    if (config.contains("domainname")) b.session.view.domainname = config.at("domainname").get<std::string>();
    if (auto r = map_mounts(config, b); !r) return std::unexpected(r.error());
    if (auto r = map_linux(config, b); !r) return std::unexpected(r.error());
    auto caps = capability_set(config.at("process"));
    if (!caps) return std::unexpected(caps.error());
    if (*caps && b.session.view.identity) b.session.view.identity->capabilities = **caps;
    if (config.contains("annotations")) {
      b.annotations = config.at("annotations").get<std::map<std::string, std::string>>();
    }
  } catch (const json::exception& e) {
    // A field of the wrong type: nlohmann says which ("type must be
    // string, but is number").
    return std::unexpected(OciError("config.json: " + std::string(e.what())));
  }
  return b;
}

std::expected<Bundle, OciError> load_bundle(const std::string& dir) {
  std::error_code ec;
  const auto abs = std::filesystem::canonical(dir, ec);
  if (ec) return std::unexpected(OciError("bundle " + dir + ": " + ec.message()));
  const std::string file = (abs / "config.json").string();
  std::ifstream in(file);
  if (!in) return std::unexpected(OciError(file + ": " + std::strerror(errno)));
  json config = json::parse(in, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    return std::unexpected(OciError(file + ": not a JSON object"));
  }
  return bundle_from_config(config, abs.string());
}

}  // namespace cocoon::oci
