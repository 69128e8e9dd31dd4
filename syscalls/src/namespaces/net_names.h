// The names an emulated network namespace owns, and their host
// counterparts (docs/internals/namespaces.md, "A network of its own").
// A kernel network namespace has a loopback interface of its own (127.0.0.1
// and ::1 reach only its sockets) and its own abstract AF_UNIX names
// (network_namespaces(7), unix(7)). cocoon's processes all share the host's
// kernel namespace, so each emulated one gets a host loopback address of
// its own, L = 127.R.S.T (R not 0: clear of 127.0.0.1, Debian's 127.0.1.1
// and systemd-resolved's 127.0.0.53), which stands for every loopback and
// wildcard address the guest names, and a prefix its abstract names get.
// Pure functions over socket addresses; NetIsolation applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sockets/socket_address.h"

namespace cocoon::syscalls {

struct NetLoopback {
  std::uint32_t addr = 0;  // L, host byte order
  // Put after the leading NUL of every abstract name the namespace's
  // processes bind, connect or send to.
  std::string prefix;
  std::uint32_t next_autobind = 0;  // autobind(2)'s five hex digits, in order
};

// The namespace whose loopback is `addr` (127.R.S.T): prefix "ccRRSSTT/".
NetLoopback make_loopback(std::uint32_t addr);

// Where an IP address a guest hands the kernel leads.
enum class InetReach : std::uint8_t {
  kNotInet,    // not an IP address the kernel takes (another family, too short)
  kHere,       // this host: loopback (127/8, ::1, ::ffff:127/104) or unspecified
  kElsewhere,  // any other address: outside a namespace with only lo
};

// An AF_INET address, AF_INET6 (from SIN6_LEN_RFC2133, 24 bytes, as
// inet6_bind() and tcp_v6_connect() take it), or AF_UNSPEC read as AF_INET
// where the kernel reads it so: udp_sendmsg() takes an AF_UNSPEC
// destination's address, inet_bind() binds an AF_UNSPEC INADDR_ANY
// (connect with AF_UNSPEC disconnects instead: kNotInet).
InetReach inet_reach(const SockAddr& a, AddressUse use);
// `a` (kHere) with its host part L: AF_INET L (an AF_UNSPEC bind becomes
// AF_INET, as the kernel binds it), AF_INET6 ::ffff:L. The port stays.
SockAddr to_loopback(const SockAddr& a, const NetLoopback& lo, AddressUse use);
// An IP socket's own name (getsockname) when it is neither bound nor
// connected: the unspecified address, port 0.
bool unbound_inet(const SockAddr& own);
// The port of an IP address, host byte order.
std::uint16_t port_of(const SockAddr& a);
// A name the kernel wrote, back in the namespace's terms: L is 127.0.0.1
// in AF_INET, ::ffff:L is ::1 in AF_INET6; nullopt for any other name.
std::optional<SockAddr> loopback_to_guest(const SockAddr& kernel, const NetLoopback& lo);

// An abstract AF_UNIX name (sun_path[0] == 0) the guest hands the kernel,
// with the namespace's prefix; an autobind (a bind of the bare family)
// gets a name of the namespace's as the kernel would make one
// (unix_autobind(): five hex digits). nullopt: neither. EINVAL when the
// prefixed name is longer than sun_path, as unix_validate_addr() says of
// one that does not fit.
std::optional<AddressAnswer> abstract_to_host(const SockAddr& guest, NetLoopback& lo,
                                              AddressUse use);
// An abstract name the kernel wrote, without the namespace's prefix;
// nullopt for any other name (another namespace's, the host's).
std::optional<SockAddr> abstract_to_guest(const SockAddr& kernel, const NetLoopback& lo);

}  // namespace cocoon::syscalls
