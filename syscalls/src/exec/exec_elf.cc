#include "exec_elf.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <string_view>
#include <tuple>
#include <vector>

#include "cocoon/arch/arch.h"
#include "owned_fd.h"

namespace cocoon::syscalls {
namespace {

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
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != arch::elf_machine(arch::host_arch()) ||
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

bool interpreter_takes_argv0(const std::string& host_path) {
  const OwnedFd f(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0) return true;  // the exec will say what is wrong
  using Key = std::tuple<dev_t, ino_t, off_t, std::int64_t>;
  static std::map<Key, bool> known;
  const Key key{st.st_dev, st.st_ino, st.st_size,
                static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  if (auto it = known.find(key); it != known.end()) return it->second;
  std::string body(static_cast<std::size_t>(std::min<off_t>(st.st_size, 16 << 20)), '\0');
  const bool ok = read_at(f.fd, body.data(), body.size(), 0) &&
                  body.find(std::string_view("--argv0\0", 8)) != std::string::npos;
  known.emplace(key, ok);
  return ok;
}

}  // namespace cocoon::syscalls
