#include "paths.h"

#include <cerrno>
#include <string>

#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

Decision Paths::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const bool relevant = row.name == "getcwd" || row.has_role(arch::ArgRole::kPath);
  if (!relevant) return Decision::allow();
  // Only the host's native ABI is translated: the i386 entry (int 0x80) has
  // other argument layouts (split 64-bit values), so it gets ENOSYS rather
  // than an untranslated path.
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  if (row.name == "getcwd" || find_path_rule(row.name) != nullptr) return Decision::trace();
  // A path syscall without a rule (mount, chroot, pivot_root, acct, swapon,
  // quotactl, uselib, the new mount API...) is refused rather than let
  // through untranslated.
  return Decision::fail(ENOSYS);
}

Verdict Paths::on_entry(tracer::SyscallStop& stop) {
  if (stop.desc.name == "getcwd") return getcwd(stop);
  const PathRule* rule = find_path_rule(stop.desc.name);
  if (rule == nullptr) return Verdict::deny(ENOSYS);
  return translate(stop, *rule);
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
  std::string guest = view_->to_guest(*host);
  guest.push_back('\0');
  if (guest.size() > stop.regs.arg(1)) return Verdict::deny(ERANGE);
  if (!stop.memory.write(stop.regs.arg(0), std::as_bytes(std::span(guest)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(static_cast<std::int64_t>(guest.size()));
}

}  // namespace cocoon::syscalls
