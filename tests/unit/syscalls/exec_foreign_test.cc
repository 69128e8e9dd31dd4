// Which programs -q runs through qemu-user (the ELF header's machine), and
// how -q's value is found (exec/exec_foreign.h).
#include "exec/exec_foreign.h"
#include "exec/foreign_cpuinfo.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
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


// MIPS n32: a 32-bit file of the 64-bit ABI (EF_MIPS_ABI2 in e_flags).
TEST(QemuArch, MipsN32ByItsFlag) {
  std::string head = elf_head(EM_MIPS, ELFCLASS32, ELFDATA2MSB);
  head[offsetof(Elf32_Ehdr, e_flags) + 3] = static_cast<char>(EF_MIPS_ABI2);
  EXPECT_EQ(qemu_arch_of(head), "mipsn32");
  head = elf_head(EM_MIPS, ELFCLASS32, ELFDATA2LSB);
  head[offsetof(Elf32_Ehdr, e_flags)] = static_cast<char>(EF_MIPS_ABI2);
  EXPECT_EQ(qemu_arch_of(head), "mipsn32el");
}

TEST(QemuArch, NamesQemusBinaryPerMachineClassAndByteOrder) {
  EXPECT_EQ(qemu_arch_of(elf_head(EM_AARCH64)), "aarch64");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_AARCH64, ELFCLASS64, ELFDATA2MSB)), "aarch64_be");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_RISCV)), "riscv64");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_RISCV, ELFCLASS32)), "riscv32");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_ARM, ELFCLASS32)), "arm");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_ARM, ELFCLASS32, ELFDATA2MSB)), "armeb");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_MIPS, ELFCLASS64)), "mips64el");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_MIPS, ELFCLASS32, ELFDATA2MSB)), "mips");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_PPC64)), "ppc64le");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_S390, ELFCLASS64, ELFDATA2MSB)), "s390x");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_X86_64)), "x86_64");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_SH, ELFCLASS32, ELFDATA2MSB)), "sh4eb");
  EXPECT_EQ(qemu_arch_of(elf_head(EM_SPARC32PLUS, ELFCLASS32, ELFDATA2MSB)), "sparc32plus");
  EXPECT_FALSE(qemu_arch_of(elf_head(EM_AVR)));  // no qemu-user for it
  EXPECT_FALSE(qemu_arch_of("#!/bin/sh\n"));
}

// A PATH of three directories: `dyn` holds a dynamic host program as
// qemu-aarch64-static (passed over), `static` busybox (a static build on
// Debian) as qemu-aarch64-static; and a relative entry "." holding busybox
// as qemu-riscv64-static, which the implicit search must not take.
class InstalledEmulators : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "no /bin/busybox (a static host program)";
    dir_ = std::filesystem::temp_directory_path() / ("cocoon-qemu-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "dyn");
    std::filesystem::create_directories(dir_ / "static");
    std::filesystem::create_symlink("/bin/sh", dir_ / "dyn/qemu-aarch64-static");  // dash: dynamic
    std::filesystem::create_symlink("/bin/busybox", dir_ / "static/qemu-aarch64-static");
    std::filesystem::create_symlink("/bin/busybox", dir_ / "qemu-riscv64-static");
    const char* path = std::getenv("PATH");
    saved_path_ = path != nullptr ? path : "";
    saved_cwd_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
    ::setenv("PATH", (".:" + (dir_ / "dyn").string() + ":" + (dir_ / "static").string()).c_str(), 1);
  }
  void TearDown() override {
    if (dir_.empty()) return;
    ::setenv("PATH", saved_path_.c_str(), 1);
    std::filesystem::current_path(saved_cwd_);
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::string saved_path_;
  std::filesystem::path saved_cwd_;
};

TEST_F(InstalledEmulators, FirstStaticOnePerMachineInAbsoluteDirectories) {
  if (arch::host_arch() == arch::Arch::kAarch64) GTEST_SKIP() << "aarch64 is this host's machine";
  const Emulators emus = Emulators::installed();
  ASSERT_EQ(emus.all().size(), 1u);  // not the dynamic one, not the one in "."
  EXPECT_EQ(emus.all()[0].arch, "aarch64");
  EXPECT_EQ(emus.all()[0].host, "/usr/bin/busybox");  // realpath of static/'s link
  EXPECT_EQ(emus.for_program(elf_head(EM_AARCH64)), &emus.all()[0]);
  EXPECT_EQ(emus.for_program(elf_head(EM_RISCV)), nullptr);  // ENOEXEC, as the kernel
  EXPECT_EQ(emus.for_program(elf_head(arch::elf_machine(arch::host_arch()))), nullptr);
  // -q NAME keeps execvp(3)'s rules: "." is searched.
  auto named = find_emulator("qemu-riscv64-static");
  ASSERT_TRUE(named) << named.error();
  EXPECT_EQ(named->arch, "riscv64");
}

TEST(NamedEmulator, ServesEveryForeignMachine) {
  auto emu = find_emulator("/bin/sh");
  ASSERT_TRUE(emu) << emu.error();
  const Emulators emus = Emulators::named(std::move(*emu));
  EXPECT_EQ(emus.all()[0].arch, "");  // "sh" names no machine
  for (auto m : {EM_AARCH64, EM_RISCV, EM_S390}) {
    if (m == arch::elf_machine(arch::host_arch())) continue;
    EXPECT_EQ(emus.for_program(elf_head(m)), &emus.all()[0]) << m;
  }
  EXPECT_EQ(emus.for_program("#!/bin/sh\n"), nullptr);
}

// Each machine's kernel format: the keys of c_show(), one entry per CPU.
TEST(ForeignCpuinfo, EachMachinesKernelFormat) {
  const auto a64 = foreign_cpuinfo_text("aarch64", {0, 1});
  ASSERT_TRUE(a64);
  EXPECT_EQ(a64->find("processor\t: 0\nBogoMIPS\t: 125.00\nFeatures\t: fp asimd "), 0u) << *a64;
  EXPECT_NE(a64->find("\n\nprocessor\t: 1\n"), std::string::npos);
  EXPECT_NE(a64->find("CPU architecture: 8\n"), std::string::npos);
  EXPECT_TRUE(a64->ends_with("CPU revision\t: 0\n\n"));
  const auto rv = foreign_cpuinfo_text("riscv64", {3});  // an online CPU keeps its id
  ASSERT_TRUE(rv);
  EXPECT_EQ(*rv,
            "processor\t: 3\nhart\t\t: 3\nisa\t\t: rv64imafdc\nmmu\t\t: sv48\n"
            "mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n");
  EXPECT_FALSE(foreign_cpuinfo_text("s390x", {0}));  // the host's file, as qemu leaves it
}

TEST(ForeignCpuinfo, CpuListsAsTheKernelWritesThem) {
  EXPECT_EQ(parse_cpu_list("0-3,5\n"), (std::vector<unsigned>{0, 1, 2, 3, 5}));
  EXPECT_EQ(parse_cpu_list("1"), (std::vector<unsigned>{1}));
  EXPECT_TRUE(parse_cpu_list("").empty());
  EXPECT_TRUE(parse_cpu_list("a-b").empty());
  EXPECT_TRUE(parse_cpu_list("3-1").empty());
}

}  // namespace
}  // namespace cocoon::syscalls
