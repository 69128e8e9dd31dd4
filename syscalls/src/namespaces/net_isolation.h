// Network namespace emulation (--unshare-net, CLONE_NEWNET in the guest):
// a process in an emulated network namespace reaches loopback only.
// connect(2), sendto(2), sendmsg(2) and sendmmsg(2) to an IPv4 or IPv6
// address outside loopback fail with ENETUNREACH, as they would in a new
// namespace whose only interface is lo (network_namespaces(7)); bind(2) to
// another address fails with EADDRNOTAVAIL, and to the wildcard address
// binds loopback instead, so a guest's server is not exposed on the host's
// interfaces.
//
// What it does not isolate (docs/threat-model.md): loopback is the host's,
// shared with every process on it (ports, and services listening there);
// AF_UNIX abstract sockets; netlink (the host's interfaces and routes can
// be read); an fd received from outside. It is a reachability filter, not a
// network stack.
#pragma once

#include <memory>

#include "cocoon/tracer/handler.h"
#include "ns_state.h"

namespace cocoon::syscalls {

class NetIsolation final : public tracer::SyscallHandler {
 public:
  explicit NetIsolation(std::shared_ptr<NamespaceState> ns) : ns_(std::move(ns)) {}
  std::string_view name() const override { return "net-isolation"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  tracer::Verdict check_msghdrs(tracer::SyscallStop& stop, bool many);
  tracer::Verdict bind(tracer::SyscallStop& stop);
  tracer::Verdict netlink_request(tracer::SyscallStop& stop);

  std::shared_ptr<NamespaceState> ns_;
};

// Whether a destination `addr` (a struct sockaddr of `len` bytes) is
// reachable from a namespace with only lo: not IPv4/IPv6, or loopback, or
// the unspecified address (which means this host). Pure.
bool loopback_reachable(const void* addr, std::size_t len);

}  // namespace cocoon::syscalls
