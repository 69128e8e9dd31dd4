// The files a guest creates (mkdir, mknod of anything but a device, symlink,
// open/openat/openat2/creat with O_CREAT or O_TMPFILE, bind of an AF_UNIX
// socket to a path), for FileOwners: a
// new file belongs to its creator's emulated fsuid and fsgid, or to the
// group of a set-group-ID directory it is made in (inode_init_owner(),
// fs/inode.c), and that is recorded in the OwnershipDb. A file without a
// record shows the configured user, so a creation by a process whose ids
// are those costs nothing more than the notification that asks (the filter
// sends only the opens with O_CREAT or O_TMPFILE); the kernel makes the
// file (SECCOMP_USER_NOTIF_FLAG_CONTINUE). The others:
//  - answered from a notification, cocoon makes the file itself, with the
//    guest's umask, records it and answers; an open's descriptor is
//    installed in the guest (Verdict::install_fd). One notification: no
//    ptrace stop at all.
//  - at a ptrace stop (no listener, or another handler traces the call:
//    a view, whose Landlock ruleset then checks what the kernel makes; and
//    every bind, whose socket file only the kernel makes), the kernel
//    makes the file and the exit stop records it.
// Two things fakeroot's users rely on are done for every creator:
//  - a directory is made with its owner's rwx whatever mode was asked
//    (libfakeroot's mkdir makes mode|0700), the asked mode recorded and
//    shown, so `mkdir -m 0 d; touch d/f` works;
//  - the emulated root passes directories whose mode bars the real user
//    (root's CAP_DAC_OVERRIDE): where the real user owns them, cocoon opens
//    them (u+wx) while the file is made and gives their mode back; so too
//    an existing file of the real user's an O_CREAT open finds.
// docs/internals/identity.md says what this costs and what it leaves out.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "paths/guest_fds.h"
#include "file_target.h"
#include "opened_dirs.h"

namespace cocoon::syscalls {

struct IdentityState;

class FileCreations {
 public:
  FileCreations(IdentityState& s, GuestFds& fds, tracer::ProcessRegistry& registry);

  // Whether `sys` may make a file (mknod, whose devices FileOwners makes
  // itself, included).
  static bool creates(arch::Sys sys);
  // What the filter does with `row` (on the host's ABI) when it creates
  // files; nullopt when it does not.
  static std::optional<tracer::Decision> decision(const arch::SyscallDesc& row);
  tracer::Verdict on_entry(tracer::SyscallStop& stop);
  // The exit of a call on_entry let the kernel make (resume_to_exit).
  void on_exit(tracer::SyscallStop& stop);

  // What a creation records (at once, or at its exit).
  struct Pending {
    std::uint32_t uid = 0, gid = 0;
    bool default_ids = true;    // the creator's ids are the configured ones
    bool setgid_dir = false;    // made in a set-group-ID directory: its group
    bool drop_setgid = false;   // ... by a caller outside that group
    std::uint32_t asked = 0;    // a directory's mode asked
    bool widened = false;       // ... made u+rwx, the asked mode recorded
    bool record = false;        // anything to record
    std::string path;           // the new entry, when not an open
    // Shared: a call slot holds copies (std::any); the last one gives the
    // modes back.
    std::shared_ptr<OpenedDirs> opened;
  };

  // What one call asks to make (the .cc's).
  struct Request;

 private:
  tracer::Verdict let_kernel_make(tracer::SyscallStop& stop, const Request& q, const Target& t,
                                  Pending p, OpenedDirs opened);
  tracer::Verdict make(tracer::SyscallStop& stop, const Request& q, const Target& t,
                       const Pending& p, bool opened);

  IdentityState& s_;
  GuestFds& fds_;
  tracer::CallSlot<Pending> pending_;
  std::uint32_t own_umask_;  // cocoon's, applied to its own creations
};

}  // namespace cocoon::syscalls
