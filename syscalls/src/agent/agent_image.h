// The agent's code as built (blob/: agent.c and entry.S, linked by
// agent.ld into one position-independent image and embedded here), and
// what the tracer writes around it in an armed process (agent_abi.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <array>
#include <span>

#include "agent_abi.h"

namespace cocoon::syscalls::agent {

// The image: the header page (zeros) then the code, entry at
// COCOON_AGENT_CODE. Empty where the agent is not built (not x86-64).
std::span<const std::byte> image();

// Where the trampolines start in a region: after the image, 64-byte aligned.
std::uint32_t slots_offset();
std::uint32_t slot_count();

// A trampoline at `at` for the site whose syscall instruction ends at
// `ret`: below the red zone, the 5-byte instruction the site's jump
// replaced (`mov $imm32,%r32` right before the `syscall`: glibc's
// `mov $nr,%eax`, or the `mov $-100,%edi` of its open_nocancel, whose
// %eax is set before), a call of the agent's entry at `entry` (the number
// in %eax), the stack back, a jump to `ret` (Agent::patch). Empty when a
// rel32 cannot reach.
struct Trampoline {
  std::array<std::byte, COCOON_AGENT_SLOT> bytes;
  bool ok = false;
};
Trampoline trampoline(std::uint64_t at, const std::array<std::byte, 5>& displaced, std::uint64_t entry,
                      std::uint64_t ret);
// The same for `mov $nr,%eax`.
Trampoline trampoline(std::uint64_t at, std::uint32_t nr, std::uint64_t entry, std::uint64_t ret);
// Whether the 5 bytes before a `syscall` (code[1..5], code[0] the byte
// before them) are an instruction a trampoline can run in their place:
// `mov $nr,%eax`, or `mov $AT_FDCWD,%edi`.
bool displaceable(const std::array<std::byte, 6>& code, std::uint32_t nr);

// `jmp rel32` from `site` to `to` (5 bytes), if within reach.
bool jump(std::uint64_t site, std::uint64_t to, std::array<std::byte, 5>& out);

}  // namespace cocoon::syscalls::agent
