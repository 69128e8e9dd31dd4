// Paths::on_exec: AT_EXECFN in guest terms.
#include <elf.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/tracer/tracee.h"
#include "exec/loader_cmdline.h"
#include "paths/paths.h"

namespace cocoon::syscalls {
namespace {

// AT_EXECFN's value in /proc/PID/auxv: pairs of words, 8 bytes for a 64-bit
// image, 4 for a compat (i386) one, whose saved_auxv holds compat words
// (compat_binfmt_elf.c's elf_addr_t).
template <typename Word>
std::optional<std::uint64_t> find_execfn(const std::string& auxv) {
  for (std::size_t at = 0; at + 2 * sizeof(Word) <= auxv.size(); at += 2 * sizeof(Word)) {
    Word key, value;
    std::memcpy(&key, auxv.data() + at, sizeof key);
    std::memcpy(&value, auxv.data() + at + sizeof key, sizeof value);
    if (key == AT_NULL) break;
    if (key == AT_EXECFN) return value;
  }
  return std::nullopt;
}

}  // namespace

void Paths::on_exec(tracer::Tracee& tracee, const tracer::GuestMemory& memory) {
  if (LoaderCmdlines* cmdlines = view_->loader_cmdlines()) cmdlines->exec_done(tracee.tgid);
  const auto taken = execfn_.take(tracee.tgid);
  if (!taken) return;
  const ExecFn& fn = *taken;
  if (fn.guest.size() > fn.host.size()) return;
  std::ifstream in("/proc/" + std::to_string(tracee.tid) + "/auxv", std::ios::binary);
  const std::string auxv{std::istreambuf_iterator<char>(in), {}};
  // The kernel's string must be there, NUL and all: that also tells the
  // auxv's word size, and a stale record (a failed exec) from a real one.
  std::vector<std::byte> want(fn.host.size() + 1);
  std::memcpy(want.data(), fn.host.c_str(), want.size());
  for (auto addr : {find_execfn<std::uint64_t>(auxv), find_execfn<std::uint32_t>(auxv)}) {
    if (!addr) continue;
    std::vector<std::byte> got(want.size());
    if (!memory.read(*addr, got) || got != want) continue;
    std::vector<std::byte> guest(fn.guest.size() + 1);
    std::memcpy(guest.data(), fn.guest.c_str(), guest.size());
    (void)memory.write(*addr, guest);
    return;
  }
}

}  // namespace cocoon::syscalls
