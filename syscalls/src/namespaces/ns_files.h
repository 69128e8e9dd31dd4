// What a guest can do with an open /proc/PID/ns/KIND of an emulated
// namespace beyond setns(2) (Namespaces): stat it and ask the nsfs
// ioctls, as lsns(8) and nsenter(1) do (issue 22). The file is an empty
// one of cocoon's (NamespaceState::stand_in), so
//
// - the stat family shows it as the kernel's nsfs inode: st_ino the
//   number readlink shows ("uts:[N]"), nsfs's st_dev, root's regular
//   0444 file (__ns_get_path(), fs/nsfs.c). Where ids are emulated,
//   FileOwners answers the stat family and asks NsStandIns; otherwise
//   NsFiles answers it for these files alone;
// - NS_GET_NSTYPE, NS_GET_OWNER_UID, NS_GET_USERNS and NS_GET_PARENT
//   (ioctl_ns(2)) are answered from NamespaceState, with the kernel's
//   EPERM for a namespace outside the caller's scope (ns_get_owner(),
//   pidns_get_parent()). The two that return a descriptor become an
//   openat(2) of the related namespace's stand-in (or of the caller's own
//   /proc/thread-self/ns/KIND for the one cocoon started in), which the
//   kernel makes close-on-exec as open_related_ns() does.
//
// An ioctl on the kernel's own namespace files runs natively.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "identity/stand_ins.h"
#include "paths/guest_fds.h"
#include "ns_state.h"

namespace cocoon::syscalls {

class NsStandIns final : public StandInFiles {
 public:
  explicit NsStandIns(std::shared_ptr<const NamespaceState> ns);
  bool dress(struct statx& sx) const override;

 private:
  std::shared_ptr<const NamespaceState> ns_;
  dev_t nsfs_dev_ = 0;  // the kernel's nsfs instance (stat of /proc/self/ns/uts)
};

class NsFiles final : public tracer::SyscallHandler {
 public:
  // `answer_stats`: no FileOwners answers the stat family in this run.
  NsFiles(std::shared_ptr<NamespaceState> ns, bool answer_stats);
  std::string_view name() const override { return "ns-files"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  tracer::Verdict ioctl(tracer::SyscallStop& stop);
  tracer::Verdict stat(tracer::SyscallStop& stop);
  // The call becomes openat(2) of namespace `id` of kind `k` (0: the
  // caller's real one), read-only and close-on-exec.
  tracer::Verdict open_related(tracer::SyscallStop& stop, NsKind k, std::uint32_t id);
  tracer::Verdict owner_uid(tracer::SyscallStop& stop, std::uint32_t user_ns);

  std::shared_ptr<NamespaceState> ns_;
  NsStandIns stand_ins_;
  bool answer_stats_;
  GuestFds fds_;
};

}  // namespace cocoon::syscalls
