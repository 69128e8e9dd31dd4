// What every adversarial probe does once its route is (or is not) open:
// it goes for the host's secret, a file outside the guest's root given by
// its host path, and reports each attempt on stdout, one line each:
//   route NAME: open            the way around cocoon worked
//   route NAME: closed (ERRNO)  it was refused
//   read: CONTENT | read: ERRNO   write: ok | ERRNO   chmod/utime/xattr/stat...
// The test (tests/adversarial/adversarial.sh) judges by what happened to the
// file on the host and by whether its content shows up in the output; the
// lines are for the reader of a failure. Run natively, a probe must escape
// (its route open, the secret read and changed), or it proves nothing.
// Each probe defines _GNU_SOURCE before its first include.
#pragma once


#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

// Unbuffered, so lines from forked children land in order and none is lost
// when a process is killed.
static inline void say(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  (void)!write(STDOUT_FILENO, line, (size_t)n);
}

static inline const char* err_name(int err) {
  const char* n = strerrorname_np(err);
  return n ? n : "?";
}

static inline void route(const char* name, int ok, int err) {
  if (ok) {
    say("route %s: open\n", name);
  } else {
    say("route %s: closed (%s)\n", name, err_name(err));
  }
}

// Prints up to 200 bytes read from `fd`, as "LABEL: CONTENT".
static inline void show_contents(const char* label, int fd) {
  char buf[201];
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n < 0) {
    say("%s: %s\n", label, err_name(errno));
    return;
  }
  buf[n] = 0;
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] == '\n' || buf[i] == 0) buf[i] = ' ';
  }
  say("%s: %s\n", label, buf);
}

// Reads, writes, chmods, touches, sets an xattr on and stats `secret`.
static inline void attack(const char* secret) {
  int fd = open(secret, O_RDONLY);
  if (fd >= 0) {
    show_contents("read", fd);
    close(fd);
  } else {
    say("read: %s\n", err_name(errno));
  }
  fd = open(secret, O_WRONLY | O_APPEND);
  if (fd >= 0 && write(fd, "written by the guest\n", 21) == 21) {
    say("write: ok\n");
  } else {
    say("write: %s\n", err_name(errno));
  }
  if (fd >= 0) close(fd);
  say("chmod: %s\n", chmod(secret, 0666) == 0 ? "ok" : err_name(errno));
  const struct timespec times[2] = {{1, 0}, {1, 0}};
  say("utime: %s\n", utimensat(AT_FDCWD, secret, times, 0) == 0 ? "ok" : err_name(errno));
  say("xattr: %s\n", setxattr(secret, "user.cocoon", "guest", 5, 0) == 0 ? "ok" : err_name(errno));
  struct stat st;
  if (stat(secret, &st) == 0) {
    say("stat: ok (size %lld)\n", (long long)st.st_size);
  } else {
    say("stat: %s\n", err_name(errno));
  }
}
