// An emulated network namespace's names (net_names.h) both ways; the
// host's wildcard sockets as HostSockets finds them, in a kernel network
// namespace of the test's own (so its wildcard listeners are on lo only);
// and a live client in an emulated namespace, which reaches no host
// listener and is bound to the namespace's loopback.
#include "namespaces/net_isolation.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "cocoon/arch/syscall_table.h"
#include "dispatch_child.h"
#include "namespaces/net_names.h"
#include "sockets/sockets.h"

namespace cocoon::syscalls {
namespace {

constexpr std::uint32_t kL = 127u << 24 | 5u << 16 | 6u << 8 | 7u;  // 127.5.6.7

SockAddr v4(const char* a, std::uint16_t port = 80, sa_family_t family = AF_INET) {
  sockaddr_in in{};
  in.sin_family = family;
  in.sin_port = htons(port);
  inet_pton(AF_INET, a, &in.sin_addr);
  return SockAddr::of(std::as_bytes(std::span(&in, 1)));
}

SockAddr v6(const char* a, std::uint16_t port = 80, std::size_t len = sizeof(sockaddr_in6)) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port);
  inet_pton(AF_INET6, a, &in6.sin6_addr);
  return SockAddr::of(std::as_bytes(std::span(&in6, 1)).first(len));
}

std::string text_of(const SockAddr& a) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (a.family() == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &a.addr, sizeof in6);
    inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
  } else {
    sockaddr_in in{};
    std::memcpy(&in, &a.addr, sizeof in);
    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
  }
  return std::string(buf) + ":" + std::to_string(port_of(a));
}

SockAddr abstract(std::string_view name) {
  SockAddr a;
  a.addr.ss_family = AF_UNIX;
  auto* path = reinterpret_cast<char*>(&a.addr) + offsetof(sockaddr_un, sun_path);
  std::memcpy(path + 1, name.data(), name.size());
  a.len = offsetof(sockaddr_un, sun_path) + 1 + name.size();
  return a;
}

std::string abstract_name(const SockAddr& a) {
  const auto* path = reinterpret_cast<const char*>(&a.addr) + offsetof(sockaddr_un, sun_path);
  return std::string(path + 1, a.len - offsetof(sockaddr_un, sun_path) - 1);
}

TEST(NetNames, LoopbackAndTheWildcardAreHereEverythingElseElsewhere) {
  for (const char* a : {"127.0.0.1", "127.5.6.7", "127.255.255.254", "0.0.0.0"}) {
    EXPECT_EQ(inet_reach(v4(a), AddressUse::kConnect), InetReach::kHere) << a;
  }
  for (const char* a : {"10.0.0.1", "192.0.2.1", "224.0.0.1", "255.255.255.255", "0.1.2.3"}) {
    EXPECT_EQ(inet_reach(v4(a), AddressUse::kConnect), InetReach::kElsewhere) << a;
  }
  for (const char* a : {"::1", "::", "::ffff:127.0.0.1", "::ffff:0.0.0.0"}) {
    EXPECT_EQ(inet_reach(v6(a), AddressUse::kSend), InetReach::kHere) << a;
  }
  for (const char* a : {"::ffff:10.0.0.1", "2001:db8::1", "fe80::1", "::127.0.0.1"}) {
    EXPECT_EQ(inet_reach(v6(a), AddressUse::kSend), InetReach::kElsewhere) << a;
  }
  // A sockaddr_in6 without sin6_scope_id (24 bytes) is one the kernel
  // takes: it is judged, not passed as "not IP".
  EXPECT_EQ(inet_reach(v6("2001:db8::1", 80, 24), AddressUse::kConnect), InetReach::kElsewhere);
  EXPECT_EQ(inet_reach(v6("2001:db8::1", 80, 23), AddressUse::kConnect), InetReach::kNotInet);
  EXPECT_EQ(inet_reach(SockAddr::of(v4("10.0.0.1").bytes().first(15)), AddressUse::kConnect),
            InetReach::kNotInet);  // EINVAL from the kernel
}

