// What the guest sees of the user's keyrings (add_key, request_key,
// keyctl: allowed, docs/threat-model.md). Keys are not files: a key the
// user's other processes put in the user keyring (@u) is there for the
// guest too, as under bwrap. "add" runs outside, "read" inside.
// Usage: keyring add DESCRIPTION CONTENT | keyring read DESCRIPTION
#define _GNU_SOURCE
#include <linux/keyctl.h>
#include <sys/syscall.h>

#include "probe.h"

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "add") == 0) {
    const long id = syscall(SYS_add_key, "user", argv[2], argv[3], strlen(argv[3]), KEY_SPEC_USER_KEYRING);
    route("add_key", id >= 0, errno);
    return id >= 0 ? 0 : 1;
  }
  if (argc != 3 || strcmp(argv[1], "read") != 0) {
    say("usage: keyring add DESCRIPTION CONTENT | keyring read DESCRIPTION\n");
    return 2;
  }
  const long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", argv[2], 0);
  route("user_keyring", id >= 0, errno);
  if (id < 0) return 0;
  char buf[201];
  const long n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf - 1);
  if (n < 0) {
    say("read: %s\n", err_name(errno));
    return 0;
  }
  buf[n < (long)sizeof buf - 1 ? n : (long)sizeof buf - 1] = 0;
  say("read: %s\n", buf);
  return 0;
}
