// What the guest sees of the host's System V IPC objects (shmget, shmat,
// semget, msgget...: allowed, docs/threat-model.md). They are not files:
// they live in the IPC namespace, named by a key or an id, and a segment
// another process of the user made (an X client's MIT-SHM buffer, a
// database's shared memory) is there for the guest too, as under bwrap
// without --unshare-ipc. An emulated IPC namespace (--namespaces, the
// guest's own unshare -i) has keys of its own. "add" and "remove" run
// outside, "read" inside.
// Usage: sysvipc add KEY CONTENT | sysvipc read KEY | sysvipc remove KEY
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "probe.h"

enum { kSize = 4096 };

int main(int argc, char** argv) {
  const key_t key = argc >= 3 ? (key_t)strtol(argv[2], NULL, 0) : 0;
  if (argc == 4 && strcmp(argv[1], "add") == 0) {
    const int id = shmget(key, kSize, IPC_CREAT | IPC_EXCL | 0600);
    char* mem = id >= 0 ? shmat(id, NULL, 0) : (char*)-1;
    route("shm_add", mem != (char*)-1, errno);
    if (mem == (char*)-1) return 1;
    snprintf(mem, kSize, "%s", argv[3]);
    shmdt(mem);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "remove") == 0) {
    const int id = shmget(key, 0, 0);
    return id >= 0 && shmctl(id, IPC_RMID, NULL) == 0 ? 0 : 1;
  }
  if (argc != 3 || strcmp(argv[1], "read") != 0) {
    say("usage: sysvipc add KEY CONTENT | sysvipc read KEY | sysvipc remove KEY\n");
    return 2;
  }
  const int id = shmget(key, 0, 0);
  const char* mem = id >= 0 ? shmat(id, NULL, SHM_RDONLY) : (char*)-1;
  route("shm_key", mem != (char*)-1, errno);
  if (mem == (char*)-1) return 0;
  say("read: %.*s\n", kSize, mem);
  return 0;
}
