// A guest with a seccomp filter of its own that knows nothing of Landlock
// (or of syscall -1) makes a user and network namespace, which works
// natively. Under cocoon --namespaces its namespace gets no injected
// Landlock scope (its filter would judge cocoon's calls): the unshare
// works as natively (docs/internals/event-loop.md, the injection's limits).
// Usage: netnsfilter kill|enosys landlock|minus1
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: netnsfilter kill|enosys landlock|minus1\n");
    return 2;
  }
  unsigned deny = strcmp(argv[1], "kill") == 0 ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | ENOSYS;
  unsigned nr = strcmp(argv[2], "minus1") == 0 ? 0xffffffffu : SYS_landlock_create_ruleset;
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, deny),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog p = {4, f};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) != 0) { perror("seccomp"); return 1; }
  if (unshare(argc > 3 ? CLONE_NEWUSER : CLONE_NEWUSER | CLONE_NEWNET) != 0) { printf("unshare: %s\n", strerror(errno)); return 1; }
  printf("unshare ok\n");
  return 0;
}
