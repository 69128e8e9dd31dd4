// Which programs -q runs through qemu-user (the ELF header's machine), and
// how -q's value is found (exec/exec_foreign.h).
#include "exec/exec_foreign.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "cocoon/arch/arch.h"

namespace cocoon::syscalls {
namespace {

// The first bytes of an ELF file of `machine`, in `data` byte order.
std::string elf_head(std::uint16_t machine, unsigned char klass = ELFCLASS64,
                     unsigned char data = ELFDATA2LSB) {
  std::string head(sizeof(Elf64_Ehdr), '\0');
  std::memcpy(head.data(), ELFMAG, SELFMAG);
  head[EI_CLASS] = static_cast<char>(klass);
  head[EI_DATA] = static_cast<char>(data);
  const auto at = offsetof(Elf64_Ehdr, e_machine);
  const bool msb = data == ELFDATA2MSB;
  head[at + (msb ? 1 : 0)] = static_cast<char>(machine & 0xff);
  head[at + (msb ? 0 : 1)] = static_cast<char>(machine >> 8);
  return head;
}

TEST(ForeignElf, OtherMachinesOnly) {
  const auto host = arch::elf_machine(arch::host_arch());
  EXPECT_FALSE(is_foreign_elf(elf_head(host)));
  for (auto a : {arch::Arch::kX86_64, arch::Arch::kAarch64, arch::Arch::kRiscv64}) {
    EXPECT_EQ(is_foreign_elf(elf_head(arch::elf_machine(a))), a != arch::host_arch())
        << arch::name(a);
  }
  // 32-bit and big-endian files are read in their own layout.
  EXPECT_TRUE(is_foreign_elf(elf_head(EM_ARM, ELFCLASS32)));
  EXPECT_TRUE(is_foreign_elf(elf_head(EM_PPC64, ELFCLASS64, ELFDATA2MSB)));
  if (arch::host_arch() == arch::Arch::kX86_64) {
    EXPECT_FALSE(is_foreign_elf(elf_head(EM_386, ELFCLASS32)));  // the compat entry runs it
  }
}

TEST(ForeignElf, NotElfIsNotForeign) {
  EXPECT_FALSE(is_foreign_elf("#!/bin/sh\n"));
  EXPECT_FALSE(is_foreign_elf(""));
  EXPECT_FALSE(is_foreign_elf(elf_head(EM_AARCH64).substr(0, 16)));  // cut before e_machine
}

TEST(FindEmulator, SplitsTheWordsAndSearchesPath) {
  // This test program stands for qemu: an ELF file of the host's machine.
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  auto emu = find_emulator(std::string("  ") + self + "  -cpu max\t-E A=b ");
  ASSERT_TRUE(emu) << emu.error();
  EXPECT_EQ(emu->host, self);
  EXPECT_EQ(emu->args, (std::vector<std::string>{"-cpu", "max", "-E", "A=b"}));
  // A name is looked up in PATH, as execvp(3) does.
  emu = find_emulator("sh");
  ASSERT_TRUE(emu) << emu.error();
  EXPECT_EQ(emu->host.front(), '/');
  EXPECT_TRUE(emu->args.empty());
}

TEST(FindEmulator, RefusesWhatCannotBeRun) {
  EXPECT_FALSE(find_emulator(""));
  EXPECT_EQ(find_emulator("no-such-qemu-here -cpu max").error(),
            "-q no-such-qemu-here: no such executable file");
  // A script is no emulator: the exec would be of its interpreter.
  auto script = find_emulator("/usr/bin/ldd");
  ASSERT_FALSE(script);
  EXPECT_NE(script.error().find("not a program of this machine"), std::string::npos) << script.error();
}

}  // namespace
}  // namespace cocoon::syscalls
