// Without --namespaces, a guest's unshare(2) goes to the kernel. On the
// hosts cocoon is for, the kernel refuses user namespaces
// (user.max_user_namespaces=0: ENOSPC; an LSM or
// kernel.unprivileged_userns_clone=0: EPERM), and `unshare -U` or a
// sandbox inside fails with an error that does not say cocoon could
// emulate them. RefusedUserNs watches unshare(2) with CLONE_NEWUSER at its
// exit and, the first time the kernel refuses it, says once how to get
// emulated namespaces. The call's result is the kernel's, unchanged.
//
// clone(2) and clone3(2) with CLONE_NEWUSER are not watched: clone is the
// hottest process call, and clone3's flags are in memory the filter cannot
// test.
//
// With `disabled` (bwrap's --disable-userns) no user namespace is made
// at all: unshare(2) and clone(2) with CLONE_NEWUSER get ENOSPC, as under
// bwrap, which sets user.max_user_namespaces to 1 and enters a nested
// namespace that cannot raise it (bwrap(1)). clone stops (or is notified)
// only when the flag is set, a bit the filter tests; clone3 is ENOSYS in
// every run (Containment).
#pragma once

#include "cocoon/tracer/handler.h"

namespace cocoon::syscalls {

class RefusedUserNs final : public tracer::SyscallHandler {
 public:
  explicit RefusedUserNs(bool disabled = false) : disabled_(disabled) {}
  std::string_view name() const override { return "refused-userns"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;
  // Whether the hint was given (once per run).
  bool hinted() const { return hinted_; }

 private:
  bool hinted_ = false;
  bool disabled_;
};

}  // namespace cocoon::syscalls
