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
// `ret` (the patched `mov $nr,%eax; syscall`): below the red zone, the
// number in %eax, a call of the agent's entry at `entry`, the stack back,
// a jump to `ret` (agent/site_patch.cc). Empty when a rel32 cannot reach.
struct Trampoline {
  std::array<std::byte, COCOON_AGENT_SLOT> bytes;
  bool ok = false;
};
Trampoline trampoline(std::uint64_t at, std::uint32_t nr, std::uint64_t entry, std::uint64_t ret);

// `jmp rel32` from `site` to `to` (5 bytes), if within reach.
bool jump(std::uint64_t site, std::uint64_t to, std::array<std::byte, 5>& out);

}  // namespace cocoon::syscalls::agent
