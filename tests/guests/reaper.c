// Test harness, not a guest: runs a command as a child subreaper and, once
// the command has exited, reports every process still left below it. cocoon
// is itself a subreaper; if it exits leaving a process or a zombie behind,
// that process is reparented here, so "nothing left" is checked exactly
// rather than by name.
//
// Usage: reaper [-r REPORT] [-p PIDFILE] [-g GRACE_MS] -- CMD ARGS...
//   -p: the command's pid is written to PIDFILE (to signal cocoon itself)
//   -g: after the command exits, how long leftovers may take to go away
//       (default 0: none may be left at all)
//   -r: where leftovers are reported, one line each (default stderr); they
//       are then SIGKILLed and reaped so no test leaks them.
// Exit status: the command's, or 128+N if signal N killed it (as a shell).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// For a leftover's report, what it was doing: /proc/PID/FILE's first line,
// or the rest of its line starting with KEY; "?" if unreadable. A process
// that vanished between the reads reads "?" everywhere.
static void read_field(long pid, const char* file, const char* key, char* out, size_t size) {
  char path[64], line[256];
  snprintf(out, size, "?");
  snprintf(path, sizeof path, "/proc/%ld/%s", pid, file);
  FILE* f = fopen(path, "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (key && strncmp(line, key, strlen(key)) != 0) continue;
    const char* v = line + (key ? strlen(key) : 0);
    while (*v == ' ' || *v == '\t') v++;
    snprintf(out, size, "%.*s", (int)strcspn(v, "\n"), v);
    if (!*out) snprintf(out, size, "-");
    break;
  }
  fclose(f);
}

// Walks our children (by the ppid field of /proc/PID/stat). With `report`,
// writes one "pid state comm cmdline (what it waits in)" line per child; with `kill_them`,
// SIGKILLs them. Returns how many there are.
static int children(FILE* report, int kill_them) {
  DIR* d = opendir("/proc");
  if (!d) return 0;
  int n = 0;
  const pid_t self = getpid();
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    char* end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    char* rp = strrchr(buf, ')');
    char state;
    long ppid;
    if (!rp || sscanf(rp + 2, "%c %ld", &state, &ppid) != 2 || ppid != self) continue;
    n++;
    // Read before the kill: a killed process's mm goes first (cmdline
    // reads empty) and its wchan and syscall say only that it exits.
    if (report) {
      char cmd[256] = "";
      snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
      if ((f = fopen(path, "r")) != NULL) {
        size_t c = fread(cmd, 1, sizeof cmd - 1, f);
        fclose(f);
        cmd[c] = 0;
        for (size_t i = 0; i + 1 < c; i++)
          if (!cmd[i]) cmd[i] = ' ';
      }
      *rp = 0;
      char wchan[128], sys[128], tracer[64], threads[64];
      read_field(pid, "wchan", NULL, wchan, sizeof wchan);
      read_field(pid, "syscall", NULL, sys, sizeof sys);
      read_field(pid, "status", "TracerPid:", tracer, sizeof tracer);
      read_field(pid, "status", "Threads:", threads, sizeof threads);
      fprintf(report,
              "leftover pid %ld state %c comm %s cmdline '%s' (wchan %s, syscall %s, "
              "tracer %s, threads %s)\n",
              pid, state, strchr(buf, '(') + 1, cmd, wchan, sys, tracer, threads);
    }
    if (kill_them) kill((pid_t)pid, SIGKILL);
  }
  closedir(d);
  return n;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char** argv) {
  const char *report_path = NULL, *pid_path = NULL;
  long grace_ms = 0;
  int opt;
  while ((opt = getopt(argc, argv, "+r:p:g:")) != -1) {
    switch (opt) {
      case 'r': report_path = optarg; break;
      case 'p': pid_path = optarg; break;
      case 'g': grace_ms = atol(optarg); break;
      default: return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "usage: reaper [-r REPORT] [-p PIDFILE] [-g MS] -- CMD...\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    perror("reaper: PR_SET_CHILD_SUBREAPER");
    return 2;
  }
  // Ctrl-C and Ctrl-\ at a terminal go to the whole foreground process group:
  // they are meant for the command, not for the harness.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    execvp(argv[optind], argv + optind);
    fprintf(stderr, "reaper: %s: %s\n", argv[optind], strerror(errno));
    _exit(127);
  }
  if (pid_path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", pid_path);
    FILE* f = fopen(tmp, "w");
    if (f) {
      fprintf(f, "%ld\n", (long)child);
      fclose(f);
      rename(tmp, pid_path);
    }
  }
  int st = 0;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
  int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);

  // Leftovers: give them the grace period to exit (reaping as they do), then
  // report and kill what remains. A zombie counts: it is reaped here only
  // after being reported.
  for (long waited = 0; waited < grace_ms; waited += 10) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    if (children(NULL, 0) == 0) break;
    sleep_ms(10);
  }
  FILE* report = stderr;
  if (report_path && (report = fopen(report_path, "a")) == NULL) report = stderr;
  if (children(report, 1) > 0) {
    // Killed processes' own children are reparented here in turn.
    for (int round = 0; round < 500 && children(NULL, 1) > 0; round++) {
      while (waitpid(-1, NULL, WNOHANG) > 0) {}
      sleep_ms(10);
    }
  }
  if (report != stderr) fclose(report);
  return status;
}
