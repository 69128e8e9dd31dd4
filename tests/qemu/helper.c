// Test helper of the qemu harness (tests/qemu), for what busybox lacks. The
// initramfs has busybox only: no setpriv --reuid, no pgrep.
//
//   helper asuser UID GID CMD ARGS...  drops every group and runs CMD as
//                                      UID:GID (setgroups, setgid, setuid,
//                                      in that order, as setpriv does)
//   helper pgrep [-c] PATTERN          the processes, other than itself,
//                                      whose command line (arguments joined
//                                      by spaces) contains PATTERN, or
//                                      starts with it if PATTERN begins
//                                      with '^': one "pid cmdline" line
//                                      each, or their count with -c.
//                                      Exit status 0 if any matched.
//   helper landlock-abi                this kernel's Landlock ABI, asked
//                                      directly (landlock_create_ruleset
//                                      with LANDLOCK_CREATE_RULESET_VERSION);
//                                      0 without Landlock.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int asuser(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: helper asuser UID GID CMD ARGS...\n");
    return 2;
  }
  uid_t uid = (uid_t)strtoul(argv[2], NULL, 10);
  gid_t gid = (gid_t)strtoul(argv[3], NULL, 10);
  if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
    perror("helper asuser");
    return 125;
  }
  execvp(argv[4], argv + 4);
  fprintf(stderr, "helper asuser: %s: %s\n", argv[4], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}

// Reads /proc/PID/cmdline into buf with NULs turned into spaces (trailing
// ones dropped). Returns 0 for a kernel thread or a vanished process.
static size_t read_cmdline(long pid, char* buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
  FILE* f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, size - 1, f);
  fclose(f);
  while (n > 0 && buf[n - 1] == '\0') n--;
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '\0') buf[i] = ' ';
  buf[n] = '\0';
  return n;
}

static int pgrep(int argc, char** argv) {
  int count_only = 0, i = 2;
  if (i < argc && strcmp(argv[i], "-c") == 0) {
    count_only = 1;
    i++;
  }
  if (i + 1 != argc) {
    fprintf(stderr, "usage: helper pgrep [-c] PATTERN\n");
    return 2;
  }
  const char* pattern = argv[i];
  int anchored = pattern[0] == '^';
  if (anchored) pattern++;
  DIR* d = opendir("/proc");
  if (!d) return 2;
  const long self = (long)getpid();
  int matched = 0;
  struct dirent* e;
  static char cmd[65536];
  while ((e = readdir(d)) != NULL) {
    char* end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == self) continue;
    if (read_cmdline(pid, cmd, sizeof cmd) == 0) continue;
    int hit = anchored ? strncmp(cmd, pattern, strlen(pattern)) == 0 : strstr(cmd, pattern) != NULL;
    if (!hit) continue;
    matched++;
    if (!count_only) printf("%ld %s\n", pid, cmd);
  }
  closedir(d);
  if (count_only) printf("%d\n", matched);
  return matched ? 0 : 1;
}

static int landlock_abi(void) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL /* ..._VERSION */);
  printf("%ld\n", abi > 0 ? abi : 0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "landlock-abi") == 0) return landlock_abi();
  if (argc >= 2 && strcmp(argv[1], "asuser") == 0) return asuser(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "pgrep") == 0) return pgrep(argc, argv);
  fprintf(stderr, "usage: helper asuser UID GID CMD... | helper pgrep [-c] PATTERN | helper landlock-abi\n");
  return 2;
}
