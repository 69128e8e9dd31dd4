// AF_UNIX path addresses between the guest's terms and the host's. A socket
// file lives in the filesystem, so its name is a path the tracer translates
// like any other; the kernel keeps a bound socket's name as the string bind
// was given (unix_bind_bsd(), net/unix/af_unix.c) and hands that string back
// from getsockname, getpeername, accept and recvfrom, so what it hands back
// is translated the other way. Abstract names (sun_path[0] == 0), unnamed
// sockets and other families are left alone both ways.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "view/guest_view.h"
#include "socket_address.h"

namespace cocoon::syscalls {

inline constexpr std::size_t kSunPathOffset = offsetof(sockaddr_un, sun_path);

// A sockaddr_un and the length that goes with it (the addrlen argument).
struct UnixAddress {
  sockaddr_un addr{};
  std::size_t len = 0;

  std::span<const std::byte> bytes() const { return std::as_bytes(std::span(&addr, 1)).first(len); }
};

// `a` when it is an AF_UNIX path name; nullopt for anything else (another
// family, an abstract name, an unnamed socket, a length the kernel refuses
// itself: outside [offset + 1, sizeof sockaddr_un], unix_validate_addr()),
// which goes to the kernel as it is.
std::optional<UnixAddress> path_address(const SockAddr& a);

// One per run with a view, owned by the Sockets handler.
class UnixAddresses {
 public:
  explicit UnixAddresses(std::shared_ptr<const GuestView> view) : view_(std::move(view)) {}

  // The address the kernel must see for the guest's `guest`, resolved for
  // the stopped tracee (bind: created, the last symlink not followed;
  // connect and send: followed), or nullopt when the kernel, handed the
  // guest's own, reaches the same file (GuestView::kernel_walks_alike): then
  // getsockname also gives back the guest's own string. Errors are the
  // guest's errno (bind over an existing entry: EADDRINUSE).
  std::expected<std::optional<UnixAddress>, int> to_host(const tracer::SyscallStop& stop,
                                                         const UnixAddress& guest, bool binding);

  // The address the guest must see for `kernel` (what the kernel wrote:
  // family, then the name), nullopt when it is the guest's already.
  std::optional<std::vector<std::byte>> to_guest(std::span<const std::byte> kernel) const;

 private:
  // A host path too long for sun_path, as a short one through a symlink to
  // its directory in the scratch directory; ENAMETOOLONG when that does not
  // fit either.
  std::expected<std::string, int> shortened(const std::string& host);
  std::expected<std::string, int> link_to_dir(const std::string& dir);
  // `host` with a scratch link put back to the directory it stands for.
  std::string unshortened(const std::string& host) const;

  std::shared_ptr<const GuestView> view_;
  // The links, "<scratch>/u/N" -> a host directory: made on first need,
  // kept for the run (a socket bound through one keeps its name).
  std::vector<std::string> link_dirs_;                // N -> directory
  std::unordered_map<std::string, std::size_t> links_;  // directory -> N
};

}  // namespace cocoon::syscalls
