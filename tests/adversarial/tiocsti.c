// Route: input pushed into a terminal the guest shares with the user's
// shell. TIOCSTI queues bytes as if typed (TIOCLINUX's selection paste does
// the same on a virtual console), which the shell reads after the run: a
// command run outside cocoon. The probe makes a terminal of its own (a
// pseudo-terminal whose slave becomes its controlling terminal in a new
// session, as the user's terminal is the shell's) and pushes a line into it.
// Linux 6.2+ refuses TIOCSTI to unprivileged callers when
// dev.tty.legacy_tiocsti is 0. Usage: tiocsti
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "probe.h"

int main(void) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    say("pty: %s\n", err_name(errno));
    return 1;
  }
  const char* name = ptsname(master);
  const pid_t child = fork();
  if (child == 0) {
    setsid();
    const int tty = open(name, O_RDWR);  // the session's controlling terminal
    if (tty < 0) {
      say("open %s: %s\n", name, err_name(errno));
      _exit(1);
    }
    const char* line = "echo pushed\n";
    int pushed = 0, err = 0;
    for (const char* c = line; *c; c++) {
      if (ioctl(tty, TIOCSTI, c) == 0) {
        pushed++;
      } else {
        err = errno;
      }
    }
    route("tiocsti", pushed > 0, err);
    char sel[2] = {3, 0};  // TIOCL_PASTESEL: no console here, so only refused or not
    const long r = ioctl(tty, TIOCLINUX, sel);
    say("tioclinux: %s\n", r == 0 ? "ok" : err_name(errno));
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
