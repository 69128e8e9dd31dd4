#include "cocoon/arch/arch.h"

#include <elf.h>
#include <linux/audit.h>

#include <array>

namespace cocoon::arch {
namespace {

struct Names {
  Arch arch;
  std::string_view name;
  std::uint32_t audit;
};

// AUDIT_ARCH_* values from <linux/audit.h> (EM_* | __AUDIT_ARCH_64BIT |
// __AUDIT_ARCH_LE): what seccomp_data.arch holds.
constexpr std::array<Names, kArchCount> kNames{{
    {Arch::kX86_64, "x86_64", AUDIT_ARCH_X86_64},
    {Arch::kI386, "i386", AUDIT_ARCH_I386},
    {Arch::kAarch64, "aarch64", AUDIT_ARCH_AARCH64},
    {Arch::kRiscv64, "riscv64", AUDIT_ARCH_RISCV64},
}};

constexpr std::array<Arch, 2> kX86Entries{Arch::kX86_64, Arch::kI386};
constexpr std::array<Arch, 1> kAarch64Entries{Arch::kAarch64};
constexpr std::array<Arch, 1> kRiscv64Entries{Arch::kRiscv64};
constexpr std::array<Arch, 1> kI386Entries{Arch::kI386};

}  // namespace

std::uint32_t audit_arch(Arch a) { return kNames[static_cast<std::size_t>(a)].audit; }

std::optional<Arch> from_audit_arch(std::uint32_t audit) {
  for (const auto& n : kNames) {
    if (n.audit == audit) return n.arch;
  }
  return std::nullopt;
}

std::string_view name(Arch a) { return kNames[static_cast<std::size_t>(a)].name; }

std::optional<Arch> from_name(std::string_view name) {
  if (name == "x86-64" || name == "amd64") return Arch::kX86_64;
  if (name == "arm64") return Arch::kAarch64;
  if (name == "x86" || name == "i686") return Arch::kI386;
  for (const auto& n : kNames) {
    if (n.name == name) return n.arch;
  }
  return std::nullopt;
}

std::uint16_t elf_machine(Arch a) {
  switch (a) {
    case Arch::kX86_64: return EM_X86_64;
    case Arch::kI386: return EM_386;
    case Arch::kAarch64: return EM_AARCH64;
    case Arch::kRiscv64: return EM_RISCV;
  }
  return EM_NONE;
}

bool is_syscall_insn(Arch a, std::uint32_t code) {
  switch (a) {
    case Arch::kX86_64:
    case Arch::kI386: {
      const auto op = static_cast<std::uint16_t>(code & 0xffff);
      return op == 0x050f || op == 0x80cd || op == 0x340f;
    }
    case Arch::kAarch64: return code == 0xd4000001;
    case Arch::kRiscv64: return code == 0x00000073;
  }
  return false;
}

std::span<const Arch> entry_abis(Arch host) {
  switch (host) {
    case Arch::kX86_64: return kX86Entries;
    case Arch::kAarch64: return kAarch64Entries;
    case Arch::kRiscv64: return kRiscv64Entries;
    case Arch::kI386: return kI386Entries;
  }
  return {};
}

}  // namespace cocoon::arch
