#include "paths.h"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "cocoon/tracer/tracee.h"
#include "identity/identity.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

using arch::Sys;

Paths::Paths(std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry,
             std::shared_ptr<IdentityState> identity, std::shared_ptr<const DumpableFlags> dumpable)
    : exe_(registry, tracer::OnClone::kCopy, tracer::OnExec::kKeep),
      restore_(registry),
      execfn_(registry, tracer::OnClone::kFresh, tracer::OnExec::kKeep),
      view_(std::move(view)),
      identity_(std::move(identity)),
      dumpable_(std::move(dumpable)) {}

Decision Paths::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // Calls that reach files with no path to translate, refused in a view
  // like the path calls without a rule below: a file handle
  // (open_by_handle_at: CAP_DAC_READ_SEARCH over the mount, which a user
  // namespace of the guest's own gives over its own mounts since Linux
  // 6.10), and a filesystem context whose options name host paths the
  // kernel resolves (fsopen, then fsconfig's "lowerdir"...). statmount and
  // listmount (Linux 6.8) report the host's mount table, mount points and
  // sources in host terms, which a view does not show: ENOSYS, as a kernel
  // before 6.8 answers (adversarial `mounttable`).
  if (arch::is_any(row.sys, {Sys::open_by_handle_at, Sys::fsopen, Sys::statmount, Sys::listmount}) &&
      !view_->is_identity()) {
    return Decision::fail(ENOSYS);
  }
  const bool relevant = row.sys == Sys::getcwd || row.has_role(arch::ArgRole::kPath);
  if (!relevant) return Decision::allow();
  // Only the host's native ABI is translated: the i386 entry (int 0x80) has
  // other argument layouts (split 64-bit values), so it gets ENOSYS rather
  // than an untranslated path.
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  constexpr auto kTranslate = tracer::Phase::kTranslate;
  // The host's own view with generated files (--hostname's
  // /proc/sys/kernel/hostname): only opens can reach them.
  // In a PID namespace every path may name a process under /proc.
  // With -q, every exec: its program may be another machine's.
  if (view_->is_identity() && !view_->namespaces()) {
    const bool opens = arch::is_any(row.sys, {Sys::open, Sys::openat, Sys::openat2});
    const bool execs = view_->emulators() && arch::is_any(row.sys, {Sys::execve, Sys::execveat});
    return opens || execs ? Decision::trace().in(kTranslate) : Decision::allow();
  }
  if (row.sys == Sys::getcwd) return Decision::trace();
  // Answered as for an unprivileged caller, unless an emulated mount
  // namespace's handler owns it (Namespaces::chroot).
  if (row.sys == Sys::chroot) return Decision::trace().unless_owned();
  if (row.path_count > 0) return Decision::trace().in(kTranslate);
  // A path syscall whose paths the table gives no lookup rules (mount,
  // pivot_root, acct, swapon, quotactl, uselib, the new mount API...) is
  // refused rather than let through untranslated, unless a handler
  // emulates it (mount(2) and its kin in an emulated mount namespace:
  // Namespaces).
  return Decision::fail(ENOSYS).unless_owned();
}

// chroot(2) answers as for a process without CAP_SYS_CHROOT (the real
// user's case): the path's own errors first (ksys_chroot(): lookup, then
// ENOTDIR, then the search permission), then EPERM. It is never handed to
// the kernel: a real chroot would break translation for everything after.
// With --namespaces, Namespaces::chroot answers instead (decision()).
// Without, the emulated root may chroot to the root it has, which changes
// nothing (PRoot's rule for its fake root: `chroot / cmd` in scripts).
Verdict Paths::chroot(tracer::SyscallStop& stop) const {
  auto path = stop.memory.read_path(stop.regs.arg(0));
  if (!path) return Verdict::deny(path.error());
  if (path->empty()) return Verdict::deny(ENOENT);
  auto r = view_->resolve_at(stop.tracee.tid, stop.tracee.tgid, AT_FDCWD, *path, {});
  if (!r) return Verdict::deny(r.error());
  if (r->kind == vfs::EntryKind::kMissing) return Verdict::deny(ENOENT);
  if (r->kind != vfs::EntryKind::kDirectory) return Verdict::deny(ENOTDIR);
  if (r->guest.str() == "/" && identity_ && identity_->of(stop.tracee.tgid).capable(CAP_SYS_CHROOT)) {
    return Verdict::skip(0);
  }
  return Verdict::deny(EPERM);
}

Verdict Paths::on_entry(tracer::SyscallStop& stop) {
  if (stop.desc.sys == Sys::getcwd) return getcwd(stop);
  if (stop.desc.sys == Sys::chroot) return chroot(stop);
  if (stop.desc.path_count == 0) return Verdict::deny(ENOSYS);
  return translate(stop);
}

// getcwd(2) returns the length including the NUL; ERANGE when it does not
// fit; ENOENT when the cwd was removed (fs/d_path.c). A cwd outside the
// guest's view reads "(unreachable)/...", as the kernel says of a cwd
// outside the caller's root.
Verdict Paths::getcwd(tracer::SyscallStop& stop) const {
  const vfs::HostPath link("/proc/" + std::to_string(stop.tracee.tid) + "/cwd");
  auto host = view_->fs().readlink(link);
  if (!host) return Verdict::deny(host.error() == ENOENT ? ESRCH : host.error());
  if (host->ends_with(" (deleted)")) return Verdict::deny(ENOENT);
  std::string guest = view_->to_guest(*host, stop.tracee.tgid);
  guest.push_back('\0');
  if (guest.size() > stop.regs.arg(1)) return Verdict::deny(ERANGE);
  if (!stop.memory.write(stop.regs.arg(0), std::as_bytes(std::span(guest)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(static_cast<std::int64_t>(guest.size()));
}

}  // namespace cocoon::syscalls
