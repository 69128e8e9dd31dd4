// A failure of the tracer itself (not an errno for the guest): what was being
// done, and the errno that stopped it.
#pragma once

#include <string>

namespace cocoon::tracer {

struct Error {
  int err = 0;
  std::string what;  // e.g. "ptrace(PTRACE_SEIZE) of the command"

  // "what: strerror(err)", plus a hint for the causes users actually hit.
  std::string message() const;
};

}  // namespace cocoon::tracer
