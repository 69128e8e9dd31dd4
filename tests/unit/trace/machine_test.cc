// The syscall site disassembled for each arch from bytes, on any host:
// Capstone knows x86-64 and aarch64; Debian 12's Capstone 4 has no RISC-V,
// so riscv64 gets raw 4-byte slots and a note saying why.
#include "cocoon/trace/machine.h"

#include <gtest/gtest.h>

namespace cocoon::trace {
namespace {

const Instruction* site_of(const std::vector<Instruction>& v) {
  for (const auto& i : v) {
    if (i.is_syscall) return &i;
  }
  return nullptr;
}

TEST(Disassemble, X86SyscallInstruction) {
  // mov eax, 0x66; syscall; ret
  std::vector<std::uint8_t> code{0xb8, 0x66, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
  std::string note;
  auto out = disassemble(arch::Arch::kX86_64, code, 0x1000, 0x1005, 0x1000, note);
  const Instruction* s = site_of(out);
  ASSERT_NE(s, nullptr) << note;
  EXPECT_EQ(s->text, "syscall");
  EXPECT_EQ(s->bytes, "0f 05");
}

TEST(Disassemble, Aarch64SvcFromBytesOnAnyHost) {
  // mov x8, #0xac; svc #0; ret (little endian)
  std::vector<std::uint8_t> code{0x88, 0x15, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4,
                                 0xc0, 0x03, 0x5f, 0xd6};
  std::string note;
  auto out = disassemble(arch::Arch::kAarch64, code, 0x2000, 0x2004, 0, note);
  const Instruction* s = site_of(out);
  ASSERT_NE(s, nullptr) << note;
  EXPECT_EQ(s->text, "svc #0");
}

TEST(Disassemble, Riscv64EcallAsCapstoneAllows) {
  // li a7, 172; ecall; ret
  std::vector<std::uint8_t> code{0x93, 0x08, 0xc0, 0x0a, 0x73, 0x00, 0x00, 0x00,
                                 0x67, 0x80, 0x00, 0x00};
  std::string note;
  auto out = disassemble(arch::Arch::kRiscv64, code, 0x3000, 0x3004, 0, note);
  const Instruction* s = site_of(out);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->bytes, "73 00 00 00");
  // Capstone 5 knows RISC-V; 4 (Debian 12's) must say it does not.
  if (!s->text.empty()) {
    EXPECT_EQ(s->text, "ecall");
  } else {
    EXPECT_NE(note.find("cannot disassemble riscv64"), std::string::npos) << note;
  }
}

}  // namespace
}  // namespace cocoon::trace
