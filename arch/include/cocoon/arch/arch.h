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

// e_machine of the arch's ELF executables (<elf.h>: EM_X86_64, EM_386,
// EM_AARCH64, EM_RISCV): what binfmt_elf checks before loading one.
std::uint16_t elf_machine(Arch a);

// The length of the instruction that entered the kernel: x86-64's
// `syscall` and `int 0x80` are 2 bytes, aarch64's `svc #0` and riscv64's
// `ecall` 4. The ip at a syscall stop is just past it.
constexpr std::size_t syscall_insn_size(Arch a) {
  return a == Arch::kX86_64 || a == Arch::kI386 ? 2 : 4;
}

// Whether `code`, the little-endian bytes at an instruction pointer,
// starts with an instruction that enters the kernel's syscall path:
// x86-64's `syscall` (0f 05), `int $0x80` (cd 80) and `sysenter` (0f 34);
// aarch64's `svc #0` (d4000001); riscv64's `ecall` (00000073). A stepped
// one needs a syscall stop (syscalls/src/ptrace/, Tracer::step()).
bool is_syscall_insn(Arch a, std::uint32_t code);

// The kernel's O_LARGEFILE bit: asm-generic/fcntl.h's 0100000, except
// arm64's asm/fcntl.h, which moves it to 0400000. glibc defines O_LARGEFILE
// as 0 on 64-bit hosts, but a 64-bit kernel still reports the bit
// (force_o_largefile() sets it for every 64-bit open).
constexpr std::uint64_t o_largefile(Arch a) { return a == Arch::kAarch64 ? 0400000 : 0100000; }

// x32 syscalls arrive as AUDIT_ARCH_X86_64 with this bit set in nr.
inline constexpr std::uint32_t kX32SyscallBit = 0x40000000u;

}  // namespace cocoon::arch
