#include "socket_address.h"

#include <algorithm>
#include <cstring>

namespace cocoon::syscalls {

SockAddr SockAddr::of(std::span<const std::byte> b) {
  SockAddr a;
  a.len = std::min(b.size(), sizeof a.addr);
  std::memcpy(&a.addr, b.data(), a.len);
  return a;
}

std::expected<std::optional<SockAddr>, int> read_sockaddr(const tracer::GuestMemory& memory,
                                                          std::uint64_t at, std::uint64_t len) {
  // An addrlen is an int to the kernel: the upper half of the register is
  // not part of it.
  const auto n = static_cast<std::int32_t>(len);
  if (at == 0 || n <= 0 || static_cast<std::size_t>(n) > sizeof(sockaddr_storage)) {
    return std::nullopt;
  }
  SockAddr a;
  a.len = static_cast<std::size_t>(n);
  if (!memory.read(at, std::as_writable_bytes(std::span(&a.addr, 1)).first(a.len))) {
    return std::unexpected(EFAULT);
  }
  return a;
}

}  // namespace cocoon::syscalls
