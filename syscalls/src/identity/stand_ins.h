// Files cocoon makes to stand for kernel objects a guest cannot have: an
// emulated namespace's /proc/PID/ns/KIND is an empty file of cocoon's
// (namespaces/ns_files.h), which stat(2) must show as the namespace's nsfs
// inode (st_ino the number readlink gives, nsfs's st_dev), since lsns and
// nsenter compare namespaces by it. identity/ owns the interface because
// FileOwners answers the stat family where ids are emulated; namespaces/
// implements it.
#pragma once

#include <sys/stat.h>

namespace cocoon::syscalls {

class StandInFiles {
 public:
  virtual ~StandInFiles() = default;
  // Rewrites `sx` (the host's statx of a file) into what the kernel would
  // show of the object the file stands for; false (unchanged) for any
  // other file.
  virtual bool dress(struct statx& sx) const = 0;
};

}  // namespace cocoon::syscalls
