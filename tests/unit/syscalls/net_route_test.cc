// NETLINK_ROUTE replies as an emulated network namespace shows them
// (net_route.h): only interface 1's messages, lo's counters zeroed, and a
// batch that loses everything read as a NOOP, never as an empty read.
// Synthetic batches first, then real dumps of this host's kernel.
#include "namespaces/net_route.h"

#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cocoon::syscalls {
namespace {

// One message: header, fixed part, attributes (type, payload) each aligned.
template <typename Fixed>
void add(std::vector<std::byte>& batch, std::uint16_t type, const Fixed& fixed,
         std::vector<std::pair<std::uint16_t, std::vector<std::byte>>> attrs = {},
         std::uint32_t seq = 7) {
  std::vector<std::byte> body(NLMSG_ALIGN(sizeof fixed));
  std::memcpy(body.data(), &fixed, sizeof fixed);
  for (const auto& [t, payload] : attrs) {
    rtattr a{static_cast<unsigned short>(RTA_LENGTH(payload.size())), t};
    const std::size_t at = body.size();
    body.resize(at + RTA_ALIGN(a.rta_len));
    std::memcpy(body.data() + at, &a, sizeof a);
    std::memcpy(body.data() + at + RTA_LENGTH(0), payload.data(), payload.size());
  }
  nlmsghdr h{static_cast<std::uint32_t>(NLMSG_HDRLEN + body.size()), type, NLM_F_MULTI, seq, 42};
  const std::size_t at = batch.size();
  batch.resize(at + NLMSG_ALIGN(h.nlmsg_len));
  std::memcpy(batch.data() + at, &h, sizeof h);
  std::memcpy(batch.data() + at + NLMSG_HDRLEN, body.data(), body.size());
}

std::vector<std::byte> int32_bytes(std::int32_t v) {
  std::vector<std::byte> b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}

// The (type, interface) of each message left, the interface read as the
// filter reads it for links and addresses.
std::vector<std::pair<int, int>> messages(std::span<const std::byte> batch) {
  std::vector<std::pair<int, int>> out;
  for (std::size_t at = 0; at + NLMSG_HDRLEN <= batch.size();) {
    nlmsghdr h;
    std::memcpy(&h, batch.data() + at, sizeof h);
    int index = -1;
    if (h.nlmsg_type == RTM_NEWLINK) {
      ifinfomsg i;
      std::memcpy(&i, batch.data() + at + NLMSG_HDRLEN, sizeof i);
      index = i.ifi_index;
    } else if (h.nlmsg_type == RTM_NEWADDR) {
      ifaddrmsg a;
      std::memcpy(&a, batch.data() + at + NLMSG_HDRLEN, sizeof a);
      index = static_cast<int>(a.ifa_index);
    }
    out.emplace_back(h.nlmsg_type, index);
    at += NLMSG_ALIGN(h.nlmsg_len);
  }
  return out;
}

TEST(NetRoute, KeepsInterfaceOneAndWhatNamesNone) {
  std::vector<std::byte> b;
  add(b, RTM_NEWLINK, ifinfomsg{.ifi_index = 1});
  add(b, RTM_NEWLINK, ifinfomsg{.ifi_index = 2});
  add(b, RTM_NEWADDR, ifaddrmsg{.ifa_index = 2});
  add(b, RTM_NEWADDR, ifaddrmsg{.ifa_index = 1});
  add(b, RTM_NEWRULE, rtmsg{});  // rules name no interface: kept
  add(b, NLMSG_DONE, std::int32_t{0});
  const std::size_t n = only_loopback(b);
  EXPECT_EQ(messages(std::span(b).first(n)),
            (std::vector<std::pair<int, int>>{{RTM_NEWLINK, 1}, {RTM_NEWADDR, 1}, {RTM_NEWRULE, -1}, {NLMSG_DONE, -1}}));
}

TEST(NetRoute, RoutesByOutputInterface) {
  std::vector<std::byte> b;
  add(b, RTM_NEWROUTE, rtmsg{.rtm_family = AF_INET}, {{RTA_OIF, int32_bytes(3)}});
  add(b, RTM_NEWROUTE, rtmsg{.rtm_family = AF_INET}, {{RTA_TABLE, int32_bytes(255)}, {RTA_OIF, int32_bytes(1)}});
  add(b, RTM_NEWROUTE, rtmsg{.rtm_family = AF_INET, .rtm_type = RTN_UNREACHABLE});  // no device
  const std::size_t n = only_loopback(b);
  const auto left = messages(std::span(b).first(n));
  ASSERT_EQ(left.size(), 1u);
  rtmsg r;
  std::memcpy(&r, b.data() + NLMSG_HDRLEN, sizeof r);
  EXPECT_EQ(r.rtm_type, 0);  // the second one, moved to the front
}

TEST(NetRoute, LoopbackCountersZeroed) {
  std::vector<std::byte> stats(sizeof(rtnl_link_stats64), std::byte{0x5a});
  std::vector<std::byte> b;
  add(b, RTM_NEWLINK, ifinfomsg{.ifi_index = 1}, {{IFLA_MTU, int32_bytes(65536)}, {IFLA_STATS64, stats}});
  const std::size_t n = only_loopback(b);
  ASSERT_EQ(n, b.size());
  const std::size_t attrs = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg));
  std::int32_t mtu;
  std::memcpy(&mtu, b.data() + attrs + RTA_LENGTH(0), sizeof mtu);
  EXPECT_EQ(mtu, 65536);  // other attributes as they were
  const std::size_t s = attrs + RTA_ALIGN(RTA_LENGTH(4)) + RTA_LENGTH(0);
  for (std::size_t i = 0; i < sizeof(rtnl_link_stats64); ++i) ASSERT_EQ(b[s + i], std::byte{0}) << i;
}

