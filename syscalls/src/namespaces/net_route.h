// What an emulated network namespace shows of the host's interfaces in
// NETLINK_ROUTE replies (docs/internals/namespaces.md, "What it shows of
// the interfaces"). A new kernel network namespace has one interface, lo,
// numbered 1 (LOOPBACK_IFINDEX, include/net/net_namespace.h: the loopback
// device is registered first in every namespace, loopback_net_init()),
// with 127.0.0.1/8 and ::1 and the local routes the kernel makes for them.
// cocoon's processes share the host's kernel namespace, so a dump
// (`ip addr`, getifaddrs(3), Go's net.Interfaces) lists every host
// interface; this keeps only what belongs to interface 1, which is the
// host's lo, the same device a new namespace would show.
// Pure: a batch of netlink messages in, the kept ones compacted in place.
#pragma once

#include <cstddef>
#include <span>

namespace cocoon::syscalls {

// Rewrites `batch` (what one recvmsg/recvfrom of a NETLINK_ROUTE socket
// returned) in place and returns its new length:
// - RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR, RTM_NEWNEIGH/DELNEIGH,
//   RTM_NEWROUTE/DELROUTE (by RTA_OIF), RTM_NEWQDISC/TCLASS/TFILTER and
//   RTM_NEWNETCONF (by NETCONFA_IFINDEX) of an interface other than 1 are
//   taken out;
// - lo's link statistics (IFLA_STATS, IFLA_STATS64) are zeroed: the host's
//   loopback traffic is not the namespace's;
// - everything else (NLMSG_DONE, NLMSG_ERROR, rules, other types) stays.
// A reply to a request about one object (no NLM_F_MULTI) that goes
// becomes the NLMSG_ERROR the kernel gives in a namespace without it
// (ENODEV; a route: ENETUNREACH).
// A dump's batch whose every message goes has length 0, which a reader
// would take for the end of the socket: the caller reads the next batch
// instead (no message made up for it is safe: iproute2's route printer
// calls a NOOP "Not a route" and ends the dump, Go's NetlinkRIB refuses a
// message whose sequence number is not the request's). A malformed batch
// is left as it is.
std::size_t only_loopback(std::span<std::byte> batch);

}  // namespace cocoon::syscalls
