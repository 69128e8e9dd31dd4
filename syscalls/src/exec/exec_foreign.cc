#include "exec_foreign.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

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

// execvp(3)'s search: a name with a slash is a path; else each PATH
// directory in turn (an empty entry is the current directory).
std::optional<std::string> search_path(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return executable_file(name) ? std::optional(name) : std::nullopt;
  }
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t at = 0; at <= path.size();) {
    const auto end = std::min(path.find(':', at), path.size());
    const std::string dir = end == at ? "." : path.substr(at, end - at);
    if (const std::string file = dir + "/" + name; executable_file(file)) return file;
    at = end + 1;
  }
  return std::nullopt;
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

bool is_foreign_elf(std::string_view head) {
  const auto machine = elf_machine_of(head);
  if (!machine) return false;
  const arch::Arch host = arch::host_arch();
  if (*machine == arch::elf_machine(host)) return false;
  // x86-64 kernels run i386 programs through the compat entry
  // (CONFIG_IA32_EMULATION, Debian's default).
  return !(host == arch::Arch::kX86_64 && *machine == arch::elf_machine(arch::Arch::kI386));
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

// qemu's user-mode emulators (the qemu-user-static package's qemu-ARCH-static)
// that `cocoon run -q auto` looks for, by qemu_arch_of's names.
constexpr std::array<std::string_view, 22> kQemuArches{
    "aarch64", "aarch64_be", "alpha", "arm",      "armeb",   "hppa",    "i386",    "loongarch64",
    "m68k",    "mips",       "mipsel", "mips64",  "mips64el", "ppc",    "ppc64",   "ppc64le",
    "riscv32", "riscv64",    "s390x",  "sh4",     "sparc64", "x86_64"};

}  // namespace

std::expected<Emulator, std::string> find_emulator(std::string_view command) {
  auto words = split_words(command);
  if (words.empty()) return std::unexpected("-q: no emulator named");
  auto found = search_path(words.front());
  if (!found) return std::unexpected("-q " + words.front() + ": no such executable file");
  auto emu = emulator_at(*found);
  if (!emu) return emu;
  emu->args.assign(words.begin() + 1, words.end());
  return emu;
}

// EI_CLASS and EI_DATA pick qemu's binary where one e_machine has several
// (include/elf.h and each target's linux-user/*/target_elf.h in qemu).
std::optional<std::string> qemu_arch_of(std::string_view head) {
  const auto machine = elf_machine_of(head);
  if (!machine) return std::nullopt;
  const bool wide = head[EI_CLASS] == ELFCLASS64;
  const bool big = head[EI_DATA] == ELFDATA2MSB;
  switch (*machine) {
    case EM_AARCH64: return big ? "aarch64_be" : "aarch64";
    case EM_ALPHA: return "alpha";
    case EM_ARM: return big ? "armeb" : "arm";
    case EM_PARISC: return "hppa";
    case EM_386: return "i386";
    case EM_LOONGARCH: return "loongarch64";
    case EM_68K: return "m68k";
    case EM_MIPS: return std::string(wide ? "mips64" : "mips") + (big ? "" : "el");
    case EM_PPC: return "ppc";
    case EM_PPC64: return big ? "ppc64" : "ppc64le";
    case EM_RISCV: return wide ? "riscv64" : "riscv32";
    case EM_S390: return "s390x";
    case EM_SH: return "sh4";
    case EM_SPARCV9: return "sparc64";
    case EM_X86_64: return "x86_64";
    default: return std::nullopt;
  }
}

Emulators Emulators::named(Emulator emulator) {
  Emulators e;
  e.list_.push_back(std::move(emulator));
  e.any_machine_ = true;
  return e;
}

Emulators Emulators::installed() {
  Emulators e;
  for (const auto arch : kQemuArches) {
    const std::string name = "qemu-" + std::string(arch) + "-static";
    const auto found = search_path(name);
    if (!found) continue;
    auto emu = emulator_at(*found);
    if (emu && !emu->dynamic && emu->arch == arch) e.list_.push_back(std::move(*emu));
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

const Emulator* Emulators::by_host(std::string_view exe) const {
  for (const Emulator& e : list_) {
    if (e.host == exe) return &e;
  }
  return nullptr;
}

}  // namespace cocoon::syscalls
