#include "front_ends.h"

#include <cstdio>

namespace cocoon::tools {

vfs::MountSpec bind_spec(const std::string& value, bool read_only, bool optional) {
  vfs::MountSpec m;
  const auto colon = value.find(':');
  m.source = value.substr(0, colon);
  m.target = colon == std::string::npos ? m.source : value.substr(colon + 1);
  m.read_only = read_only;
  m.optional = optional;
  return m;
}

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
