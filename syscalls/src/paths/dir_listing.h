// Mount targets in directory listings. A bind onto a guest path the root
// lacks (`-b /x:/mnt/data` with no mnt/data in the root) must show in `ls`
// of its parent, but the host directory that backs the parent has no such
// entry. getdents64 of such a parent is completed at its exit stop: the
// missing names are appended to the first buffer of each read of the
// directory (file position 0 at entry, so rewinddir shows them again).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "view/guest_view.h"

namespace cocoon::syscalls {

class DirListing final : public tracer::SyscallHandler {
 public:
  DirListing(std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry);
  std::string_view name() const override { return "dir-listing"; }
  // Traces getdents64 only when some directory needs names added.
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;

 private:
  std::shared_ptr<const GuestView> view_;
  std::set<std::string, std::less<>> dirs_;  // guest dirs with names to add
  tracer::CallSlot<std::string> pending_;  // the directory, from entry to exit
};

}  // namespace cocoon::syscalls
