#include "namespaces/net_route.h"

#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>

namespace cocoon::syscalls {
namespace {

constexpr int kLoopback = 1;  // LOOPBACK_IFINDEX

template <typename T>
T read_at(std::span<const std::byte> bytes, std::size_t at) {
  T v{};
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

// The attribute `type`'s payload in `attrs` (a run of struct rtattr, each
// aligned to RTA_ALIGNTO), or nullopt.
std::optional<std::span<std::byte>> attribute(std::span<std::byte> attrs, std::uint16_t type) {
  std::size_t at = 0;
  while (at + sizeof(rtattr) <= attrs.size()) {
    const auto a = read_at<rtattr>(attrs, at);
    if (a.rta_len < sizeof(rtattr) || at + a.rta_len > attrs.size()) return std::nullopt;
    if (a.rta_type == type) return attrs.subspan(at + RTA_LENGTH(0), a.rta_len - RTA_LENGTH(0));
    at += RTA_ALIGN(a.rta_len);
  }
  return std::nullopt;
}

// The interface a message about one names in an attribute after its
// fixed header; 0 (no interface of the namespace's) when it names none.
template <typename Header>
std::optional<int> attribute_index(std::span<std::byte> body, std::uint16_t type) {
  if (body.size() < NLMSG_ALIGN(sizeof(Header))) return std::nullopt;
  const auto a = attribute(body.subspan(NLMSG_ALIGN(sizeof(Header))), type);
  if (!a || a->size() < sizeof(std::int32_t)) return 0;  // none: no interface of the namespace's
  return read_at<std::int32_t>(*a, 0);
}

// The interface a message is about; nullopt when it is about none (and
// stays).
std::optional<int> interface_of(std::uint16_t type, std::span<std::byte> body) {
  switch (type) {
    case RTM_NEWLINK: case RTM_DELLINK:
      if (body.size() < sizeof(ifinfomsg)) return std::nullopt;
      return read_at<ifinfomsg>(body, 0).ifi_index;
    case RTM_NEWADDR: case RTM_DELADDR:
      if (body.size() < sizeof(ifaddrmsg)) return std::nullopt;
      return static_cast<int>(read_at<ifaddrmsg>(body, 0).ifa_index);
    case RTM_NEWNEIGH: case RTM_DELNEIGH:
      if (body.size() < sizeof(ndmsg)) return std::nullopt;
      return read_at<ndmsg>(body, 0).ndm_ifindex;
    case RTM_NEWROUTE: case RTM_DELROUTE: return attribute_index<rtmsg>(body, RTA_OIF);
    case RTM_NEWQDISC: case RTM_DELQDISC: case RTM_NEWTCLASS: case RTM_DELTCLASS:
    case RTM_NEWTFILTER: case RTM_DELTFILTER:
      if (body.size() < sizeof(tcmsg)) return std::nullopt;
      return read_at<tcmsg>(body, 0).tcm_ifindex;
    case RTM_NEWNETCONF: case RTM_DELNETCONF: {
      const auto i = attribute_index<netconfmsg>(body, NETCONFA_IFINDEX);
      // NETCONFA_IFINDEX_ALL (-1) and _DEFAULT (-2) are the namespace's own.
      return i && *i < 0 ? std::nullopt : i;
    }
    default: return std::nullopt;
  }
}

constexpr std::uint32_t kErrorLen = NLMSG_HDRLEN + sizeof(nlmsgerr);

// What the kernel answers a request for one object the namespace lacks:
// no such device (rtnl_getlink(), inet_rtm_getaddr() and neigh_get() look
// the device up first), no route (inet_rtm_getroute(), ip_route_output_key
// in a namespace with lo alone: ENETUNREACH).
int not_here(std::uint16_t reply_type) {
  return reply_type == RTM_NEWROUTE ? ENETUNREACH : ENODEV;
}

// lo's counters: the host's loopback traffic, zeroed.
void zero_link_stats(std::span<std::byte> body) {
  if (body.size() < NLMSG_ALIGN(sizeof(ifinfomsg))) return;
  const auto attrs = body.subspan(NLMSG_ALIGN(sizeof(ifinfomsg)));
  for (std::uint16_t type : {IFLA_STATS, IFLA_STATS64}) {
    if (auto a = attribute(attrs, type)) std::memset(a->data(), 0, a->size());
  }
}

}  // namespace

std::size_t only_loopback(std::span<std::byte> batch) {
  // First pass: the batch must parse whole, or it is left alone.
  for (std::size_t at = 0; at < batch.size();) {
    if (batch.size() - at < sizeof(nlmsghdr)) return batch.size();
    const auto h = read_at<nlmsghdr>(batch, at);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > batch.size() - at) return batch.size();
    at += std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), batch.size() - at);
  }
  std::size_t out = 0;
  std::optional<nlmsghdr> first;
  for (std::size_t at = 0; at < batch.size();) {
    const auto h = read_at<nlmsghdr>(batch, at);
    const std::size_t step = std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), batch.size() - at);
    auto body = batch.subspan(at + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
    if (!first) first = h;
    const auto index = interface_of(h.nlmsg_type, body);
    if (!index || *index == kLoopback) {
      if (h.nlmsg_type == RTM_NEWLINK) zero_link_stats(body);
      if (out != at) std::memmove(batch.data() + out, batch.data() + at, step);
      out += step;
    }
    at += step;
  }
  if (out == 0 && first && !(first->nlmsg_flags & NLM_F_MULTI) && batch.size() >= kErrorLen) {
    // The answer to a request about one object (`ip link show eth0`,
    // `ip route get`): what the kernel says in a namespace without it.
    nlmsghdr h{kErrorLen, NLMSG_ERROR, 0, first->nlmsg_seq, first->nlmsg_pid};
    nlmsgerr e{};
    e.error = -not_here(first->nlmsg_type);
    e.msg = *first;
    e.msg.nlmsg_type = static_cast<std::uint16_t>(first->nlmsg_type + (RTM_GETLINK - RTM_NEWLINK));
    e.msg.nlmsg_len = NLMSG_HDRLEN;
    std::memcpy(batch.data(), &h, sizeof h);
    std::memcpy(batch.data() + NLMSG_HDRLEN, &e, sizeof e);
    return kErrorLen;
  }
  return out;
}

}  // namespace cocoon::syscalls
