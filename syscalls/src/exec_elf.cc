#include "exec_elf.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "owned_fd.h"

namespace cocoon::syscalls {
namespace {

#if defined(__x86_64__)
constexpr int kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kMachine = EM_AARCH64;
#elif defined(__riscv)
constexpr int kMachine = EM_RISCV;
#endif

// PATH_MAX: the kernel refuses longer interpreter paths (binfmt_elf.c).
constexpr std::size_t kMaxInterp = 4096;

bool read_at(int fd, void* buf, std::size_t n, off_t at) {
  return ::pread(fd, buf, n, at) == static_cast<ssize_t>(n);
}

}  // namespace

std::optional<std::string> elf_interpreter(const std::string& host_path) {
  const OwnedFd f(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (f.fd < 0) return std::nullopt;
  Elf64_Ehdr eh{};
  if (!read_at(f.fd, &eh, sizeof eh, 0) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != kMachine ||
      eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 4096) {
    return std::nullopt;
  }
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  if (!read_at(f.fd, ph.data(), ph.size() * sizeof ph[0], static_cast<off_t>(eh.e_phoff))) {
    return std::nullopt;
  }
  for (const Elf64_Phdr& p : ph) {
    if (p.p_type != PT_INTERP) continue;
    if (p.p_filesz < 2 || p.p_filesz > kMaxInterp) return std::nullopt;
    std::string interp(p.p_filesz, '\0');
    if (!read_at(f.fd, interp.data(), interp.size(), static_cast<off_t>(p.p_offset))) {
      return std::nullopt;
    }
    interp.resize(interp.find('\0'));  // NUL-terminated in the file
    return interp;
  }
  return std::nullopt;
}

}  // namespace cocoon::syscalls
