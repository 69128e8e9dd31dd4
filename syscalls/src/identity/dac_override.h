// Root's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH over the real user's own
// files, for the calls that neither make nor remove a file (those are
// FileCreations' and FileOwners'): an open without O_CREAT (reading a
// mode-0 file, writing a mode-0444 one, listing a mode-0 directory, a path
// through one), chdir and fchdir into one, and the access family's answer. Natively
// root passes these; the real user cocoon runs as does not, but may chmod
// its own files, so cocoon widens the modes that bar it (OpenedDirs) for
// the time of the call and gives them back:
//  - from a notification cocoon opens the file itself and installs the
//    descriptor in the guest (SECCOMP_IOCTL_NOTIF_ADDFD): the modes are
//    widened for cocoon's own few calls;
//  - at a ptrace stop (--no-seccomp, or a view whose Paths traces the
//    call, whose Landlock ruleset then judges the guest's own open) the
//    kernel runs the guest's call and the exit stop gives the modes back.
// Files of other owners stay refused: cocoon cannot chmod them, and must
// not get around the kernel's DAC for them.
// docs/internals/identity.md says what this costs and what it leaves out.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "paths/guest_fds.h"
#include "view/guest_view.h"
#include "file_creation.h"

namespace cocoon::syscalls {

struct IdentityState;

// generic_permission()'s capability step (fs/namei.c), for an inode of
// mode `mode` that the caller's user namespace maps: whether effective
// capabilities `caps` let `mask` (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1: the
// access(2) bits) through whatever the mode bits say. A directory: read and
// search with CAP_DAC_READ_SEARCH, anything with CAP_DAC_OVERRIDE. Another
// file: anything with CAP_DAC_OVERRIDE but an exec of a file with no x bit
// at all; reading alone with CAP_DAC_READ_SEARCH.
bool root_may(std::uint32_t mode, std::uint32_t mask, std::uint64_t caps);

// The view's own lookups (Paths' resolver, under -r and binds) for a
// process that holds either capability: the real user's own directories
// on the way opened while the lookup is made again (view/guest_view.h).
std::shared_ptr<const LookupOverride> root_lookups(std::shared_ptr<IdentityState> s);

class DacOverride {
 public:
  DacOverride(IdentityState& s, GuestFds& fds, tracer::ProcessRegistry& registry);

  // Whether `sys` is one of the calls this covers (the opens only when
  // they make nothing: FileOwners asks plain_open()).
  static bool covers(arch::Sys sys);
  // An open, openat or openat2 whose flags make no file.
  static bool plain_open(const tracer::SyscallStop& stop);
  // What the filter does with `row` (the host's ABI) when the override is
  // on (IdentityConfig::dac_opens): the opens and the access family
  // notified, chdir and fchdir stopped (their exit gives the modes back).
  static tracer::Decision decision(const arch::SyscallDesc& row);

  tracer::Verdict on_entry(tracer::SyscallStop& stop);
  // getxattr, lgetxattr, listxattr, llistxattr of a file the real user's
  // own directories hide from it: made by cocoon with them opened.
  tracer::Verdict read_xattr(tracer::SyscallStop& stop);
  // The exit of a call on_entry let the kernel run with modes widened.
  void on_exit(tracer::SyscallStop& stop);

  struct Widened;

 private:
  tracer::Verdict open(tracer::SyscallStop& stop);
  tracer::Verdict chdir(tracer::SyscallStop& stop);
  tracer::Verdict access(tracer::SyscallStop& stop);
  // The kernel runs the guest's call; the modes go back at its exit.
  tracer::Verdict widened_until_exit(tracer::SyscallStop& stop, OpenedDirs opened);

  IdentityState& s_;
  GuestFds& fds_;
  tracer::CallSlot<std::shared_ptr<OpenedDirs>> widened_;
};

}  // namespace cocoon::syscalls
