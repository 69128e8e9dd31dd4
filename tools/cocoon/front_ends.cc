#include "front_ends.h"

#include <cstdlib>
#include <cstdio>
#include <string>
#include <utility>

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

OptionWord split_option(const std::string& word, std::string_view short_with_values) {
  if (word.starts_with("--")) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) return {word, std::nullopt};
    return {word.substr(0, eq), word.substr(eq + 1)};
  }
  if (word.size() > 2 && short_with_values.find(word[1]) != std::string_view::npos) {
    return {word.substr(0, 2), word.substr(2)};
  }
  return {word, std::nullopt};
}

namespace {
std::string& invoked_name() {
  static std::string name;
  return name;
}
}  // namespace

void set_invoked_as(std::string name) { invoked_name() = std::move(name); }
const std::string& invoked_as() { return invoked_name(); }

int fail(const std::string& line) {
  std::fprintf(stderr, "cocoon: %s\n", line.c_str());
  return kCocoonFailed;
}

void no_seccomp_from_env(syscalls::Session& session) {
  if (std::getenv("COCOON_NO_SECCOMP") != nullptr) session.tracer.use_seccomp = false;
}

int run(const syscalls::Session& session) {
  auto status = syscalls::run_session(session);
  if (!status) {
    fail(status.error().message);
    return status.error().status;
  }
  return *status;
}

}  // namespace cocoon::tools