// udp_sendmsg() sends to an AF_UNSPEC destination's address; inet_bind()
// binds an AF_UNSPEC INADDR_ANY; connect with AF_UNSPEC disconnects.
TEST(NetNames, AnUnspecifiedFamilyIsReadWhereTheKernelReadsIt) {
  EXPECT_EQ(inet_reach(v4("192.0.2.1", 53, AF_UNSPEC), AddressUse::kSend), InetReach::kElsewhere);
  EXPECT_EQ(inet_reach(v4("127.0.0.1", 53, AF_UNSPEC), AddressUse::kSend), InetReach::kHere);
  EXPECT_EQ(inet_reach(v4("0.0.0.0", 53, AF_UNSPEC), AddressUse::kBind), InetReach::kHere);
  EXPECT_EQ(inet_reach(v4("127.0.0.1", 53, AF_UNSPEC), AddressUse::kBind), InetReach::kNotInet);
  EXPECT_EQ(inet_reach(v4("192.0.2.1", 53, AF_UNSPEC), AddressUse::kConnect), InetReach::kNotInet);
  const NetLoopback lo = make_loopback(kL);
  const SockAddr bound = to_loopback(v4("0.0.0.0", 53, AF_UNSPEC), lo, AddressUse::kBind);
  EXPECT_EQ(bound.family(), AF_INET);
  EXPECT_EQ(text_of(bound), "127.5.6.7:53");
  EXPECT_EQ(to_loopback(v4("127.0.0.1", 53, AF_UNSPEC), lo, AddressUse::kSend).family(), AF_UNSPEC);
}

TEST(NetNames, TheNamespacesLoopbackIsLAndComesBackAsLoopback) {
  const NetLoopback lo = make_loopback(kL);
  EXPECT_EQ(text_of(to_loopback(v4("127.0.0.1", 8080), lo, AddressUse::kConnect)), "127.5.6.7:8080");
  EXPECT_EQ(text_of(to_loopback(v4("0.0.0.0", 8080), lo, AddressUse::kBind)), "127.5.6.7:8080");
  EXPECT_EQ(text_of(to_loopback(v6("::1", 8080), lo, AddressUse::kConnect)), "::ffff:127.5.6.7:8080");
  EXPECT_EQ(text_of(to_loopback(v6("::", 8080), lo, AddressUse::kBind)), "::ffff:127.5.6.7:8080");
  auto back4 = loopback_to_guest(v4("127.5.6.7", 8080), lo);
  ASSERT_TRUE(back4);
  EXPECT_EQ(text_of(*back4), "127.0.0.1:8080");
  auto back6 = loopback_to_guest(v6("::ffff:127.5.6.7", 8080), lo);
  ASSERT_TRUE(back6);
  EXPECT_EQ(text_of(*back6), "::1:8080");
  // Another address (the host's, another namespace's) stays as it is.
  EXPECT_FALSE(loopback_to_guest(v4("127.0.0.1"), lo));
  EXPECT_FALSE(loopback_to_guest(v4("127.5.6.8"), lo));
  EXPECT_TRUE(unbound_inet(v4("0.0.0.0", 0)));
  EXPECT_FALSE(unbound_inet(v4("127.5.6.7", 0)));
  EXPECT_TRUE(unbound_inet(v6("::", 0)));
}

TEST(NetNames, AbstractNamesGetTheNamespacesPrefixBothWays) {
  NetLoopback lo = make_loopback(kL);
  EXPECT_EQ(lo.prefix, "cc050607/");
  const std::string with_nul("a\0b", 3);  // a name is its bytes, NULs too
  auto host = abstract_to_host(abstract(with_nul), lo, AddressUse::kConnect);
  ASSERT_TRUE(host && host->kind == AddressAnswer::Kind::kRewritten);
  EXPECT_EQ(abstract_name(host->host), "cc050607/" + with_nul);
  auto back = abstract_to_guest(host->host, lo);
  ASSERT_TRUE(back);
  EXPECT_EQ(abstract_name(*back), with_nul);
  EXPECT_EQ(back->len, abstract(with_nul).len);
  // Another namespace's name, or the host's, stays as it is.
  EXPECT_FALSE(abstract_to_guest(abstract("cc050608/x"), lo));
  EXPECT_FALSE(abstract_to_guest(abstract("/tmp/.X11-unix/X0"), lo));
  // A name that no longer fits sun_path once prefixed.
  auto too_long = abstract_to_host(abstract(std::string(100, 'x')), lo, AddressUse::kBind);
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->kind, AddressAnswer::Kind::kRefused);
  EXPECT_EQ(too_long->err, EINVAL);
  // Paths are not the namespace's.
  SockAddr path = abstract("x");
  reinterpret_cast<char*>(&path.addr)[offsetof(sockaddr_un, sun_path)] = '/';
  EXPECT_FALSE(abstract_to_host(path, lo, AddressUse::kBind));
}

