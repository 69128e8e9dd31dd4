#include "agent/agent_image.h"

#include <cstring>
#include <limits>

// The image, from the build (agent_blob.S: .incbin), where the agent is
// built (COCOON_HAVE_AGENT: syscalls/CMakeLists.txt).
#ifdef COCOON_HAVE_AGENT
extern "C" {
extern const unsigned char cocoon_agent_image[];
extern const unsigned char cocoon_agent_image_end[];
}
#endif

namespace cocoon::syscalls::agent {
namespace {

bool rel32(std::uint64_t from_next, std::uint64_t to, std::int32_t& out) {
  const auto d = static_cast<std::int64_t>(to - from_next);
  if (d < std::numeric_limits<std::int32_t>::min() || d > std::numeric_limits<std::int32_t>::max()) {
    return false;
  }
  out = static_cast<std::int32_t>(d);
  return true;
}

void put(std::byte* at, const std::initializer_list<unsigned> bytes) {
  for (unsigned b : bytes) *at++ = static_cast<std::byte>(b);
}

void put32(std::byte* at, std::uint32_t v) { std::memcpy(at, &v, 4); }

}  // namespace

std::span<const std::byte> image() {
#ifdef COCOON_HAVE_AGENT
  return {reinterpret_cast<const std::byte*>(cocoon_agent_image),
          static_cast<std::size_t>(cocoon_agent_image_end - cocoon_agent_image)};
#else
  return {};
#endif
}

std::uint32_t slots_offset() {
  return static_cast<std::uint32_t>((image().size() + 63) & ~std::size_t{63});
}

std::uint32_t slot_count() {
  const std::uint32_t at = slots_offset();
  return at >= COCOON_AGENT_REGION ? 0 : (COCOON_AGENT_REGION - at) / COCOON_AGENT_SLOT;
}

Trampoline trampoline(std::uint64_t at, std::uint32_t nr, std::uint64_t entry, std::uint64_t ret) {
  std::array<std::byte, 5> mov{std::byte{0xb8}};
  std::memcpy(mov.data() + 1, &nr, 4);
  return trampoline(at, mov, entry, ret);
}

// Decoding backwards is ambiguous (the five bytes could be the end of a
// longer instruction: `41 bf imm32` moves to %r15d), so the immediate
// must be what such a site holds: the call's number for %eax, AT_FDCWD
// for %edi (glibc's __open64_nocancel: `mov $0x101,%eax; mov %rdi,%rsi;
// mov $-100,%edi; syscall`, which ld.so and libc's own opens use), and
// the byte before must be no REX or operand-size prefix.
bool displaceable(const std::array<std::byte, 6>& code, std::uint32_t nr) {
  const auto before = static_cast<unsigned>(code[0]);
  if ((before >= 0x40 && before <= 0x4f) || before == 0x66 || before == 0x67) return false;
  const auto op = static_cast<unsigned>(code[1]);
  std::uint32_t imm = 0;
  std::memcpy(&imm, code.data() + 2, 4);
  return (op == 0xb8 && imm == nr) || (op == 0xbf && imm == static_cast<std::uint32_t>(-100));
}

Trampoline trampoline(std::uint64_t at, const std::array<std::byte, 5>& displaced, std::uint64_t entry,
                      std::uint64_t ret) {
  Trampoline t;
  t.bytes.fill(std::byte{0xcc});  // int3 after the jump: never reached
  std::byte* p = t.bytes.data();
  std::int32_t to_entry = 0, back = 0;
  if (!rel32(at + 15, entry, to_entry) || !rel32(at + 28, ret, back)) return t;
  put(p, {0x48, 0x8d, 0x64, 0x24, 0x80});                          // lea -0x80(%rsp),%rsp
  std::memcpy(p + 5, displaced.data(), 5);                           // the site's mov $imm32,%r32
  put(p + 10, {0xe8});                                               // call entry
  put32(p + 11, static_cast<std::uint32_t>(to_entry));
  put(p + 15, {0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00});     // lea 0x80(%rsp),%rsp
  put(p + 23, {0xe9});                                               // jmp ret
  put32(p + 24, static_cast<std::uint32_t>(back));
  t.ok = true;
  return t;
}

bool jump(std::uint64_t site, std::uint64_t to, std::array<std::byte, 5>& out) {
  std::int32_t d = 0;
  if (!rel32(site + 5, to, d)) return false;
  out[0] = std::byte{0xe9};
  std::memcpy(out.data() + 1, &d, 4);
  return true;
}

}  // namespace cocoon::syscalls::agent
