// The host's sockets, as far as an emulated network namespace must know
// them: which would take traffic sent to the namespace's loopback address
// without being the namespace's own, and which 127/8 addresses are in use.
// A socket bound to the wildcard address (0.0.0.0, or :: without
// IPV6_V6ONLY) receives what is sent to any local address on its port,
// 127.R.S.T included (ip(7), ipv6(7)): that is how a host service would be
// reached from the namespace whose loopback is 127.R.S.T. Owned by
// NetIsolation; used from the tracer's thread only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>

#include "owned_fd.h"

namespace cocoon::syscalls {

class HostSockets {
 public:
  HostSockets();

  // Whether a socket of one of `protocols` (IPPROTO_TCP: a listener;
  // IPPROTO_UDP) bound to the wildcard address would take what is sent to
  // `port` (host byte order) on 127.R.S.T: what the kernel's own lookup
  // finds for a packet to 0.0.0.0:port, asked through sock_diag(7) (one
  // SOCK_DIAG_BY_FAMILY request per protocol, not a dump: inet_diag's exact
  // lookup, inet_lookup() and __udp4_lib_lookup(), which match only
  // wildcard sockets for that address). Where sock_diag cannot answer (no
  // diag module for the protocol: answers()), /proc/net/{tcp,udp}{,6} do, counting every :: socket (whether
  // IPV6_V6ONLY is not shown there).
  bool wildcard(std::initializer_list<int> protocols, std::uint16_t port);
  // The same through /proc/net alone (the fallback; tested on its own).
  static bool wildcard_in_proc(int protocol, std::uint16_t port);

  // The 127/8 addresses (host byte order) some TCP or UDP socket is bound
  // to, IPv4 or IPv4-mapped (/proc/net).
  static std::set<std::uint32_t> loopback_in_use();

 private:
  // nullopt when sock_diag cannot say (no socket, an error other than
  // ENOENT, no answer).
  std::optional<bool> ask_diag(std::initializer_list<int> protocols, std::uint16_t port,
                               std::uint32_t addr = 0);
  // Whether sock_diag can find a socket of `protocol` at all (asked once).
  bool answers(int protocol);

  OwnedFd diag_;  // NETLINK_SOCK_DIAG, or -1
  std::uint32_t seq_ = 0;
  std::optional<bool> tcp_answers_, udp_answers_;
};

}  // namespace cocoon::syscalls
