#include "id_arguments.h"

#include <memory>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/tracee.h"
#include "peer_credentials.h"

namespace cocoon::syscalls {

using arch::ArgRole;

tracer::Decision IdArguments::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // Other ABIs' id calls (i386's 16-bit variants) are refused by the
  // handlers that own them, not decoded.
  if (abi != arch::host_arch()) return tracer::Decision::allow();
  if (!row.has_role(ArgRole::kUid) && !row.has_role(ArgRole::kGid)) {
    return tracer::Decision::allow();
  }
  return tracer::Decision::notify().in(tracer::Phase::kTranslate);
}

tracer::Verdict IdArguments::on_entry(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.tgid;
  for (int i = 0; i < arch::kMaxArgs; ++i) {
    const ArgRole role = stop.desc.args[static_cast<std::size_t>(i)];
    if (role != ArgRole::kUid && role != ArgRole::kGid) continue;
    // The kernel takes the low 32 bits (uid_t), whatever the register's
    // upper half holds.
    tracer::DecodedId id;
    id.given = static_cast<std::uint32_t>(stop.regs.arg(i));
    if (!id.unchanged()) {
      id.mapped = s_->ids->map_in(tgid, role == ArgRole::kUid ? IdKind::kUid : IdKind::kGid,
                                  id.given);
    }
    stop.call.ids[static_cast<std::size_t>(i)] = id;
  }
  return tracer::Verdict::resume();
}

void add_identity_handlers(tracer::HandlerList& list, const std::shared_ptr<IdentityState>& s,
                           tracer::ProcessRegistry& registry) {
  list.push_back(std::make_unique<IdArguments>(s));
  list.push_back(std::make_unique<CredentialCalls>(s));
  list.push_back(std::make_unique<FileOwners>(s, registry));
  list.push_back(std::make_unique<PeerCredentials>(s, registry));
}

}  // namespace cocoon::syscalls
