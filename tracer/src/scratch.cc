#include "cocoon/tracer/scratch.h"

#include <cerrno>
#include <string>

namespace cocoon::tracer {

std::expected<std::uint64_t, int> StackScratch::push(std::span<const std::byte> data) {
  const std::uint64_t size = (data.size() + kAlign - 1) & ~(kAlign - 1);
  if (size > top_) return std::unexpected(EFAULT);
  const std::uint64_t addr = top_ - size;
  if (auto r = memory_.write(addr, data); !r) return std::unexpected(r.error());
  top_ = addr;
  return addr;
}

std::expected<std::uint64_t, int> StackScratch::push_string(std::string_view s) {
  std::string with_nul(s);
  with_nul.push_back('\0');
  return push(std::as_bytes(std::span(with_nul)));
}

}  // namespace cocoon::tracer
