#include "exec_foreign.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
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

std::expected<Emulator, std::string> find_emulator(std::string_view command) {
  auto words = split_words(command);
  if (words.empty()) return std::unexpected("-q: no emulator named");
  auto found = search_path(words.front());
  if (!found) return std::unexpected("-q " + words.front() + ": no such executable file");
  char* real = ::realpath(found->c_str(), nullptr);
  if (real == nullptr) return std::unexpected("-q " + *found + ": " + std::strerror(errno));
  Emulator emu{real, {}};
  std::free(real);
  const auto machine = elf_machine_of(read_binprm_head(emu.host));
  if (!machine || *machine != arch::elf_machine(arch::host_arch())) {
    return std::unexpected("-q " + emu.host + ": not a program of this machine (" +
                           std::string(arch::name(arch::host_arch())) + ")");
  }
  emu.args.assign(words.begin() + 1, words.end());
  emu.dynamic = elf_interpreter(emu.host).has_value();
  return emu;
}

}  // namespace cocoon::syscalls
