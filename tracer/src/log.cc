#include "cocoon/tracer/log.h"

namespace cocoon::tracer {

std::shared_ptr<spdlog::logger> module_logger(const std::string& module) {
  if (auto existing = spdlog::get(module)) return existing;
  auto logger = spdlog::default_logger()->clone(module);
  spdlog::register_logger(logger);
  return logger;
}

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = module_logger("tracer");
  return *logger;
}

}  // namespace cocoon::tracer
