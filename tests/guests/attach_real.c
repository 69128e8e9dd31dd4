// PTRACE_SEIZE of and by tasks the kernel itself made not dumpable (not the
// guest's PR_SET_DUMPABLE 0, which cocoon emulates: nodump.c), whose
// /proc/PID files turn root's while the directory keeps the euid
// (task_dump_owner(), fs/proc/base.c). One line, "ok" or the errno's name,
// for comparison with a native run (tests/e2e/ptrace.sh).
//   attach_real drop   run as root: a child drops to nobody without an exec
//                      (not dumpable: suid_dumpable), a sibling that drops
//                      too seizes it: EPERM natively (the old check read the
//                      directory's owner and let it through)
//   attach_real child  run as nobody from an execute-only copy (not
//                      dumpable: would_dump(), fs/exec.c): it seizes its own
//                      child running sleep: ok natively (cocoon cannot read
//                      this task's /proc/PID/ns and must not refuse for that)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char* what, long r) {
  printf("%s: %s\n", what, r == 0 ? "ok" : strerrorname_np(errno));
  fflush(stdout);
}

static int drop_to_nobody(void) { return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534); }

static int dropped(void) {
  int ready[2];
  if (pipe(ready) != 0) return 1;
  const pid_t daemon = fork();
  if (daemon == 0) {
    if (drop_to_nobody()) _exit(1);
    (void)!write(ready[1], "d", 1);
    pause();
    _exit(0);
  }
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  const pid_t attacker = fork();
  if (attacker == 0) {
    if (drop_to_nobody()) _exit(1);
    say("nobody seizes a task that dropped root without an exec", ptrace(PTRACE_SEIZE, daemon, 0, 0));
    _exit(0);
  }
  waitpid(attacker, NULL, 0);
  kill(daemon, SIGKILL);
  waitpid(daemon, NULL, 0);
  return 0;
}

static int own_child(void) {
  int exec_done[2];
  if (pipe2(exec_done, O_CLOEXEC) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    execl("/bin/sleep", "sleep", "30", (char*)NULL);
    _exit(127);
  }
  // After its exec (EOF: the write end closed with it), when it is
  // dumpable; before it, a copy of this task's memory, as undumpable.
  close(exec_done[1]);
  char c;
  (void)!read(exec_done[0], &c, 1);
  say("a task not dumpable seizes its own child", ptrace(PTRACE_SEIZE, child, 0, 0));
  kill(child, SIGKILL);
  waitpid(child, NULL, __WALL);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "drop") == 0) return dropped();
  if (argc == 2 && strcmp(argv[1], "child") == 0) return own_child();
  fprintf(stderr, "usage: attach_real drop|child\n");
  return 2;
}
