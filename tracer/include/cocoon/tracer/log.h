// One spdlog logger per module. The front end configures sinks and level on
// spdlog's default logger before the run; each module's logger is cloned from
// it on first use, so it writes where cocoon writes (stderr or --log-file),
// never to the guest's descriptors.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace cocoon::tracer {

std::shared_ptr<spdlog::logger> module_logger(const std::string& module);
spdlog::logger& log();  // the "tracer" logger

}  // namespace cocoon::tracer
