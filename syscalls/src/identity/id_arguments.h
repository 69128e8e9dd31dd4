// The translate phase of every call with a uid or gid argument (the kUid
// and kGid roles of arch/syscalls.tbl: the set*id family, the chown
// family): each such argument goes into the decoded call
// (tracer::DecodedId) as the guest gave it and as the first user namespace
// numbers it, mapped in through the caller's user namespace (IdMapper,
// make_kuid()). The handlers that emulate these calls (CredentialCalls,
// FileOwners) read the mapped ids there and never map an argument
// themselves. Ids in memory (setgroups' list) and ids going out (stat,
// get*id) are not arguments: their handlers map them.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "identity.h"

namespace cocoon::syscalls {

class IdArguments final : public tracer::SyscallHandler {
 public:
  explicit IdArguments(std::shared_ptr<IdentityState> s) : s_(std::move(s)) {}
  std::string_view name() const override { return "id-arguments"; }
  // A notification where the emulating handler asks for one: decoding
  // only reads the registers.
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  std::shared_ptr<IdentityState> s_;
};

}  // namespace cocoon::syscalls
