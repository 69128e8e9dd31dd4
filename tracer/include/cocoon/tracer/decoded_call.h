// One call's arguments as the translate phase understood them (Phase), for
// the handler that emulates the call: it reads them here instead of the
// registers, which a translating handler may have rewritten into host
// terms or left as the guest gave them. Lives on the stop (SyscallStop),
// empty at every entry.
//
// Plain strings and numbers: tracer/ knows nothing of the filesystem view
// (vfs/), and what an emulating handler needs of a path is the host path
// it may use itself and what the kernel is handed.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace cocoon::tracer {

// A path argument resolved in the guest's view.
struct DecodedPath {
  std::string guest;  // as the guest passed it
  std::string host;   // where it resolved on the host (or the file standing for it)
  std::string mount;  // the guest path of the mount holding it
  bool read_only = false;  // that mount is read-only
  // The registers point at `host`; false: at the guest's own string, which
  // the kernel walks to the same entry from the guest's dirfd.
  bool rewritten = false;

  // The path the kernel is handed (relative to the call's dirfd when it
  // is the guest's relative one).
  const std::string& given() const { return rewritten ? host : guest; }
};

// A uid or gid argument (a kUid/kGid role of the table).
struct DecodedId {
  std::uint32_t given = 0;  // as the guest passed it
  // As the first user namespace numbers it (cocoon's credentials and
  // records); nullopt when the caller's user namespace maps nothing to it,
  // and for (uid_t)-1, which the calls that take it read as "unchanged".
  std::optional<std::uint32_t> mapped;

  bool unchanged() const { return given == 0xffffffffu; }
};

struct DecodedCall {
  // By argument index (the guest's: a translation that moves an argument,
  // riscv64's execve made execveat, keeps it where the guest put it).
  std::array<std::optional<DecodedPath>, 6> paths;
  // A pid argument as the host's number (the guest's is a number of its
  // emulated PID namespace).
  std::array<std::optional<pid_t>, 6> pids;
  // A uid or gid argument mapped through the caller's user namespace.
  std::array<std::optional<DecodedId>, 6> ids;

  const DecodedPath* path(int arg) const {
    const auto& p = paths[static_cast<std::size_t>(arg)];
    return p ? &*p : nullptr;
  }
  std::optional<pid_t> pid(int arg) const { return pids[static_cast<std::size_t>(arg)]; }
  const DecodedId* id(int arg) const {
    const auto& d = ids[static_cast<std::size_t>(arg)];
    return d ? &*d : nullptr;
  }
};

}  // namespace cocoon::tracer
