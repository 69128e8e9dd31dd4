// `cocoon oci exec`: runc exec's shape over `cocoon enter` (the container
// is a run named by its id, docs/sandboxes.md): the command joins the
// container's view, identities and namespaces, traced by its cocoon.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cocoon/syscalls/sandboxes.h"
#include "containers.h"
#include "lifecycle.h"

namespace cocoon::oci {
namespace {

int fail(const OciError& e) {
  std::fprintf(stderr, "cocoon: %s\n", e.message.c_str());
  return e.status;
}

// The container's config.json, as its bundle holds it now.
std::expected<nlohmann::json, OciError> read_config(const std::string& bundle) {
  try {
    std::ifstream in(bundle + "/config.json");
    return nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    return std::unexpected(OciError(bundle + "/config.json: " + e.what()));
  }
}

// runc exec's environment: the container's process.env, each KEY=VALUE of
// `extra` replacing the KEY's entry or added after.
std::expected<std::vector<std::string>, OciError> exec_env(const nlohmann::json& config,
                                                           const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  try {
    env = config.at("process").value("env", std::vector<std::string>{});
  } catch (const std::exception& e) {
    return std::unexpected(OciError(std::string("config.json: process.env: ") + e.what()));
  }
  for (const std::string& kv : extra) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return std::unexpected(OciError("--env " + kv + ": not KEY=VALUE"));
    const std::string key = kv.substr(0, eq + 1);
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(key); });
    env.push_back(kv);
  }
  return env;
}

std::optional<std::uint32_t> parse_id(const std::string& s) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const unsigned long v = std::stoul(s);
  return v < 0xffffffffUL ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(v)) : std::nullopt;
}

// runc exec --user UID[:GID]: numbers only, as runc's; without GID, the
// container's process.user.gid (runc starts from the config's process).
std::expected<std::pair<uid_t, gid_t>, OciError> exec_ids(const nlohmann::json& config,
                                                         const std::string& user) {
  const auto colon = user.find(':');
  const auto uid = parse_id(user.substr(0, colon));
  std::optional<std::uint32_t> gid;
  if (colon != std::string::npos) {
    gid = parse_id(user.substr(colon + 1));
  } else {
    gid = config.at("process").at("user").value("gid", 0u);
  }
  if (!uid || !gid) return std::unexpected(OciError("--user " + user + ": not UID[:GID] (numbers)"));
  return std::pair<uid_t, gid_t>(*uid, *gid);
}

}  // namespace

int exec(const Globals& g, const std::string& id, const ExecOptions& o) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  // runc: "cannot exec in a stopped container"; a created one's process is
  // seized and waits before its exec (lifecycle.cc), so CMD can take its
  // state while it waits, as runc's exec joins a created container.
  const Status s = containers->status(*r);
  if (s != Status::kRunning && s != Status::kCreated) return fail(wrong_state(id, s, "created or running"));
  if (!o.cwd.empty() && o.cwd[0] != '/') return fail(OciError("--cwd " + o.cwd + ": not an absolute path"));
  const auto config = read_config(r->bundle);
  if (!config) return fail(config.error());
  auto env = exec_env(*config, o.env);
  if (!env) return fail(env.error());
  syscalls::EnterRequest request{id, std::nullopt, o.argv, std::move(*env), o.cwd, std::nullopt};
  if (!o.user.empty()) {
    try {
      auto ids = exec_ids(*config, o.user);
      if (!ids) return fail(ids.error());
      request.ids = *ids;
    } catch (const std::exception& e) {
      return fail(OciError(std::string("config.json: process.user: ") + e.what()));
    }
  }
  auto status = syscalls::enter_sandbox(request);
  if (!status) {
    const int code = status.error().status == syscalls::kEnterNoSuchRun ? kNoSuchContainer : status.error().status;
    return fail(OciError(status.error().message, code));
  }
  return *status;
}

}  // namespace cocoon::oci
