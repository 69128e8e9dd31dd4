// An OCI runtime bundle (a directory holding config.json and the root it
// names) turned into a cocoon Session: what each field of the runtime
// spec's config.json becomes, or a refusal naming the field
// (docs/sandboxes.md, "OCI bundles").
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "cocoon/syscalls/session.h"
#include "errors.h"

namespace cocoon::oci {

struct Bundle {
  std::string dir;  // absolute
  syscalls::Session session;
  // process.terminal: the command keeps the caller's terminal (`run` in
  // the foreground); false: a session of its own, without one.
  bool terminal = false;
  // process.consoleSize, {height, width}: the window size of the terminal
  // a --console-socket receives.
  std::optional<std::pair<unsigned short, unsigned short>> console_size;
  std::optional<unsigned> umask;  // process.user.umask
  std::map<std::string, std::string> annotations;
};

// Reads DIR/config.json.
std::expected<Bundle, OciError> load_bundle(const std::string& dir);
// The mapping itself, for a parsed config.json of the bundle in `dir`.
std::expected<Bundle, OciError> bundle_from_config(const nlohmann::json& config,
                                                   const std::string& dir);

// The parts, one file each (bundle_mounts.cc, bundle_linux.cc): they fill
// `b` from their fields of `config`.
std::expected<void, OciError> map_mounts(const nlohmann::json& config, Bundle& b);
std::expected<void, OciError> map_linux(const nlohmann::json& config, Bundle& b);

}  // namespace cocoon::oci
