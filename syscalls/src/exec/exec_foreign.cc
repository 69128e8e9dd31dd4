#include "exec_foreign.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/personality.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "cocoon/arch/arch.h"
#include "exec_elf.h"
#include "exec_script.h"

namespace cocoon::syscalls {
namespace {

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < s.size()) {
    const auto start = s.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    const auto end = std::min(s.find_first_of(" \t\n", start), s.size());
    words.emplace_back(s.substr(start, end - start));
    at = end;
  }
  return words;
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The executable files named `name` in PATH's directories, in PATH's order
// (execvp(3)'s search takes the first; an empty entry is the current
// directory). `absolute_only` skips relative entries ("", ".", "bin"):
// the search cocoon makes on its own (-q auto) must not find a file a
// guest could plant in the directory cocoon was started from.
std::vector<std::string> search_path(const std::string& name, bool absolute_only) {
  if (name.find('/') != std::string::npos) {
    return executable_file(name) ? std::vector{name} : std::vector<std::string>{};
  }
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::vector<std::string> found;
  for (std::size_t at = 0; at <= path.size();) {
    const auto end = std::min(path.find(':', at), path.size());
    const std::string dir = end == at ? "." : path.substr(at, end - at);
    at = end + 1;
    if (absolute_only && !dir.starts_with('/')) continue;
    if (const std::string file = dir + "/" + name; executable_file(file)) found.push_back(file);
  }
  return found;
}

// e_machine of an ELF header, in the byte order EI_DATA names.
std::optional<std::uint16_t> elf_machine_of(std::string_view head) {
  if (head.size() < sizeof(Elf32_Ehdr) || head.substr(0, SELFMAG) != std::string_view(ELFMAG, SELFMAG)) {
    return std::nullopt;
  }
  const auto lo = static_cast<unsigned char>(head[offsetof(Elf64_Ehdr, e_machine)]);
  const auto hi = static_cast<unsigned char>(head[offsetof(Elf64_Ehdr, e_machine) + 1]);
  if (head[EI_DATA] == ELFDATA2MSB) return static_cast<std::uint16_t>(lo << 8 | hi);
  return static_cast<std::uint16_t>(hi << 8 | lo);
}

}  // namespace

// Whether this arm64 kernel runs 32-bit arm programs itself
// (CONFIG_COMPAT and a CPU with AArch32 at EL0): personality(PER_LINUX32)
// is refused with EINVAL otherwise (arch/arm64/kernel/sys.c,
// arm64_personality()). Asked once; the caller's personality is restored.
bool arm64_runs_arm32() {
  static const bool runs = [] {
    const int old = ::personality(0xffffffff);
    if (old == -1 || ::personality(PER_LINUX32) == -1) return false;
    ::personality(static_cast<unsigned long>(old));
    return true;
  }();
  return runs;
}

bool is_foreign_elf(std::string_view head) {
  const auto machine = elf_machine_of(head);
  if (!machine) return false;
  const arch::Arch host = arch::host_arch();
  if (*machine == arch::elf_machine(host)) return false;
  // x86-64 kernels run i386 programs through the compat entry
  // (CONFIG_IA32_EMULATION, Debian's default; ia32_emulation=0 on the
  // kernel's command line is not detected: such a kernel answers ENOEXEC).
  if (host == arch::Arch::kX86_64 && *machine == EM_386) return false;
  // An arm64 kernel with 32-bit support runs arm programs (armhf roots).
  return !(host == arch::Arch::kAarch64 && *machine == EM_ARM && head[EI_CLASS] == ELFCLASS32 &&
           head[EI_DATA] == ELFDATA2LSB && arm64_runs_arm32());
}

