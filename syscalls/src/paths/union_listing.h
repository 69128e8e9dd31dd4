// Directory listings under a union mount (vfs/union.h): the guest's fd is
// open on one layer's directory, whose listing the kernel would give
// alone, so getdents64 of it is answered whole here, from the merged
// listing (vfs::union_list). The position is an index into that listing,
// kept in the guest's own open file: the tracer moves it through a
// duplicate (pidfd_getfd(2), Linux 5.6), as ProcListing does, so
// rewinddir(), telldir()/seekdir() and a forked child sharing the file
// all see what they would natively.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "view/guest_view.h"

namespace cocoon::syscalls {

class UnionListing final : public tracer::SyscallHandler {
 public:
  explicit UnionListing(std::shared_ptr<const GuestView> view) : view_(std::move(view)) {}
  std::string_view name() const override { return "union-listing"; }
  // Traces getdents64 only when the view has a union mount.
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  std::shared_ptr<const GuestView> view_;
};

}  // namespace cocoon::syscalls
