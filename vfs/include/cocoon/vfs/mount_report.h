// The guest's mount table as /proc/PID/mounts and /proc/PID/mountinfo would
// show it (proc(5)): what mount(8), df and findmnt read to learn what is
// mounted. Host sources are not named (the guest sees "cocoon" devices),
// so the files reveal the guest's view, not the host's layout.
#pragma once

#include <string>

#include "cocoon/vfs/mount_table.h"

namespace cocoon::vfs {

// One line per mount, root first, parents before children:
// "DEVICE MOUNTPOINT TYPE OPTIONS 0 0".
std::string format_mounts(const MountTable& table);

// "ID PARENT-ID MAJOR:MINOR ROOT MOUNTPOINT OPTIONS - TYPE DEVICE SUPEROPTIONS",
// the parent being the mount that covers the mount point's parent directory.
std::string format_mountinfo(const MountTable& table);

}  // namespace cocoon::vfs