// An autobind (bind of the bare family) gets a name of the namespace's,
// "\0" and five hex digits to the guest, as unix_autobind() makes them.
TEST(NetNames, AnAutobindGetsANameOfTheNamespaces) {
  NetLoopback lo = make_loopback(kL);
  SockAddr bare;
  bare.addr.ss_family = AF_UNIX;
  bare.len = sizeof(sa_family_t);
  EXPECT_FALSE(abstract_to_host(bare, lo, AddressUse::kConnect));
  auto first = abstract_to_host(bare, lo, AddressUse::kBind);
  auto second = abstract_to_host(bare, lo, AddressUse::kBind);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(abstract_name(*abstract_to_guest(first->host, lo)), "00000");
  EXPECT_EQ(abstract_name(*abstract_to_guest(second->host, lo)), "00001");
}

TEST(NetNames, ALoopbackIsDrawnAwayFromTheOnesInUse) {
  std::set<std::uint32_t> in_use;
  for (int i = 0; i < 200; ++i) {
    const std::uint32_t a = pick_loopback(in_use);
    EXPECT_EQ(a >> 24, 127u);
    EXPECT_NE((a >> 16) & 0xff, 0u) << "127.0.x.x is the host's own (127.0.0.1, 127.0.1.1, 127.0.0.53)";
    EXPECT_FALSE(in_use.contains(a));
    in_use.insert(a);
  }
}

TEST(NetIsolation, SocketsTheNamespaceCannotCheckAreNotGiven) {
  tracer::ProcessRegistry registry;
  registry.add(10, 10);
  registry.add(11, 11);
  auto ns = std::make_shared<NamespaceState>(nullptr, registry);
  ns->unshare(11, CLONE_NEWNET, 0, 0);
  const NetIsolation net(ns);
  EXPECT_EQ(net.socket_error(10, AF_VSOCK, SOCK_STREAM, 0), 0) << "the host's namespace";
  EXPECT_EQ(net.socket_error(11, AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT);
  EXPECT_EQ(net.socket_error(11, AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
  EXPECT_EQ(net.socket_error(11, AF_INET, SOCK_RAW, IPPROTO_TCP), EPERM);
  EXPECT_EQ(net.socket_error(11, AF_INET6, SOCK_STREAM, IPPROTO_SCTP), EPROTONOSUPPORT);
  EXPECT_EQ(net.socket_error(11, AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE), EPROTONOSUPPORT);
  for (int domain : {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK}) {
    EXPECT_EQ(net.socket_error(11, domain, SOCK_STREAM | SOCK_CLOEXEC, 0), 0) << domain;
  }
  EXPECT_EQ(net.socket_error(11, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), 0);  // ping
}

// Runs `f` in a child in a kernel network namespace of its own with lo up
// (as root, or in a user namespace of its own); its status, or -1 when
// this host gives neither.
template <typename F>
int in_own_netns(F&& f) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) _exit(99);
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    ifr.ifr_flags = IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) _exit(98);
    _exit(f());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) >= 98) return -1;
  return WEXITSTATUS(status);
}

int bound(int family, int type, const char* addr, std::uint16_t port, bool v6only = false) {
  const int s = socket(family, type, 0);
  const int one = 1;
  if (v6only) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  const SockAddr a = family == AF_INET ? v4(addr, port) : v6(addr, port);
  if (bind(s, reinterpret_cast<const sockaddr*>(&a.addr), static_cast<socklen_t>(a.len)) != 0) return -1;
  if (type == SOCK_STREAM) listen(s, 1);
  return s;
}

