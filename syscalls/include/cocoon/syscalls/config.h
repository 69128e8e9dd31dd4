// What the user asked the guest to see. Front ends fill it; make_handlers()
// turns it into the handlers that produce that view.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cocoon/vfs/mount_setup.h"

namespace cocoon::syscalls {

struct RunConfig {
  // uname()'s nodename (UTS namespace emulation).
  std::optional<std::string> hostname;
  // The guest's root directory (-r); empty: the host's /.
  std::string rootfs;
  // Mounts in command-line order (-b, --ro-bind, --tmpfs, ...); a kTmpfs or
  // kDir spec's source is filled in by the session (a scratch directory).
  std::vector<vfs::MountSpec> mounts;
  // The guest's working directory (-w); unset: cocoon's own when the guest
  // can see it, else "/".
  std::optional<std::string> cwd;
  // Confine the guest with Landlock to the root's and the mounts' host trees
  // when there is a view to confine it to (--no-landlock turns it off).
  bool landlock = true;
};

}  // namespace cocoon::syscalls
