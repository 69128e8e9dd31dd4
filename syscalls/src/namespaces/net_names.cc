#include "net_names.h"

#include <netinet/in.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cocoon::syscalls {
namespace {

constexpr std::size_t kSunPath = offsetof(sockaddr_un, sun_path);
// SIN6_LEN_RFC2133: a sockaddr_in6 without sin6_scope_id, which the kernel
// takes (inet6_bind_sk(), tcp_v6_connect(), udpv6_sendmsg()).
constexpr std::size_t kSin6Min = 24;

template <typename T>
T as(const SockAddr& a) {
  T out{};
  std::memcpy(&out, &a.addr, sizeof out);
  return out;
}

template <typename T>
void put(SockAddr& a, const T& v) {
  std::memcpy(&a.addr, &v, sizeof v);
}

bool here4(std::uint32_t host_order) { return (host_order >> 24) == 127 || host_order == INADDR_ANY; }

bool here6(const in6_addr& a) {
  if (IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_UNSPECIFIED(&a)) return true;
  if (!IN6_IS_ADDR_V4MAPPED(&a)) return false;
  std::uint32_t v4 = 0;
  std::memcpy(&v4, &a.s6_addr[12], sizeof v4);
  return here4(ntohl(v4));
}

in6_addr mapped(std::uint32_t host_order) {
  in6_addr a{};
  a.s6_addr[10] = 0xff;
  a.s6_addr[11] = 0xff;
  const std::uint32_t n = htonl(host_order);
  std::memcpy(&a.s6_addr[12], &n, sizeof n);
  return a;
}

}  // namespace

NetLoopback make_loopback(std::uint32_t addr) {
  NetLoopback lo;
  lo.addr = addr;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "cc%06x/", addr & 0xffffffu);
  lo.prefix = prefix;
  return lo;
}

InetReach inet_reach(const SockAddr& a, AddressUse use) {
  switch (a.family()) {
    case AF_UNSPEC: {
      if (use == AddressUse::kConnect || a.len < sizeof(sockaddr_in)) return InetReach::kNotInet;
      const std::uint32_t addr = ntohl(as<sockaddr_in>(a).sin_addr.s_addr);
      // inet_bind() takes AF_UNSPEC for INADDR_ANY only (EAFNOSUPPORT else).
      if (use == AddressUse::kBind && addr != INADDR_ANY) return InetReach::kNotInet;
      return here4(addr) ? InetReach::kHere : InetReach::kElsewhere;
    }
    case AF_INET:
      if (a.len < sizeof(sockaddr_in)) return InetReach::kNotInet;  // EINVAL
      return here4(ntohl(as<sockaddr_in>(a).sin_addr.s_addr)) ? InetReach::kHere : InetReach::kElsewhere;
    case AF_INET6:
      if (a.len < kSin6Min) return InetReach::kNotInet;  // EINVAL
      return here6(as<sockaddr_in6>(a).sin6_addr) ? InetReach::kHere : InetReach::kElsewhere;
    default:
      return InetReach::kNotInet;
  }
}

SockAddr to_loopback(const SockAddr& a, const NetLoopback& lo, AddressUse use) {
  SockAddr out = a;
  if (a.family() == AF_INET6) {
    auto in6 = as<sockaddr_in6>(a);
    in6.sin6_addr = mapped(lo.addr);
    put(out, in6);
    return out;
  }
  auto in = as<sockaddr_in>(a);
  in.sin_addr.s_addr = htonl(lo.addr);
  if (use == AddressUse::kBind) in.sin_family = AF_INET;
  put(out, in);
  return out;
}

bool unbound_inet(const SockAddr& own) {
  if (own.family() == AF_INET && own.len >= sizeof(sockaddr_in)) {
    return port_of(own) == 0 && as<sockaddr_in>(own).sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (own.family() == AF_INET6 && own.len >= kSin6Min) {
    const auto in6 = as<sockaddr_in6>(own);
    return port_of(own) == 0 && IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr);
  }
  return false;
}

std::uint16_t port_of(const SockAddr& a) {
  // sin_port and sin6_port share their offset.
  return a.len >= offsetof(sockaddr_in, sin_addr) ? ntohs(as<sockaddr_in>(a).sin_port) : 0;
}

std::optional<SockAddr> loopback_to_guest(const SockAddr& kernel, const NetLoopback& lo) {
  SockAddr out = kernel;
  if (kernel.family() == AF_INET && kernel.len >= offsetof(sockaddr_in, sin_zero)) {
    auto in = as<sockaddr_in>(kernel);
    if (ntohl(in.sin_addr.s_addr) != lo.addr) return std::nullopt;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    put(out, in);
    return out;
  }
  if (kernel.family() == AF_INET6 && kernel.len >= kSin6Min) {
    auto in6 = as<sockaddr_in6>(kernel);
    const in6_addr l = mapped(lo.addr);
    if (std::memcmp(&in6.sin6_addr, &l, sizeof l) != 0) return std::nullopt;
    in6.sin6_addr = in6addr_loopback;
    put(out, in6);
    return out;
  }
  return std::nullopt;
}

std::optional<AddressAnswer> abstract_to_host(const SockAddr& guest, NetLoopback& lo,
                                              AddressUse use) {
  if (guest.family() != AF_UNIX) return std::nullopt;
  const auto* path = reinterpret_cast<const char*>(&guest.addr) + kSunPath;
  std::string name;
  if (guest.len == kSunPath) {
    // bind(2) of the bare family: unix_autobind() names it "\0%05x".
    if (use != AddressUse::kBind) return std::nullopt;
    char hex[8];
    std::snprintf(hex, sizeof hex, "%05x", lo.next_autobind++ & 0xfffffu);
    name = hex;
  } else if (guest.len > kSunPath && guest.len <= sizeof(sockaddr_un) && path[0] == '\0') {
    name.assign(path + 1, guest.len - kSunPath - 1);  // may hold NULs: its length is addrlen's
  } else {
    return std::nullopt;  // a path, or a length the kernel refuses itself
  }
  const std::size_t len = kSunPath + 1 + lo.prefix.size() + name.size();
  if (len > sizeof(sockaddr_un)) return AddressAnswer::refused(EINVAL);
  SockAddr out;
  out.len = len;
  out.addr.ss_family = AF_UNIX;
  auto* dst = reinterpret_cast<char*>(&out.addr) + kSunPath;
  dst[0] = '\0';
  std::memcpy(dst + 1, lo.prefix.data(), lo.prefix.size());
  std::memcpy(dst + 1 + lo.prefix.size(), name.data(), name.size());
  return AddressAnswer::rewritten(out);
}

std::optional<SockAddr> abstract_to_guest(const SockAddr& kernel, const NetLoopback& lo) {
  if (kernel.family() != AF_UNIX || kernel.len < kSunPath + 1 + lo.prefix.size()) {
    return std::nullopt;
  }
  const auto* path = reinterpret_cast<const char*>(&kernel.addr) + kSunPath;
  if (path[0] != '\0' || std::memcmp(path + 1, lo.prefix.data(), lo.prefix.size()) != 0) {
    return std::nullopt;
  }
  SockAddr out;
  out.len = kernel.len - lo.prefix.size();
  out.addr.ss_family = AF_UNIX;
  auto* dst = reinterpret_cast<char*>(&out.addr) + kSunPath;
  std::memcpy(dst + 1, path + 1 + lo.prefix.size(), out.len - kSunPath - 1);
  return out;
}

}  // namespace cocoon::syscalls
