#include "net_proc.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "net_names.h"
#include "proc_fields.h"
#include "view/proc_path.h"

namespace cocoon::syscalls {

namespace {

// An IPv4 address as /proc/net/tcp prints it: its network-order bytes
// read as one native u32, "%08X" (tcp4_seq_show(), net/ipv4/tcp_ipv4.c).
std::string hex_word(const unsigned char* bytes) {
  std::uint32_t w = 0;
  std::memcpy(&w, bytes, sizeof w);
  char out[9];
  std::snprintf(out, sizeof out, "%08X", w);
  return out;
}

std::string hex_inet(std::uint32_t host_order) {
  const std::uint32_t net = htonl(host_order);
  return hex_word(reinterpret_cast<const unsigned char*>(&net));
}

// An IPv6 address as /proc/net/tcp6 prints it: four such words.
std::string hex_inet6(const in6_addr& a) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += hex_word(a.s6_addr + 4 * i);
  return out;
}

in6_addr loopback6() {
  in6_addr a{};
  a.s6_addr[15] = 1;
  return a;
}

in6_addr mapped(std::uint32_t host_order) {
  in6_addr a{};
  a.s6_addr[10] = a.s6_addr[11] = 0xff;
  const std::uint32_t net = htonl(host_order);
  std::memcpy(a.s6_addr + 12, &net, sizeof net);
  return a;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// The line's first field ("  12:"), its entry number, as `n` in the same
// width (tcp's "%4d:", udp's "%5d:").
std::string renumbered(const std::string& line, int n) {
  const std::size_t colon = line.find(':');
  std::string num = std::to_string(n);
  if (num.size() < colon) num.insert(0, colon - num.size(), ' ');
  return num + line.substr(colon);
}

// The 8th field of a /proc/net/unix line, its path ("@name" for an
// abstract one, unix_seq_show(), net/unix/af_unix.c); empty when unbound.
std::string unix_path(const std::string& line, std::size_t* at) {
  std::istringstream words(line);
  std::string w;
  for (int i = 0; i < 7 && words >> w; ++i) {}
  words >> std::ws;
  *at = words.eof() ? std::string::npos : static_cast<std::size_t>(words.tellg());
  return *at == std::string::npos ? std::string() : line.substr(*at);
}

}  // namespace

std::optional<NetProcFile> net_proc_file_of(std::string_view rest) {
  if (rest == "/net/tcp" || rest == "/net/udp") return NetProcFile::kInet;
  if (rest == "/net/tcp6" || rest == "/net/udp6") return NetProcFile::kInet6;
  if (rest == "/net/unix") return NetProcFile::kUnix;
  if (rest == "/net/dev") return NetProcFile::kDev;
  if (rest == "/net/route") return NetProcFile::kFirstWord;
  if (rest == "/net/igmp6" || rest == "/net/dev_mcast") return NetProcFile::kSecondWord;
  if (rest == "/net/if_inet6" || rest == "/net/ipv6_route" || rest == "/net/arp") return NetProcFile::kLastWord;
  return std::nullopt;
}

// lo's line in dev with every counter 0, in dev_seq_printf_stats()'s
// format ("%6s:%8llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu
// %7llu %4llu %4llu %4llu %5llu %7llu %10llu\n", net/core/net-procfs.c).
const char* const kZeroLo =
    "    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n";

std::string filter_net_devices(std::string_view text, NetProcFile kind) {
  std::istringstream in{std::string(text)};
  std::string line, out;
  // Header lines: dev_seq_show()'s two, rt_seq_show()'s and arp_seq_show()'s
  // one ("IP address" starts arp's; if_inet6 and ipv6_route have none).
  const int headers = kind == NetProcFile::kDev ? 2 : kind == NetProcFile::kFirstWord ? 1 : 0;
  for (int i = 0; i < headers && std::getline(in, line); ++i) out += line + "\n";
  while (std::getline(in, line)) {
    if (line.starts_with("IP address")) {
      out += line + "\n";
      continue;
    }
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.empty()) continue;
    std::string device;
    switch (kind) {
      case NetProcFile::kDev: device = w[0].substr(0, w[0].find(':')); break;
      case NetProcFile::kFirstWord: device = w[0]; break;
      case NetProcFile::kSecondWord: device = w.size() > 1 ? w[1] : ""; break;
      default: device = w.back(); break;
    }
    if (device != "lo") continue;
    out += kind == NetProcFile::kDev ? kZeroLo : line + "\n";
  }
  return out;
}

std::string filter_net_proc(std::string_view text, NetProcFile kind, std::uint32_t loopback) {
  if (kind != NetProcFile::kInet && kind != NetProcFile::kInet6 && kind != NetProcFile::kUnix) {
    return filter_net_devices(text, kind);
  }
  std::istringstream in{std::string(text)};
  std::string line, out;
  if (std::getline(in, line)) out = line + "\n";
  if (loopback == 0) return out;
  const std::string prefix = "@" + make_loopback(loopback).prefix;
  const bool v6 = kind == NetProcFile::kInet6;
  const std::string own = v6 ? hex_inet6(mapped(loopback)) : hex_inet(loopback);
  const std::string shown = v6 ? hex_inet6(loopback6()) : hex_inet(INADDR_LOOPBACK);
  int n = 0;
  while (std::getline(in, line)) {
    if (kind == NetProcFile::kUnix) {
      std::size_t at = 0;
      if (!unix_path(line, &at).starts_with(prefix)) continue;
      out += line.substr(0, at) + "@" + line.substr(at + prefix.size()) + "\n";
      continue;
    }
    // "  sl: LOCAL:PORT REMOTE:PORT ...": kept when LOCAL is L.
    std::istringstream words(line);
    std::string sl, local;
    if (!(words >> sl >> local) || !local.starts_with(own + ":")) continue;
    replace_all(line, own + ":", shown + ":");
    out += renumbered(line, n++) + "\n";
  }
  return out;
}

std::string net_proc_file(const NamespaceState& ns, const std::string& dir, const std::string& host,
                          pid_t tgid) {
  const auto path = parse_proc_task_path(host);
  const auto kind = path ? net_proc_file_of(path->rest) : std::nullopt;
  if (!kind) return {};
  // /proc/PID/net is PID's namespace's, whoever reads it (proc_net(5):
  // the file follows the task it is under); /proc/net is /proc/self/net.
  (void)tgid;
  const std::uint32_t id = ns.id_of(path->pid, NsKind::kNet);
  if (id == 0) return {};
  const auto lo = ns.net_loopbacks.find(id);
  const std::string text = filter_net_proc(read_file(host), *kind,
                                           lo == ns.net_loopbacks.end() ? 0 : lo->second);
  static unsigned counter = 0;  // under the tracer's lock, as every lookup
  return write_generated(dir, counter++, text);
}

}  // namespace cocoon::syscalls
