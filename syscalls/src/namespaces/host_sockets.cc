#include "host_sockets.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cocoon::syscalls {
namespace {

constexpr int kTcpListen = 10;  // TCP_LISTEN, include/net/tcp_states.h

struct DiagRequest {
  nlmsghdr h;
  inet_diag_req_v2 r;
};

// A lookup of the socket that takes `protocol` traffic to ADDR:port
// (`addr` in network order: 0.0.0.0 but for the probe of answers()).
// inet_diag_find_one_icsk() looks a TCP socket up as inet_lookup(saddr =
// id.idiag_dst, daddr = id.idiag_src), udp_dump_one() a UDP one as
// __udp4_lib_lookup(saddr = id.idiag_src, daddr = id.idiag_dst): the
// destination is on the other side for each.
DiagRequest lookup_request(int protocol, std::uint16_t port, std::uint32_t addr, std::uint32_t seq) {
  DiagRequest q{};
  q.h.nlmsg_len = sizeof q;
  q.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  q.h.nlmsg_flags = NLM_F_REQUEST;
  q.h.nlmsg_seq = seq;
  q.r.sdiag_family = AF_INET;
  q.r.sdiag_protocol = static_cast<std::uint8_t>(protocol);
  q.r.idiag_states = ~0u;
  if (protocol == IPPROTO_TCP) {
    q.r.id.idiag_sport = htons(port);
    q.r.id.idiag_src[0] = addr;
  } else {
    q.r.id.idiag_dport = htons(port);
    q.r.id.idiag_dst[0] = addr;
  }
  q.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  q.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  return q;
}

std::uint32_t hex(const std::string& s) {
  return static_cast<std::uint32_t>(std::strtoul(s.c_str(), nullptr, 16));
}

// Each line of /proc/net/NAME after the header: its local address (hex, as
// the kernel prints the address's bytes read as u32 words), port and state.
template <typename F>
void each_socket(const char* name, F&& f) {
  std::ifstream in(std::string("/proc/net/") + name);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    const auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    f(local.substr(0, colon), static_cast<std::uint16_t>(hex(local.substr(colon + 1))),
      static_cast<int>(hex(state)));
  }
}

// The IPv4 address (host order) of a /proc/net local address: an IPv4
// one, or an IPv4-mapped IPv6 one; nullopt for other IPv6 addresses.
std::optional<std::uint32_t> ipv4_of(const std::string& text) {
  auto word = [&](std::size_t i) {
    return ntohl(hex(text.substr(i * 8, 8)));
  };
  if (text.size() == 8) return word(0);
  if (text.size() != 32 || word(0) != 0 || word(1) != 0 || word(2) != 0xffffu) return std::nullopt;
  return word(3);
}

}  // namespace

HostSockets::HostSockets()
    : diag_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}

std::optional<bool> HostSockets::ask_diag(std::initializer_list<int> protocols, std::uint16_t port,
                                          std::uint32_t addr) {
  if (diag_.fd < 0) return std::nullopt;
  std::vector<DiagRequest> qs;
  const std::uint32_t first = seq_ + 1;
  for (int p : protocols) qs.push_back(lookup_request(p, port, addr, ++seq_));
  const std::size_t bytes = qs.size() * sizeof(DiagRequest);
  if (::send(diag_.fd, qs.data(), bytes, 0) != static_cast<ssize_t>(bytes)) return std::nullopt;
  // The kernel answers every request of the batch before send() returns
  // (netlink_unicast_kernel() runs sock_diag_rcv() in the sender's
  // context): one message each, a socket's description or an error.
  bool found = false;
  std::size_t answered = 0;
  alignas(nlmsghdr) std::array<char, 8192> buf;
  while (answered < qs.size()) {
    const ssize_t n = ::recv(diag_.fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::nullopt;
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    if (h->nlmsg_seq < first || h->nlmsg_seq > seq_) continue;  // a stale answer
    ++answered;
    if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      found = true;
      continue;
    }
    if (h->nlmsg_type != NLMSG_ERROR) return std::nullopt;
    const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    if (e->error != -ENOENT) return std::nullopt;  // e.g. no diag module for the protocol
  }
  return found;
}

// A protocol whose diag module is missing answers ENOENT, as a lookup that
// found no socket does (__sock_diag_cmd() without a handler for the
// family, inet_diag_lock_handler() without one for the protocol):
// inet_diag, tcp_diag and udp_diag are modules, which a kernel that cannot
// load them (no modules there, modules_disabled) does not have. So a
// socket of cocoon's own on 127.0.0.1 is looked up first, once per
// protocol: found, sock_diag's "none" means none.
bool HostSockets::answers(int protocol) {
  auto& known = protocol == IPPROTO_TCP ? tcp_answers_ : udp_answers_;
  if (known) return *known;
  known = false;
  const OwnedFd own(::socket(AF_INET, (protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof at;
  if (own.fd < 0 || ::bind(own.fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
      (protocol == IPPROTO_TCP && ::listen(own.fd, 1) != 0) ||
      ::getsockname(own.fd, reinterpret_cast<sockaddr*>(&at), &len) != 0) {
    return false;
  }
  known = ask_diag({protocol}, ntohs(at.sin_port), htonl(INADDR_LOOPBACK)) == true;
  return *known;
}

bool HostSockets::wildcard(std::initializer_list<int> protocols, std::uint16_t port) {
  bool diag = true;
  for (int p : protocols) diag = answers(p) && diag;
  if (diag) {
    if (auto r = ask_diag(protocols, port)) return *r;
  }
  for (int p : protocols) {
    if (wildcard_in_proc(p, port)) return true;
  }
  return false;
}

bool HostSockets::wildcard_in_proc(int protocol, std::uint16_t port) {
  const bool tcp = protocol == IPPROTO_TCP;
  bool found = false;
  for (const char* name : tcp ? std::array{"tcp", "tcp6"} : std::array{"udp", "udp6"}) {
    each_socket(name, [&](const std::string& addr, std::uint16_t p, int state) {
      if (p != port || (tcp && state != kTcpListen)) return;
      if (addr.find_first_not_of('0') == std::string::npos) found = true;
    });
  }
  return found;
}

std::set<std::uint32_t> HostSockets::loopback_in_use() {
  std::set<std::uint32_t> out;
  for (const char* name : {"tcp", "tcp6", "udp", "udp6"}) {
    each_socket(name, [&](const std::string& addr, std::uint16_t, int) {
      const auto v4 = ipv4_of(addr);
      if (v4 && (*v4 >> 24) == 127) out.insert(*v4);
    });
  }
  return out;
}

}  // namespace cocoon::syscalls
