// bwrap's --info-fd and --json-status-fd for `cocoon bwrap`
// (bwrap_cli.cc): the check made before the run and the report written
// once the command runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cocoon::tools {

// bwrap's line for a report descriptor cocoon cannot write to (closed, or
// open for reading only); nullopt when both (-1: not given) are fine.
std::optional<std::string> unwritable_report_fd(int info_fd, int json_status_fd);

// The report, to each descriptor given (-1: none); info_fd is closed after.
void report_launch(int info_fd, int json_status_fd, pid_t pid,
                   const std::vector<std::pair<std::string, std::uint64_t>>& ids,
                   const std::set<std::string>& made);

}  // namespace cocoon::tools
