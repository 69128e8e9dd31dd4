// How `cocoon oci` fails: one line and an exit status of its own per kind,
// beside cocoon's usual 125 (docs/sandboxes.md, "OCI bundles").
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace cocoon::oci {

inline constexpr int kUnsupported = 120;  // config.json asks for what cocoon cannot emulate
inline constexpr int kExists = 122;       // create/run: the id is taken
inline constexpr int kNoSuchContainer = 123;
inline constexpr int kWrongState = 119;   // start of a running one, kill of a stopped one...
inline constexpr int kFailed = 125;       // anything else: a malformed bundle, cocoon's own failure

struct OciError {
  std::string message;  // one line, without "cocoon: "
  int status = kFailed;
  OciError(std::string m, int s = kFailed) : message(std::move(m)), status(s) {}  // NOLINT: implicit
};

// "FIELD: not supported by cocoon (WHY)", status kUnsupported.
inline std::unexpected<OciError> unsupported(const std::string& field, const std::string& why) {
  return std::unexpected(OciError("config.json: " + field + ": not supported by cocoon (" + why + ")", kUnsupported));
}
// "FIELD: WHAT", status kFailed: the bundle is malformed.
inline std::unexpected<OciError> malformed(const std::string& field, const std::string& what) {
  return std::unexpected(OciError("config.json: " + field + ": " + what));
}

}  // namespace cocoon::oci
