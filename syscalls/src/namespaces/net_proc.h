// /proc/net/{tcp,tcp6,udp,udp6,unix} as an emulated network namespace
// shows them (net_isolation.h): a kernel namespace lists only its own
// sockets (proc_net(5)), but every guest socket is in the host's kernel
// namespace, so the host's files list the host's. A guest in an emulated
// namespace reads a copy instead (a GeneratedFiles overlay, written when
// it opens one): the sockets on its loopback address L, which it sees as
// 127.0.0.1 (::1 for ::ffff:L), and the abstract AF_UNIX sockets under
// its prefix, without it (net_names.h), as getsockname gives them back.
// Left out: its path-bound and unnamed AF_UNIX sockets (nothing tells them
// from the host's), and every IP socket not on L. The files that list
// interfaces (dev, route, if_inet6, ipv6_route, arp, igmp6, dev_mcast)
// keep their lines about lo, with lo's counters in dev zeroed (the host's
// loopback traffic is not the namespace's).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ns_state.h"

namespace cocoon::syscalls {

// The socket tables, and the files with a device column (a new namespace
// has lo alone, numbered 1: net_route.h), by where that column is.
enum class NetProcFile : std::uint8_t {
  kInet, kInet6, kUnix,
  kDev,        // dev: "  lo: counters...", after two header lines
  kFirstWord,  // route: "Iface ...", after one header line
  kSecondWord, // igmp6, dev_mcast: "INDEX DEVICE ...", no header
  kLastWord,   // if_inet6, ipv6_route (no header), arp (one header line)
};

// Which of the files `rest` ("/net/tcp", as parse_proc_task_path leaves
// it) is.
std::optional<NetProcFile> net_proc_file_of(std::string_view rest);

// The host's `text` of one such file as the namespace whose loopback is
// `loopback` (127.R.S.T, host byte order; 0: none yet, so no socket of
// its own) shows it: the header, then its own lines, renumbered. Pure.
std::string filter_net_proc(std::string_view text, NetProcFile kind, std::uint32_t loopback);
// A file with a device column: its header and its lines about lo. Pure.
std::string filter_net_devices(std::string_view text, NetProcFile kind);

// The file standing for host path `host` (/proc/PID/net/... or
// /proc/PID/task/TID/net/...) for reader `tgid`, written in `dir`: PID's
// namespace's, as the kernel shows it whoever reads; empty when PID is in
// the host's own namespace or `host` is no such file.
std::string net_proc_file(const NamespaceState& ns, const std::string& dir, const std::string& host,
                          pid_t tgid);

}  // namespace cocoon::syscalls
