// Route: a mount of the guest's own that names host paths. In a user and
// mount namespace of its own the guest may create a filesystem context
// (fsopen) whose options the kernel resolves as host paths: an overlay
// whose lower layers are the secret's directory. The detached mount
// (fsmount) is then reached through its descriptor, not through a path
// cocoon translates. Usage: mountapi SECRET EMPTY_DIR
#define _GNU_SOURCE
#include <libgen.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "probe.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    say("usage: mountapi SECRET EMPTY_DIR\n");
    return 2;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", argv[1]);
  const char* name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    route("userns", 0, errno);
    return 0;
  }
  const int fs = (int)syscall(SYS_fsopen, "overlay", 0);
  route("fsopen", fs >= 0, errno);
  if (fs < 0) return 0;
  char lower[8300];
  snprintf(lower, sizeof lower, "%s:%s", dirname(dir), argv[2]);
  const long set = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0);
  const long made = set == 0 ? syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) : -1;
  const int mnt = made == 0 ? (int)syscall(SYS_fsmount, fs, 0, 0) : -1;
  route("fsmount", mnt >= 0, errno);
  if (mnt < 0) return 0;
  const int fd = openat(mnt, name, O_RDONLY);
  if (fd >= 0) {
    show_contents("read", fd);
  } else {
    say("read: %s\n", err_name(errno));
  }
  return 0;
}
