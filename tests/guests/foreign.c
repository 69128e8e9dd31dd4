// A program of another architecture, built by the cross compilers (aarch64,
// riscv64) and run on an x86-64 host under `cocoon run -q qemu-ARCH-static`
// (tests/e2e/foreign.sh). It prints what a guest must see of itself: its
// machine (uname -m), argv[0], /proc/self/exe, AT_EXECFN, its uid, pid and
// node name, the
// variable qemu's -E sets (only cocoon's routing passes that option: a
// kernel binfmt_misc handler would not), then a thread, a signal, and a
// child it forks and execs, and the keys of /proc/cpuinfo's first entry
// (each machine's kernel has its own: x86 "vendor_id", arm64 "BogoMIPS"): `foreign exec PROGRAM [ARGV0 [ARGS...]]` execs
// PROGRAM with argv[0] ARGV0 (default "child") and ARGS, and waits for it.
// Other arguments (a script's path, when it is a "#!" interpreter) are
// ignored.
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

// The keys of /proc/cpuinfo's first entry, comma-separated ("(none)": no file).
static void print_cpu_keys(const char* me) {
  FILE* f = fopen("/proc/cpuinfo", "r");
  printf("%s cpu-keys=", me);
  if (f == NULL) {
    printf("(none)\n");
    return;
  }
  char line[4096];
  for (int first = 1; fgets(line, sizeof line, f) != NULL && line[0] != '\n'; first = 0) {
    char* colon = strchr(line, ':');
    if (colon == NULL) continue;
    while (colon > line && (colon[-1] == ' ' || colon[-1] == '\t')) --colon;
    printf("%s%.*s", first ? "" : ",", (int)(colon - line), line);
  }
  printf("\n");
  fclose(f);
}

static void on_usr1(int sig) { got_signal = sig; }

static void* in_thread(void* arg) {
  *(pid_t*)arg = getpid();
  return NULL;
}

int main(int argc, char** argv) {
  struct utsname u;
  if (uname(&u) != 0) return 10;
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  const char* routed = getenv("COCOON_FOREIGN_ROUTED");
  const char* me = argc > 0 ? argv[0] : "(none)";
  printf("%s machine=%s\n", me, u.machine);
  printf("%s argv0=%s\n", me, me);
  printf("%s exe=%s\n", me, exe);
  printf("%s execfn=%s\n", me, execfn ? execfn : "(none)");
  printf("%s uid=%u\n", me, (unsigned)getuid());
  printf("%s pid=%d node=%s\n", me, (int)getpid(), u.nodename);
  printf("%s routed=%s\n", me, routed ? routed : "(unset)");

  pid_t in = 0;
  pthread_t t;
  if (pthread_create(&t, NULL, in_thread, &in) != 0 || pthread_join(t, NULL) != 0) return 11;
  printf("%s thread=%s\n", me, in == getpid() ? "same-process" : "other");
  signal(SIGUSR1, on_usr1);
  kill(getpid(), SIGUSR1);
  printf("%s signal=%d\n", me, (int)got_signal);
  print_cpu_keys(me);
  fflush(stdout);

  if (argc < 3 || strcmp(argv[1], "exec") != 0) return 0;
  const pid_t child = fork();
  if (child < 0) return 12;
  if (child == 0) {
    char* only[] = {"child", NULL};
    execv(argv[2], argc > 3 ? argv + 3 : only);
    perror("execv");
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return 13;
  printf("%s child-status=%d\n", me, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
