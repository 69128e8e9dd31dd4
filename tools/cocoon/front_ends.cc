#include "front_ends.h"

#include <cstdio>

namespace cocoon::tools {

int fail(const std::string& line) {
  std::fprintf(stderr, "cocoon: %s\n", line.c_str());
  return kCocoonFailed;
}

int run(const syscalls::Session& session) {
  auto status = syscalls::run_session(session);
  if (!status) return fail(status.error());
  return *status;
}

}  // namespace cocoon::tools