namespace {

// The machine a file named qemu-ARCH or qemu-ARCH-static emulates: ARCH;
// empty for any other name.
std::string arch_of_name(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  if (!base.starts_with("qemu-")) return {};
  base.erase(0, 5);
  if (base.ends_with("-static")) base.erase(base.size() - 7);
  return base;
}

std::expected<Emulator, std::string> emulator_at(const std::string& found) {
  char* real = ::realpath(found.c_str(), nullptr);
  if (real == nullptr) return std::unexpected("-q " + found + ": " + std::strerror(errno));
  Emulator emu{real, {}};
  std::free(real);
  const auto machine = elf_machine_of(read_binprm_head(emu.host));
  if (!machine || *machine != arch::elf_machine(arch::host_arch())) {
    return std::unexpected("-q " + emu.host + ": not a program of this machine (" +
                           std::string(arch::name(arch::host_arch())) + ")");
  }
  emu.dynamic = elf_interpreter(emu.host).has_value();
  // The name as found, not the resolved one: Debian's qemu-aarch64-static
  // is a file of its own, but a link qemu-aarch64 -> qemu-aarch64-static
  // must keep its name's machine.
  emu.arch = arch_of_name(found);
  return emu;
}

// qemu's user-mode emulators (Debian's qemu-user-static ships each as
// qemu-NAME-static) by the ELF header of the programs each runs: e_machine,
// and EI_CLASS and EI_DATA where one machine has a binary per variant (0:
// any). From each target's linux-user/*/target_elf.h in qemu 7.2.
struct QemuMachine {
  std::uint16_t machine;
  unsigned char klass;
  unsigned char data;
  std::string_view name;
};
constexpr std::array<QemuMachine, 30> kQemuMachines{{
    {EM_AARCH64, 0, ELFDATA2LSB, "aarch64"},
    {EM_AARCH64, 0, ELFDATA2MSB, "aarch64_be"},
    {EM_ALPHA, 0, 0, "alpha"},
    {EM_ARM, 0, ELFDATA2LSB, "arm"},
    {EM_ARM, 0, ELFDATA2MSB, "armeb"},
    {EM_CRIS, 0, 0, "cris"},
    {EM_QDSP6, 0, 0, "hexagon"},
    {EM_PARISC, 0, 0, "hppa"},
    {EM_386, 0, 0, "i386"},
    {EM_LOONGARCH, 0, 0, "loongarch64"},
    {EM_68K, 0, 0, "m68k"},
    {EM_MICROBLAZE, 0, ELFDATA2MSB, "microblaze"},
    {EM_MICROBLAZE, 0, ELFDATA2LSB, "microblazeel"},
    {EM_MIPS, ELFCLASS32, ELFDATA2MSB, "mips"},
    {EM_MIPS, ELFCLASS32, ELFDATA2LSB, "mipsel"},
    {EM_MIPS, ELFCLASS64, ELFDATA2MSB, "mips64"},
    {EM_MIPS, ELFCLASS64, ELFDATA2LSB, "mips64el"},
    {EM_ALTERA_NIOS2, 0, 0, "nios2"},
    {EM_OPENRISC, 0, 0, "or1k"},
    {EM_PPC, 0, 0, "ppc"},
    {EM_PPC64, 0, ELFDATA2MSB, "ppc64"},
    {EM_PPC64, 0, ELFDATA2LSB, "ppc64le"},
    {EM_RISCV, ELFCLASS32, 0, "riscv32"},
    {EM_RISCV, ELFCLASS64, 0, "riscv64"},
    {EM_S390, 0, 0, "s390x"},
    {EM_SH, 0, ELFDATA2LSB, "sh4"},
    {EM_SH, 0, ELFDATA2MSB, "sh4eb"},
    {EM_SPARC, 0, 0, "sparc"},
    {EM_SPARC32PLUS, 0, 0, "sparc32plus"},
    {EM_SPARCV9, 0, 0, "sparc64"},
}};
// Also in Debian's package, by e_flags or not by header: mipsn32[el]
// (EF_MIPS_ABI2, below), x86_64, xtensa[eb] (EM_XTENSA's byte order is in
// its e_flags).

// e_flags of a 32-bit ELF header, in its own byte order.
std::uint32_t elf32_flags(std::string_view head) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int at = head[EI_DATA] == ELFDATA2MSB ? i : 3 - i;
    v = v << 8 | static_cast<unsigned char>(head[offsetof(Elf32_Ehdr, e_flags) + at]);
  }
  return v;
}

}  // namespace

std::optional<std::string> qemu_arch_of(std::string_view head) {
  const auto machine = elf_machine_of(head);
  if (!machine) return std::nullopt;
  const auto klass = static_cast<unsigned char>(head[EI_CLASS]);
  const auto data = static_cast<unsigned char>(head[EI_DATA]);
  if (*machine == EM_X86_64) return "x86_64";
  // MIPS n32: 32-bit ELF files of the 64-bit ABI, qemu-mipsn32[el].
  if (*machine == EM_MIPS && klass == ELFCLASS32 && (elf32_flags(head) & EF_MIPS_ABI2) != 0) {
    return data == ELFDATA2MSB ? "mipsn32" : "mipsn32el";
  }
  for (const QemuMachine& m : kQemuMachines) {
    if (m.machine == *machine && (m.klass == 0 || m.klass == klass) && (m.data == 0 || m.data == data)) {
      return std::string(m.name);
    }
  }
  return std::nullopt;
}

namespace {

// The names -q auto looks for: every machine qemu_arch_of names.
std::vector<std::string> qemu_arch_names() {
  std::vector<std::string> names{"x86_64", "mipsn32", "mipsn32el"};
  for (const QemuMachine& m : kQemuMachines) names.emplace_back(m.name);
  return names;
}

}  // namespace

std::expected<Emulator, std::string> find_emulator(std::string_view command) {
  auto words = split_words(command);
  if (words.empty()) return std::unexpected("-q: no emulator named");
  const auto found = search_path(words.front(), false);
  if (found.empty()) return std::unexpected("-q " + words.front() + ": no such executable file");
  auto emu = emulator_at(found.front());
  if (!emu) return emu;
  emu->args.assign(words.begin() + 1, words.end());
  return emu;
}

Emulators Emulators::named(Emulator emulator) {
  Emulators e;
  e.list_.push_back(std::move(emulator));
  e.any_machine_ = true;
  return e;
}

// Per machine the first file in PATH that can serve: a static program of
// the host's machine (a dynamic one, a script or another machine's is
// passed over for the next).
Emulators Emulators::installed() {
  Emulators e;
  for (const std::string& arch : qemu_arch_names()) {
    for (const std::string& file : search_path("qemu-" + arch + "-static", true)) {
      auto emu = emulator_at(file);
      if (!emu || emu->dynamic) continue;
      e.list_.push_back(std::move(*emu));
      break;
    }
  }
  return e;
}

const Emulator* Emulators::for_program(std::string_view head) const {
  if (list_.empty() || !is_foreign_elf(head)) return nullptr;
  if (any_machine_) return &list_.front();
  const auto arch = qemu_arch_of(head);
  if (!arch) return nullptr;
  for (const Emulator& e : list_) {
    if (e.arch == *arch) return &e;
  }
  return nullptr;
}

}  // namespace cocoon::syscalls
