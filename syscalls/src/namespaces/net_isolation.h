// Network namespace emulation (--unshare-net, CLONE_NEWNET in the guest):
// what the Sockets handler asks of a network namespace (NetNamespaces),
// answered for each process by the namespace it is in (NamespaceState).
// The host's own namespace (id 0) has every name as it is.
//
// An emulated namespace has a loopback and abstract AF_UNIX names of its
// own (net_names.h): its processes' binds on 127/8, ::1 and the wildcard
// go to its address L; their connects and sends to loopback go to L too,
// and are refused (ECONNREFUSED; a datagram is dropped) when a host socket
// bound to the wildcard would take them (HostSockets), as an empty
// namespace has nobody at that port; a client socket not bound yet is
// bound to L first, so its packets come from L and replies reach it. Names
// the kernel gives back are translated the other way. Any other IP address
// is unreachable (ENETUNREACH; bind: EADDRNOTAVAIL), as from a namespace
// whose only interface is lo. socket(2) gives the families and protocols
// these checks cover. Netlink requests that bring lo up are acknowledged.
//
// Not isolated (docs/threat-model.md): what route netlink and /proc/net
// show of the host's interfaces and routes (its sockets are not: sock_diag
// is refused, and /proc/net/{tcp,udp,unix...} list the namespace's own,
// net_proc.h); a socket passed in from outside;
// the namespace's listeners are reachable from the host at L.
#pragma once

#include <map>
#include <memory>
#include <set>

#include "paths/guest_fds.h"
#include "sockets/socket_address.h"
#include "host_sockets.h"
#include "net_names.h"
#include "ns_state.h"

namespace cocoon::syscalls {

class NetIsolation final : public NetNamespaces {
 public:
  explicit NetIsolation(std::shared_ptr<NamespaceState> ns) : ns_(std::move(ns)) {}

  bool translates(pid_t tgid) const override;
  std::shared_ptr<HeldSocket> hold(const tracer::SyscallStop& stop, int fd) override;
  std::size_t netlink_reply(pid_t tgid, std::span<std::byte> reply) const override;
  AddressAnswer to_host(const tracer::SyscallStop& stop, const std::shared_ptr<HeldSocket>& held,
                        AddressUse use, const SockAddr& guest) override;
  std::optional<SockAddr> to_guest(pid_t tgid, const SockAddr& kernel) const override;
  void before_listen(const tracer::SyscallStop& stop, int fd) override;
  int socket_error(pid_t tgid, int domain, int type, int protocol) const override;
  std::optional<std::vector<std::byte>> netlink_request(
      pid_t tgid, std::span<const std::byte> request) const override;

 private:
  // The loopback of process `tgid`'s namespace (made at its first use),
  // null for the host's own.
  NetLoopback* loopback_of(pid_t tgid);
  const NetLoopback* loopback_of(pid_t tgid) const;
  AddressAnswer inet_to_host(const std::shared_ptr<HeldSocket>& held, AddressUse use,
                             const SockAddr& guest, const NetLoopback& lo);
  // Binds `socket` (cocoon's duplicate) to L when it is an IP socket not
  // bound yet (connect, send and listen would bind it to the wildcard).
  static void bind_unbound(int socket, const NetLoopback& lo);

  std::shared_ptr<NamespaceState> ns_;
  // By network namespace id. Here rather than in NamespaceState: nothing
  // else reads them, and they are made at first use (a namespace whose
  // processes never touch a socket costs no /proc/net read).
  std::map<std::uint32_t, NetLoopback> loopbacks_;
  HostSockets host_;
  GuestFds fds_;
};

// An address 127.R.S.T (host byte order, R not 0) no socket in `in_use`
// has, drawn at random.
std::uint32_t pick_loopback(const std::set<std::uint32_t>& in_use);

}  // namespace cocoon::syscalls
