// Room in the guest for the data a handler hands the kernel in place of the
// guest's own (a translated path, a rewritten sockaddr): below the stopped
// thread's stack pointer, past the red zone.
//
// Why there: the thread is inside a syscall, so nothing of its own lives
// below sp beyond the red zone (the x86-64 psABI reserves 128 bytes under
// rsp for leaf functions; aarch64 and riscv64 have none, and the same gap is
// kept for simplicity). The kernel copies path arguments in (getname() in
// fs/namei.c) before the syscall does anything else, and a signal frame is
// only built when the thread returns to user space, after the copy. Each
// thread has its own stack, so threads never share a scratch area. PRoot
// uses the same place.
//
// The limit: GUP does not grow a stack VMA (since Linux 6.5 it never calls
// expand_stack), so an address below the mapped part of the main thread's
// stack fails with EFAULT; exec maps 128 KiB of stack up front
// (fs/exec.c, setup_arg_pages), which leaves room for a few paths unless
// the thread is deep in recursion. Callers turn that EFAULT into the
// guest's error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "cocoon/tracer/memory.h"

namespace cocoon::tracer {

class StackScratch {
 public:
  static constexpr std::uint64_t kRedZone = 128;
  static constexpr std::uint64_t kAlign = 16;

  StackScratch(const GuestMemory& memory, std::uint64_t sp)
      : memory_(memory), top_((sp - kRedZone) & ~(kAlign - 1)) {}

  // Copies `data` into the guest below what was pushed before; returns its
  // address (errno EFAULT when that part of the stack is not mapped).
  std::expected<std::uint64_t, int> push(std::span<const std::byte> data);
  // A C string: the bytes of `s` and a NUL.
  std::expected<std::uint64_t, int> push_string(std::string_view s);

 private:
  const GuestMemory& memory_;
  std::uint64_t top_;
};

}  // namespace cocoon::tracer