// Each check a bit of the status, so a failure says which.
TEST(HostSockets, WildcardSocketsAreFoundSpecificOnesAreNot) {
  const int status = in_own_netns([] {
    int failed = 0;
    bound(AF_INET, SOCK_STREAM, "127.0.0.1", 4000);  // specific: not in the way
    bound(AF_INET, SOCK_STREAM, "0.0.0.0", 4001);
    bound(AF_INET6, SOCK_STREAM, "::", 4002);  // dual-stack: takes IPv4 too
    bound(AF_INET6, SOCK_STREAM, "::", 4003, true);  // IPv6 only
    bound(AF_INET, SOCK_DGRAM, "0.0.0.0", 4004);
    bound(AF_INET, SOCK_DGRAM, "127.0.0.1", 4005);
    HostSockets host;
    auto tcp_udp = [&](std::uint16_t p) { return host.wildcard({IPPROTO_TCP, IPPROTO_UDP}, p); };
    if (tcp_udp(4000)) failed |= 1;
    if (!tcp_udp(4001) || !host.wildcard({IPPROTO_TCP}, 4001)) failed |= 2;
    if (!tcp_udp(4002)) failed |= 4;
    if (tcp_udp(4003)) failed |= 8;
    if (!host.wildcard({IPPROTO_UDP}, 4004) || host.wildcard({IPPROTO_TCP}, 4004)) failed |= 16;
    if (tcp_udp(4005) || tcp_udp(4006)) failed |= 32;
    // /proc/net says the same, but for :: sockets, all counted.
    if (HostSockets::wildcard_in_proc(IPPROTO_TCP, 4000) || !HostSockets::wildcard_in_proc(IPPROTO_TCP, 4001) ||
        !HostSockets::wildcard_in_proc(IPPROTO_TCP, 4003) || !HostSockets::wildcard_in_proc(IPPROTO_UDP, 4004) ||
        HostSockets::wildcard_in_proc(IPPROTO_UDP, 4005)) {
      failed |= 64;
    }
    bound(AF_INET, SOCK_DGRAM, "127.9.9.9", 4007);
    bound(AF_INET6, SOCK_STREAM, "::ffff:127.8.8.8", 4008);
    const auto used = HostSockets::loopback_in_use();
    if (!used.contains(0x7f000001) || !used.contains(0x7f090909) || !used.contains(0x7f080808)) {
      failed |= 128;
    }
    return failed;
  });
  if (status < 0) GTEST_SKIP() << "no network namespace of the test's own here";
  EXPECT_EQ(status, 0);
}

// A client in an emulated network namespace: connect(2) to 127.0.0.1:P,
// where the host (this test) listens, is refused, and the client's socket
// is bound to the namespace's loopback, 127.R.S.T with R not 0.
TEST(NetIsolation, AClientReachesNoHostListenerAndIsBoundToItsLoopback) {
  const int listener = bound(AF_INET, SOCK_STREAM, "127.0.0.1", 0);
  ASSERT_GE(listener, 0);
  sockaddr_in at{};
  socklen_t at_len = sizeof at;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&at), &at_len), 0);
  tracer::ProcessRegistry registry;
  auto ns = std::make_shared<NamespaceState>(nullptr, registry);
  ns->start_in_new(NsKind::kNet);
  tracer::HandlerList list;
  list.push_back(std::make_unique<Sockets>(nullptr, std::make_shared<NetIsolation>(ns), registry));
  tracer::Dispatcher d(std::move(list));
  const int status = cocoon::testing::dispatch_child(
      d, arch::find_syscall(arch::Sys::connect).number(arch::host_arch()),
      [&](pid_t child) { registry.add(child, child); },
      [&] {
        const int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0) return 2;
        if (errno != ECONNREFUSED) return 3;
        sockaddr_in own{};
        socklen_t len = sizeof own;
        getsockname(s, reinterpret_cast<sockaddr*>(&own), &len);
        const std::uint32_t a = ntohl(own.sin_addr.s_addr);
        return a >> 24 == 127 && ((a >> 16) & 0xff) != 0 ? 0 : 4;
      });
  close(listener);
  EXPECT_EQ(status, 0) << "2: reached the host's listener, 3: another error, 4: not bound to L";
}

}  // namespace
}  // namespace cocoon::syscalls
