// The kernel's half of the filesystem view: a Landlock ruleset (Linux 5.13+,
// unprivileged) that lets the guest reach only the root's and the mounts'
// host trees, read-only where the mount is. The tracer rewrites paths into
// those trees; Landlock makes the kernel refuse anything else, which closes
// the races path rewriting alone cannot (a sibling thread changing the path
// after the tracer read it, a directory swapped for a symlink between the
// tracer's check and the kernel's use): whatever a race yields, the kernel
// still checks it against these rules (docs/threat-model.md).
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/vfs/mount_table.h"
#include "owned_fd.h"

namespace cocoon::syscalls {

struct Landlock {
  OwnedFd fd;           // the ruleset, for landlock_restrict_self in the guest
  int abi = 0;          // the kernel's Landlock ABI version (0: none)
  bool scoped = false;  // abstract sockets scoped, as asked
  std::string missing;  // why there is no ruleset, when fd is -1
};

// A ruleset for `table`'s mounts (null: no filesystem rule, the host's
// own view). No Landlock in the kernel is not an error (fd -1 and the
// reason): the caller decides how loudly to say so. `readable`: more host
// paths the guest may read (the generated /proc mounts files).
// `abstract_scope`: the guest reaches no abstract AF_UNIX socket made
// outside its domain (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, ABI 6, Linux
// 6.12): the kernel's wall behind an emulated network namespace's names,
// which a sibling thread could change after cocoon translated them
// (docs/internals/namespaces.md, "A network of its own"); ignored below
// ABI 6, where `missing` says so.
std::expected<Landlock, std::string> make_landlock(const vfs::MountTable* table,
                                                   const std::vector<std::string>& readable,
                                                   bool abstract_scope);

// Whether this kernel's Landlock can scope abstract sockets (ABI 6, 6.12).
bool can_scope_abstract_sockets();

// Has the stopped task `tid` restrict itself (StopControl::inject: the
// task's own landlock_create_ruleset, landlock_restrict_self and close)
// with a domain whose only content is the abstract-socket scope: from then
// on it and its children reach no abstract AF_UNIX socket made outside
// that domain (a network namespace the guest makes under --namespaces:
// docs/internals/namespaces.md, "A network of its own"). Sets the task's
// no_new_privs first if it is not set (a run without cocoon's filter nor
// a ruleset): landlock_restrict_self(2) asks for it. 0, or the errno the
// guest's call that made the namespace gets instead: ENOSPC when the
// task has Landlock's 16 layers already (E2BIG), ENOMEM for a lack of
// descriptors or memory, EPERM otherwise; ESRCH when the task died.
int scope_abstract_sockets(tracer::StopControl& control, tracer::Tracee& task);

}  // namespace cocoon::syscalls
