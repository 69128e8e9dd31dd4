// The architectures cocoon knows, and the kernel's names for them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cocoon::arch {

// An ABI a tracee can make system calls in. kI386 is the `int 0x80` entry an
// x86-64 process can still reach (seccomp_data.arch == AUDIT_ARCH_I386).
enum class Arch : std::uint8_t { kX86_64 = 0, kI386 = 1, kAarch64 = 2, kRiscv64 = 3 };
inline constexpr std::size_t kArchCount = 4;

// AUDIT_ARCH_* from <linux/audit.h>: what seccomp_data.arch and
// PTRACE_GET_SYSCALL_INFO report.
std::uint32_t audit_arch(Arch a);
std::optional<Arch> from_audit_arch(std::uint32_t audit);

std::string_view name(Arch a);                       // "x86_64", "i386", "aarch64", "riscv64"
std::optional<Arch> from_name(std::string_view name);  // also accepts "x86-64", "arm64"

// The arch this binary runs on.
constexpr Arch host_arch() {
#if defined(__x86_64__)
  return Arch::kX86_64;
#elif defined(__aarch64__)
  return Arch::kAarch64;
#elif defined(__riscv) && __riscv_xlen == 64
  return Arch::kRiscv64;
#else
#error "cocoon supports x86-64, aarch64 and riscv64 hosts"
#endif
}

// Every ABI a process on `host` can enter the kernel through; the seccomp
// filter must give each of them a decision (x86-64: x86_64 and i386).
std::span<const Arch> entry_abis(Arch host);

// x32 syscalls arrive as AUDIT_ARCH_X86_64 with this bit set in nr.
inline constexpr std::uint32_t kX32SyscallBit = 0x40000000u;

}  // namespace cocoon::arch
