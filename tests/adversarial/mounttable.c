// Route: the host's mount table. listmount and statmount (Linux 6.8) list
// every mount of the caller's mount namespace and tell its mount point and
// source in host terms: names a view does not show. No secret is read;
// the routes are the test. Usage: mounttable
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>

#include "probe.h"

#ifndef SYS_statmount
#define SYS_statmount 457  // the same number on every architecture
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif

// struct mnt_id_req of linux/mount.h, its first version (24 bytes).
struct mount_request {
  uint32_t size;
  uint32_t spare;
  uint64_t mnt_id;
  uint64_t param;
};

int main(void) {
  struct mount_request req = {24, 0, (uint64_t)-1 /* LSMT_ROOT */, 0};
  uint64_t ids[64];
  const long n = syscall(SYS_listmount, &req, ids, 64, 0);
  route("listmount", n > 0, errno);
  say("mounts listed: %ld\n", n);
  if (n <= 0) ids[0] = 1;  // refused before the id matters, or the kernel says ENOENT
  char buf[4096];
  req.mnt_id = ids[0];
  req.param = 0x10;  // STATMOUNT_MNT_POINT
  const long r = syscall(SYS_statmount, &req, buf, sizeof buf, 0);
  route("statmount", r == 0, errno);
  return 0;
}
