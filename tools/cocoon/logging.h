#pragma once

#include <optional>
#include <string>

namespace cocoon::tools {

// Sends every module's logger to stderr, or to `file` when given, at `level`
// (spdlog names: trace debug info warn error critical off). The level comes
// from --log-level, else $COCOON_LOG_LEVEL, else warn. Returns an error line
// for a bad level or an unwritable file.
std::optional<std::string> setup_logging(std::string level, const std::string& file);

}  // namespace cocoon::tools
