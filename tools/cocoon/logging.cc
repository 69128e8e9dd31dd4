#include "logging.h"

#include <fcntl.h>

#include <cstdio>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace cocoon::tools {

std::optional<std::string> setup_logging(std::string level, const std::string& file) {
  if (level.empty()) {
    const char* env = std::getenv("COCOON_LOG_LEVEL");
    level = env != nullptr && *env != '\0' ? env : "warn";
  }
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return "unknown log level '" + level + "' (trace, debug, info, warn, error, critical, off)";
  }
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (file.empty()) {
      logger = std::make_shared<spdlog::logger>(
          "cocoon", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else {
      // The log must never land on a guest's descriptors: the file is
      // opened close-on-exec, so exec'd guests do not inherit it.
      spdlog::file_event_handlers handlers;
      handlers.after_open = [](const spdlog::filename_t&, std::FILE* f) {
        fcntl(fileno(f), F_SETFD, FD_CLOEXEC);
      };
      logger = std::make_shared<spdlog::logger>(
          "cocoon",
          std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, false, handlers));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return "cannot open log file '" + file + "': " + e.what();
  }
  logger->set_pattern(std::getenv("COCOON_LOG_TIME") ? "%H:%M:%S.%f cocoon[%n] %l: %v" : "cocoon[%n] %l: %v");
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return std::nullopt;
}

}  // namespace cocoon::tools
