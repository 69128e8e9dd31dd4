#include "cocoon/arch/arch.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <linux/audit.h>

namespace cocoon::arch {
namespace {

TEST(Arch, AuditArchRoundTrips) {
  for (Arch a : {Arch::kX86_64, Arch::kI386, Arch::kAarch64, Arch::kRiscv64}) {
    EXPECT_EQ(from_audit_arch(audit_arch(a)), a) << name(a);
    EXPECT_EQ(from_name(name(a)), a);
  }
  EXPECT_EQ(audit_arch(Arch::kX86_64), AUDIT_ARCH_X86_64);
  EXPECT_EQ(audit_arch(Arch::kI386), AUDIT_ARCH_I386);
  EXPECT_EQ(audit_arch(Arch::kAarch64), AUDIT_ARCH_AARCH64);
  EXPECT_EQ(audit_arch(Arch::kRiscv64), AUDIT_ARCH_RISCV64);
  EXPECT_FALSE(from_audit_arch(AUDIT_ARCH_ARM));
}

TEST(Arch, NamesAcceptDebianSpellings) {
  EXPECT_EQ(from_name("arm64"), Arch::kAarch64);
  EXPECT_EQ(from_name("amd64"), Arch::kX86_64);
  EXPECT_EQ(from_name("x86-64"), Arch::kX86_64);
  EXPECT_FALSE(from_name("mips"));
}

// An x86-64 process can enter the kernel through the i386 ABI too; the
// filter must decide both (docs/kernel-facts.md, "Registers per
// architecture").
TEST(Arch, EntryAbisOfEachHost) {
  auto x86 = entry_abis(Arch::kX86_64);
  ASSERT_EQ(x86.size(), 2u);
  EXPECT_EQ(x86[0], Arch::kX86_64);
  EXPECT_EQ(x86[1], Arch::kI386);
  ASSERT_EQ(entry_abis(Arch::kAarch64).size(), 1u);
  ASSERT_EQ(entry_abis(Arch::kRiscv64).size(), 1u);
}

// What used to be #ifs outside arch/, now answered for every arch on every
// host: the ELF machine binfmt_elf checks, the syscall instruction's length
// (the ip at a stop is past it), and where each kernel puts O_LARGEFILE
// (asm-generic/fcntl.h; arm64's asm/fcntl.h).
// The words a stepped instruction is read as (PTRACE_PEEKTEXT at the ip,
// little-endian): only the instructions that enter the syscall path count.
TEST(Arch, SyscallInstructionsOfEachArch) {
  EXPECT_TRUE(is_syscall_insn(Arch::kX86_64, 0xc3050f));     // syscall; ret
  EXPECT_TRUE(is_syscall_insn(Arch::kX86_64, 0x9080cd));     // int $0x80; nop
  EXPECT_TRUE(is_syscall_insn(Arch::kX86_64, 0x340f));       // sysenter
  EXPECT_FALSE(is_syscall_insn(Arch::kX86_64, 0x0f050f90));  // nop; syscall: not yet
  EXPECT_FALSE(is_syscall_insn(Arch::kX86_64, 0xc3));        // ret
  EXPECT_TRUE(is_syscall_insn(Arch::kAarch64, 0xd4000001));  // svc #0
  EXPECT_FALSE(is_syscall_insn(Arch::kAarch64, 0xd4000021));  // svc #1
  EXPECT_TRUE(is_syscall_insn(Arch::kRiscv64, 0x00000073));  // ecall
  EXPECT_FALSE(is_syscall_insn(Arch::kRiscv64, 0x00100073));  // ebreak
}

TEST(Arch, PerArchConstantsForEveryArch) {
  EXPECT_EQ(elf_machine(Arch::kX86_64), EM_X86_64);
  EXPECT_EQ(elf_machine(Arch::kI386), EM_386);
  EXPECT_EQ(elf_machine(Arch::kAarch64), EM_AARCH64);
  EXPECT_EQ(elf_machine(Arch::kRiscv64), EM_RISCV);
  EXPECT_EQ(syscall_insn_size(Arch::kX86_64), 2u);  // 0f 05
  EXPECT_EQ(syscall_insn_size(Arch::kI386), 2u);    // cd 80
  EXPECT_EQ(syscall_insn_size(Arch::kAarch64), 4u);
  EXPECT_EQ(syscall_insn_size(Arch::kRiscv64), 4u);
  EXPECT_EQ(o_largefile(Arch::kX86_64), 0100000u);
  EXPECT_EQ(o_largefile(Arch::kAarch64), 0400000u);
  EXPECT_EQ(o_largefile(Arch::kRiscv64), 0100000u);
}

}  // namespace
}  // namespace cocoon::arch
