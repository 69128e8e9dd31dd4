// `cocoon oci exec`: runc exec's shape over `cocoon enter` (the container
// is a run named by its id, docs/sandboxes.md): the command joins the
// container's view, identities and namespaces, traced by its cocoon.
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

// runc exec's environment: the container's process.env, each KEY=VALUE of
// `extra` replacing the KEY's entry or added after.
std::expected<std::vector<std::string>, OciError> exec_env(const std::string& bundle,
                                                           const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  try {
    std::ifstream in(bundle + "/config.json");
    const auto config = nlohmann::json::parse(in);
    env = config.at("process").value("env", std::vector<std::string>{});
  } catch (const std::exception& e) {
    return std::unexpected(OciError(bundle + "/config.json: " + e.what()));
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

}  // namespace

int exec(const Globals& g, const std::string& id, const ExecOptions& o) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  // runc: "cannot exec in a stopped container". runc also execs into a
  // created one; cocoon cannot yet: the created container's process is
  // held before cocoon seizes it (lifecycle.cc), so the run has no traced
  // process whose state an entered command could take.
  const Status s = containers->status(*r);
  if (s != Status::kRunning) {
    return fail(wrong_state(id, s, std::string("running") +
                                       (s == Status::kCreated ? " (cocoon execs into a started container only)" : "")));
  }
  auto env = exec_env(r->bundle, o.env);
  if (!env) return fail(env.error());
  auto status = syscalls::enter_sandbox({id, std::nullopt, o.argv, std::move(*env)});
  if (!status) {
    const int code = status.error().status == syscalls::kEnterNoSuchRun ? kNoSuchContainer : status.error().status;
    return fail(OciError(status.error().message, code));
  }
  return *status;
}

}  // namespace cocoon::oci