// The caller then reads the next batch.
TEST(NetRoute, EverythingGoneFromADumpIsEmpty) {
  std::vector<std::byte> b;
  add(b, RTM_NEWLINK, ifinfomsg{.ifi_index = 2}, {}, 99);
  add(b, RTM_NEWLINK, ifinfomsg{.ifi_index = 3}, {}, 99);
  EXPECT_EQ(only_loopback(b), 0u);
}

// `ip link show eth0`: the kernel's one answer, about another interface,
// becomes its answer in a namespace without that interface.
TEST(NetRoute, AnswerAboutAnotherInterfaceIsNoDevice) {
  for (auto [type, err] : {std::pair{RTM_NEWLINK, ENODEV}, std::pair{RTM_NEWROUTE, ENETUNREACH}}) {
    std::vector<std::byte> b;
    if (type == RTM_NEWLINK) {
      add(b, type, ifinfomsg{.ifi_index = 4}, {{IFLA_MTU, int32_bytes(1500)}}, 5);
    } else {
      add(b, type, rtmsg{.rtm_family = AF_INET}, {{RTA_OIF, int32_bytes(4)}, {RTA_TABLE, int32_bytes(254)}}, 5);
    }
    nlmsghdr h;
    std::memcpy(&h, b.data(), sizeof h);
    h.nlmsg_flags = 0;  // not a dump's
    std::memcpy(b.data(), &h, sizeof h);
    const std::size_t n = only_loopback(b);
    ASSERT_EQ(n, NLMSG_HDRLEN + sizeof(nlmsgerr));
    std::memcpy(&h, b.data(), sizeof h);
    EXPECT_EQ(h.nlmsg_type, NLMSG_ERROR);
    EXPECT_EQ(h.nlmsg_seq, 5u);
    nlmsgerr e;
    std::memcpy(&e, b.data() + NLMSG_HDRLEN, sizeof e);
    EXPECT_EQ(e.error, -err);
    EXPECT_EQ(e.msg.nlmsg_type, type + 2);  // the request: RTM_GET*
  }
}

TEST(NetRoute, MalformedLeftAlone) {
  std::vector<std::byte> b;
  add(b, RTM_NEWLINK, ifinfomsg{.ifi_index = 2});
  const auto before = b;
  b.resize(b.size() - 4);  // cut: the header's length overruns
  const auto cut = b;
  EXPECT_EQ(only_loopback(b), cut.size());
  EXPECT_EQ(b, cut);
  std::vector<std::byte> tiny(8);
  EXPECT_EQ(only_loopback(tiny), 8u);
  std::vector<std::byte> none;
  EXPECT_EQ(only_loopback(none), 0u);
}

// This kernel's own dumps of links and addresses: whatever the host has,
// what is left is lo alone, and all of lo.
std::vector<std::vector<std::byte>> dump(std::uint16_t type) {
  std::vector<std::vector<std::byte>> batches;
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return batches;
  struct {
    nlmsghdr h;
    rtgenmsg g;
  } req{{sizeof req, type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0}, {AF_UNSPEC}};
  if (::send(fd, &req, sizeof req, 0) == static_cast<ssize_t>(sizeof req)) {
    for (;;) {
      std::vector<std::byte> buf(1 << 16);
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      buf.resize(static_cast<std::size_t>(n));
      batches.push_back(buf);
      nlmsghdr last{};
      for (std::size_t at = 0; at + NLMSG_HDRLEN <= buf.size(); at += NLMSG_ALIGN(last.nlmsg_len)) {
        std::memcpy(&last, buf.data() + at, sizeof last);
      }
      if (last.nlmsg_type == NLMSG_DONE || last.nlmsg_type == NLMSG_ERROR) break;
    }
  }
  ::close(fd);
  return batches;
}

TEST(NetRoute, HostDumpsLeaveLoAlone) {
  for (std::uint16_t type : {RTM_GETLINK, RTM_GETADDR}) {
    auto batches = dump(type);
    ASSERT_FALSE(batches.empty()) << "no dump from this kernel";
    int lo_before = 0, lo_after = 0, other_after = 0, done = 0;
    for (auto& batch : batches) {
      for (const auto& [t, index] : messages(batch)) lo_before += index == 1;
      const std::size_t n = only_loopback(batch);
      for (const auto& [t, index] : messages(std::span(batch).first(n))) {
        lo_after += index == 1;
        other_after += index > 1;
        done += t == NLMSG_DONE;
      }
    }
    EXPECT_GE(lo_before, 1) << type;
    EXPECT_EQ(lo_after, lo_before) << type;
    EXPECT_EQ(other_after, 0) << type;
    EXPECT_EQ(done, 1) << type;
  }
}

}  // namespace
}  // namespace cocoon::syscalls
