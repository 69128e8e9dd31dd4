// What the user asked the guest to see. Front ends fill it; make_handlers()
// turns it into the handlers that produce that view.
#pragma once

#include <optional>
#include <string>

namespace cocoon::syscalls {

struct RunConfig {
  // uname()'s nodename (UTS namespace emulation; see docs/features.md).
  std::optional<std::string> hostname;
};

}  // namespace cocoon::syscalls
