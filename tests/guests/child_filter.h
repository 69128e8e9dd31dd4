// A tracee child's own seccomp filter, as the tracer guests install it
// (secfilter.c, secjudge.c): no_new_privs, then seccomp(2); a failure is
// printed and ends the child with status 11.
#pragma once

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void install_child_filter(struct sock_filter *prog, unsigned short len) {
  struct sock_fprog fprog = {len, prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
    printf("child: filter: %s\n", strerror(errno));
    _exit(11);
  }
}
