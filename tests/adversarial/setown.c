// Route: the kernel signalling cocoon for the guest. The owner of a
// descriptor's SIGIO and SIGURG (fcntl F_SETOWN, F_SETOWN_EX, ioctl
// FIOSETOWN, SIOCSPGRP) is signalled by the kernel itself when I/O is
// possible (with O_ASYNC, or F_SETSIG's choice of signal): naming the
// guest's parent (cocoon) would let the guest stop or kill it. Each
// command is tried on a socket with the parent as owner, and then with the
// probe itself, which must keep working ("own": F_GETOWN reads it back).
// Usage: setown
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "probe.h"

static int socket_fd(void) {
  int sv[2];
  return socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? sv[0] : -1;
}

// Sets `owner` as the owner of a fresh socket by `how`; 0 or an errno.
static int set_owner(const char* how, pid_t owner, pid_t* read_back) {
  const int fd = socket_fd();
  if (fd < 0) return errno;
  long r;
  if (strcmp(how, "fcntl_setown") == 0) {
    r = fcntl(fd, F_SETOWN, owner);
  } else if (strcmp(how, "fcntl_setown_ex") == 0) {
    struct f_owner_ex ex = {F_OWNER_PID, owner};
    r = fcntl(fd, F_SETOWN_EX, &ex);
  } else {
    int who = owner;
    r = ioctl(fd, strcmp(how, "fiosetown") == 0 ? FIOSETOWN : SIOCSPGRP, &who);
  }
  const int err = r == 0 ? 0 : errno;
  *read_back = fcntl(fd, F_GETOWN);
  close(fd);
  return err;
}

int main(void) {
  const char* hows[] = {"fcntl_setown", "fcntl_setown_ex", "fiosetown", "siocspgrp"};
  int own_ok = 0;
  for (unsigned i = 0; i < sizeof hows / sizeof *hows; i++) {
    pid_t got = 0;
    const int err = set_owner(hows[i], getppid(), &got);
    route(hows[i], err == 0 && got == getppid(), err ? err : ESRCH);
    if (set_owner(hows[i], getpid(), &got) == 0 && got == getpid()) own_ok++;
  }
  say("own: %d of 4\n", own_ok);
  return 0;
}
