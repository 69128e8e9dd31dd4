#include "cocoon/tracer/error.h"

#include <cerrno>
#include <cstring>

namespace cocoon::tracer {

std::string Error::message() const {
  std::string m = what;
  if (err != 0) m += std::string(": ") + std::strerror(err);
  if (err == EPERM && what.find("ptrace") != std::string::npos) {
    m += " (ptrace is forbidden here: check /proc/sys/kernel/yama/ptrace_scope, "
         "a container's seccomp profile, or run under another tracer)";
  }
  if (err == EINVAL && what.find("seccomp") != std::string::npos) {
    m += " (the kernel lacks CONFIG_SECCOMP_FILTER; try --no-seccomp)";
  }
  return m;
}

}  // namespace cocoon::tracer
