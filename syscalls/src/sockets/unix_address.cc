#include "unix_address.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracee.h"
#include "paths/path_effects.h"

namespace cocoon::syscalls {
namespace {

// A path with its NUL, as unix_mkname_bsd() (net/unix/af_unix.c) counts a
// bound name's length: offsetof(sun_path) + strlen + 1. Only called with
// paths that fit.
UnixAddress address_of(const std::string& path) {
  UnixAddress a;
  a.addr.sun_family = AF_UNIX;
  std::memcpy(a.addr.sun_path, path.data(), path.size());
  a.len = kSunPathOffset + path.size() + 1;
  return a;
}

bool fits(const std::string& path) { return path.size() < sizeof(sockaddr_un::sun_path); }

}  // namespace

std::optional<UnixAddress> path_address(const SockAddr& a) {
  if (a.family() != AF_UNIX || a.len <= kSunPathOffset || a.len > sizeof(sockaddr_un)) {
    return std::nullopt;
  }
  UnixAddress u;
  u.len = a.len;
  std::memcpy(&u.addr, &a.addr, a.len);
  if (u.addr.sun_path[0] == '\0') return std::nullopt;
  return u;
}

std::expected<std::optional<UnixAddress>, int> UnixAddresses::to_host(
    const tracer::SyscallStop& stop, const UnixAddress& guest, bool binding) {
  // unix_mkname_bsd(): the path ends at the first NUL or at addrlen.
  const std::string path(guest.addr.sun_path,
                         strnlen(guest.addr.sun_path, guest.len - kSunPathOffset));
  vfs::ResolveFlags flags;
  flags.follow_last = !binding;  // unix_bind_bsd() creates; unix_find_bsd() follows
  auto r = view_->resolve_at(stop.tracee.tid, stop.tracee.tgid, AT_FDCWD, path, flags);
  if (!r) return std::unexpected(r.error());
  if (binding) {
    if (int err = effect_error(arch::Effect::kCreate, 0, *r)) {
      return std::unexpected(err == EEXIST ? EADDRINUSE : err);  // bind's word for it
    }
  }
  if (view_->kernel_walks_alike(path, *r)) return std::nullopt;
  std::string host = r->host.str();
  if (!fits(host)) {
    auto s = shortened(host);
    if (!s) return std::unexpected(s.error());
    host = std::move(*s);
  }
  return address_of(host);
}

// The kernel follows symlinks in the directory part of a name it binds
// (kern_path_create() in unix_bind_bsd()) and everywhere in one it connects
// or sends to (kern_path(LOOKUP_FOLLOW) in unix_find_bsd()), so
// "<scratch>/u/N/name" reaches "<directory>/name". The bound name is that
// string, which to_guest() maps back.
std::expected<std::string, int> UnixAddresses::shortened(const std::string& host) {
  const std::size_t slash = host.rfind('/');
  if (slash == std::string::npos) return std::unexpected(ENAMETOOLONG);
  auto link = link_to_dir(slash == 0 ? "/" : host.substr(0, slash));
  if (!link) return std::unexpected(link.error());
  std::string out = *link + host.substr(slash);
  if (!fits(out)) return std::unexpected(ENAMETOOLONG);  // the name alone is too long
  return out;
}

std::expected<std::string, int> UnixAddresses::link_to_dir(const std::string& dir) {
  const std::string& base = view_->socket_link_dir();
  if (base.empty()) return std::unexpected(ENAMETOOLONG);
  if (auto it = links_.find(dir); it != links_.end()) return base + "/" + std::to_string(it->second);
  if (link_dirs_.empty() && ::mkdir(base.c_str(), 0755) != 0 && errno != EEXIST) {
    tracer::module_logger("vfs")->warn("cannot create {}: {}", base, std::strerror(errno));
    return std::unexpected(ENAMETOOLONG);
  }
  const std::size_t n = link_dirs_.size();
  const std::string link = base + "/" + std::to_string(n);
  if (!fits(link + "/x")) return std::unexpected(ENAMETOOLONG);  // a long $TMPDIR
  if (::symlink(dir.c_str(), link.c_str()) != 0) {
    tracer::module_logger("vfs")->warn("cannot link {} to {}: {}", link, dir, std::strerror(errno));
    return std::unexpected(ENAMETOOLONG);
  }
  link_dirs_.push_back(dir);
  links_.emplace(dir, n);
  return link;
}

std::string UnixAddresses::unshortened(const std::string& host) const {
  const std::string& base = view_->socket_link_dir();
  if (base.empty() || !host.starts_with(base) || host.size() <= base.size() + 1 ||
      host[base.size()] != '/') {
    return host;
  }
  char* end = nullptr;
  const unsigned long n = std::strtoul(host.c_str() + base.size() + 1, &end, 10);
  if (end == host.c_str() + base.size() + 1 || (*end != '/' && *end != '\0') ||
      n >= link_dirs_.size()) {
    return host;
  }
  const std::string& dir = link_dirs_[n];
  return (dir == "/" ? "" : dir) + end;
}

std::optional<std::vector<std::byte>> UnixAddresses::to_guest(
    std::span<const std::byte> kernel) const {
  if (kernel.size() <= kSunPathOffset) return std::nullopt;  // unnamed
  sa_family_t family = 0;
  std::memcpy(&family, kernel.data(), sizeof family);
  const auto* name = reinterpret_cast<const char*>(kernel.data()) + kSunPathOffset;
  const std::size_t n = strnlen(name, kernel.size() - kSunPathOffset);
  // Abstract (n == 0), or relative: the guest's own words, bound as they
  // were written.
  if (family != AF_UNIX || n == 0 || name[0] != '/') return std::nullopt;
  const std::string host(name, n);
  const std::string guest = view_->to_guest(unshortened(host));
  if (guest == host) return std::nullopt;
  std::vector<std::byte> out(kSunPathOffset + guest.size() + 1);
  std::memcpy(out.data(), kernel.data(), kSunPathOffset);
  std::memcpy(out.data() + kSunPathOffset, guest.data(), guest.size());
  return out;
}

}  // namespace cocoon::syscalls
