// Route: a seccomp listener of the guest's own. A filter returning
// SECCOMP_RET_USER_NOTIF outranks cocoon's SECCOMP_RET_TRACE (the kernel
// takes the highest-precedence action of all filters), and a supervisor
// answering SECCOMP_USER_NOTIF_FLAG_CONTINUE lets the call run as the guest
// made it: untranslated. Usage: unotify SECRET
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "probe.h"

static int listener = -1;
static int ready[2];

// Continues every notified call of the main thread.
static void* supervise(void* arg) {
  (void)arg;
  char go;
  if (read(ready[0], &go, 1) != 1 || listener < 0) return NULL;
  for (;;) {
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    say("usage: unotify SECRET\n");
    return 2;
  }
  pthread_t t;
  if (pipe(ready) != 0 || pthread_create(&t, NULL, supervise, NULL) != 0) return 1;
  // Every call of this thread goes to the listener, but those that end it
  // or that its output and the thread's wake-up need.
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                          &fprog);
  const int err = errno;
  route("seccomp_listener", listener >= 0, err);
  if (write(ready[1], "g", 1) != 1) return 1;
  attack(argv[1]);
  // The supervisor is blocked in the listener; exit_group ends it.
  exit(0);
}
