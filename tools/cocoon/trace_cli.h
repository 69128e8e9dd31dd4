// `cocoon trace`: the run options plus the teaching view's own (-o, --json,
// -c, -e trace=SET, --all, -k, --disasm, -p PID).
#pragma once

#include <sys/types.h>

#include <string>

#include "cocoon/syscalls/session.h"

namespace CLI {
class App;
}

namespace cocoon::tools {

struct TraceCliOptions {
  std::string output;  // -o FILE; empty: stderr
  std::string expr;    // -e trace=SET
  bool json = false, summary = false, all = false, stack = false, disasm = false;
  pid_t attach = 0;    // -p PID
};

void add_trace_options(CLI::App* cmd, TraceCliOptions& o);
// Runs `session` (or attaches to o.attach) under the view.
int trace_main(const syscalls::Session& session, const TraceCliOptions& o);

}  // namespace cocoon::tools
