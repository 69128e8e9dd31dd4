#include "cocoon/tracer/memory.h"

#include <linux/limits.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace cocoon::tracer {
namespace {

constexpr std::uint64_t kPage = 4096;  // the smallest page on our three arches
constexpr std::size_t kMaxIov = 4;     // PATH_MAX spans at most 2 pages

// Splits [addr, addr+len) at page boundaries: process_vm_readv stops at the
// first remote iovec it cannot access and reports the bytes before it
// (process_vm_readv(2), "partial transfers ... at the granularity of iovec
// elements"), which is how one call finds where readable memory ends.
std::size_t split_pages(std::uint64_t addr, std::size_t len, std::array<iovec, kMaxIov>& iov) {
  std::size_t n = 0;
  while (len > 0 && n < kMaxIov) {
    const std::size_t chunk = std::min<std::uint64_t>(len, kPage - (addr % kPage));
    iov[n++] = {reinterpret_cast<void*>(addr), chunk};
    addr += chunk;
    len -= chunk;
  }
  return n;
}

}  // namespace

std::expected<std::size_t, int> GuestMemory::read_some(std::uint64_t addr,
                                                        std::span<std::byte> out) const {
  auto got = read_unconfirmed(addr, out);
  if (got && !still_valid()) return std::unexpected(ESRCH);
  return got;
}

std::expected<std::size_t, int> GuestMemory::read_unconfirmed(std::uint64_t addr,
                                                               std::span<std::byte> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    std::array<iovec, kMaxIov> remote{};
    const std::size_t n = split_pages(addr + done, out.size() - done, remote);
    iovec local{out.data() + done, out.size() - done};
    const ssize_t got = process_vm_readv(tid_, &local, 1, remote.data(), n, 0);
    if (got < 0) {
      if (errno == EFAULT) break;
      if (errno == ENOSYS || errno == EPERM) return peek_some(addr, out);
      return std::unexpected(errno);
    }
    done += static_cast<std::size_t>(got);
    std::size_t wanted = 0;
    for (std::size_t i = 0; i < n; ++i) wanted += remote[i].iov_len;
    if (static_cast<std::size_t>(got) < wanted) break;  // hit an unmapped page
  }
  if (done == 0 && !out.empty()) return std::unexpected(EFAULT);
  return done;
}

bool GuestMemory::still_valid() const {
  if (notification_.listener < 0) return true;
  // No task reaped since before the call was received: its number is its
  // own (NotificationRef). Not remembered in validated_: a later access
  // looks again.
  if (notification_.reaps != nullptr &&
      notification_.reaps->load(std::memory_order_acquire) == notification_.reaps_seen) {
    return true;
  }
  std::uint64_t id = notification_.id;
  validated_ = ioctl(notification_.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
  return validated_;
}

std::expected<void, int> GuestMemory::read(std::uint64_t addr, std::span<std::byte> out) const {
  auto got = read_some(addr, out);
  if (!got) return std::unexpected(got.error());
  if (*got != out.size()) return std::unexpected(EFAULT);
  return {};
}

std::expected<void, int> GuestMemory::write(std::uint64_t addr,
                                            std::span<const std::byte> data) const {
  // Not another's memory: confirmed here unless a read was (one ioctl a call).
  if (!validated_ && !still_valid()) return std::unexpected(ESRCH);
  iovec local{const_cast<std::byte*>(data.data()), data.size()};
  iovec remote{reinterpret_cast<void*>(addr), data.size()};
  const ssize_t put = process_vm_writev(tid_, &local, 1, &remote, 1, 0);
  if (put == static_cast<ssize_t>(data.size())) return {};
  if (put < 0 && (errno == ENOSYS || errno == EPERM)) return poke(addr, data);
  return std::unexpected(EFAULT);
}

std::expected<void, int> GuestMemory::write_force(std::uint64_t addr,
                                                  std::span<const std::byte> data) const {
  return poke(addr, data);
}

// Page by page: a path nearly always ends in the page it starts in, and
// reading PATH_MAX bytes at once would pin and copy a second page for
// nothing at every call. Confirmed once, when the whole path is in.
std::expected<std::string, int> GuestMemory::read_path(std::uint64_t addr) const {
  std::array<std::byte, PATH_MAX> buf;
  std::size_t have = 0;
  while (have < buf.size()) {
    const std::size_t want =
        std::min<std::uint64_t>(buf.size() - have, kPage - ((addr + have) % kPage));
    auto got = read_unconfirmed(addr + have, std::span(buf).subspan(have, want));
    if (!got) return std::unexpected(got.error());
    const auto* chars = reinterpret_cast<const char*>(buf.data());
    const void* nul = std::memchr(chars + have, '\0', *got);
    have += *got;
    if (nul != nullptr) {
      if (!still_valid()) return std::unexpected(ESRCH);
      return std::string(chars, static_cast<const char*>(nul));
    }
    if (*got < want) return std::unexpected(EFAULT);
  }
  return std::unexpected(ENAMETOOLONG);
}

std::expected<std::size_t, int> GuestMemory::peek_some(std::uint64_t addr,
                                                        std::span<std::byte> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t at = addr + done;
    const std::uint64_t aligned = at & ~std::uint64_t{7};
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, tid_, aligned, nullptr);
    if (errno != 0) break;
    const std::size_t skip = at - aligned;
    const std::size_t n = std::min(sizeof word - skip, out.size() - done);
    std::memcpy(out.data() + done, reinterpret_cast<const std::byte*>(&word) + skip, n);
    done += n;
  }
  if (done == 0 && !out.empty()) return std::unexpected(EFAULT);
  return done;
}

std::expected<void, int> GuestMemory::poke(std::uint64_t addr,
                                           std::span<const std::byte> data) const {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::uint64_t at = addr + done;
    const std::uint64_t aligned = at & ~std::uint64_t{7};
    const std::size_t skip = at - aligned;
    const std::size_t n = std::min(sizeof(long) - skip, data.size() - done);
    long word = 0;
    if (skip != 0 || n != sizeof word) {  // partial word: keep the other bytes
      errno = 0;
      word = ptrace(PTRACE_PEEKDATA, tid_, aligned, nullptr);
      if (errno != 0) return std::unexpected(errno == EIO ? EFAULT : errno);
    }
    std::memcpy(reinterpret_cast<std::byte*>(&word) + skip, data.data() + done, n);
    if (ptrace(PTRACE_POKEDATA, tid_, aligned, word) != 0) {
      return std::unexpected(errno == EIO ? EFAULT : errno);
    }
    done += n;
  }
  return {};
}

}  // namespace cocoon::tracer
