#include "landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "cocoon/arch/kernel.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {
namespace {

// Newer than the 6.1 uapi headers (include/uapi/linux/landlock.h).
constexpr std::uint64_t kTruncate = 1ULL << 14;   // ABI 3 (6.2)
constexpr std::uint64_t kIoctlDev = 1ULL << 15;   // ABI 5 (6.10)
constexpr std::uint64_t kScopeAbstractUnix = 1ULL << 0;  // ABI 6 (6.12)
constexpr int kScopeAbi = 6;

// struct landlock_ruleset_attr as of ABI 6: the kernel takes a longer
// struct than it knows when the rest is zero (copy_struct_from_user()).
struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

std::uint64_t handled_for(int abi) {
  std::uint64_t all = (1ULL << 13) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2) all |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) all |= kTruncate;
  if (abi >= 5) all |= kIoctlDev;
  return all;
}

// What a rule on a regular file may grant (landlock_add_rule(2): EINVAL
// for directory-only rights on a non-directory).
constexpr std::uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                      LANDLOCK_ACCESS_FS_READ_FILE | kTruncate | kIoctlDev;
constexpr std::uint64_t kReadRights =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

std::expected<void, std::string> allow(int ruleset, const std::string& host, std::uint64_t rights,
                                       std::uint64_t handled) {
  const OwnedFd fd(::open(host.c_str(), O_PATH | O_CLOEXEC));
  if (fd.fd < 0) return std::unexpected("landlock rule for " + host + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd.fd, &st);
  if (!S_ISDIR(st.st_mode)) rights &= kFileRights;
  landlock_path_beneath_attr attr{};
  attr.allowed_access = rights & handled;
  attr.parent_fd = fd.fd;
  if (::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0) {
    return std::unexpected("landlock rule for " + host + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

std::expected<Landlock, std::string> make_landlock(const vfs::MountTable* table,
                                                   const std::vector<std::string>& readable,
                                                   bool abstract_scope) {
  Landlock out;
  out.abi = arch::kernel_features().landlock_abi;
  if (out.abi < 1) {
    out.missing = "this kernel has no Landlock (Linux 5.13)";
    return out;
  }
  const std::uint64_t handled = table != nullptr ? handled_for(out.abi) : 0;
  RulesetAttr attr;
  attr.handled_access_fs = handled;
  if (abstract_scope && out.abi >= kScopeAbi) attr.scoped = kScopeAbstractUnix;
  out.scoped = attr.scoped != 0;
  if (abstract_scope && out.abi < kScopeAbi) {
    out.missing = "this kernel's Landlock (ABI " + std::to_string(out.abi) +
                  ") cannot scope abstract sockets (ABI 6, Linux 6.12)";
  }
  if (attr.handled_access_fs == 0 && attr.scoped == 0) return out;  // nothing to enforce
  const long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0) return std::unexpected(std::string("landlock_create_ruleset: ") + std::strerror(errno));
  out.fd = OwnedFd(static_cast<int>(fd));
  if (table == nullptr) return out;
  const vfs::MountTable& t = *table;
  // What the guest may reach: every mount's host tree (read-only ones with
  // read rights only), the generated files, the placeholder tree.
  std::vector<std::pair<std::string, std::uint64_t>> rules;
  for (const vfs::Mount& m : t.mounts()) {
    if (m.kind == vfs::MountKind::kSymlink) continue;  // no host file behind it
    rules.emplace_back(m.source.str(), m.read_only ? kReadRights : handled);
    // A union's layers: the guest writes only to the upper one (the
    // tracer copies up first), and reads the lower ones.
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
      const bool upper = i == 0 && m.has_upper && !m.read_only;
      rules.emplace_back(m.layers[i].str(), upper ? handled : kReadRights);
    }
  }
  for (const std::string& path : readable) rules.emplace_back(path, kReadRights);
  if (!t.synthetic().source.str().empty()) {
    rules.emplace_back(t.synthetic().source.str(), kReadRights);
  }
  for (const auto& [path, rights] : rules) {
    if (auto r = allow(out.fd.fd, path, rights, handled); !r) return std::unexpected(r.error());
  }
  return out;
}

bool can_scope_abstract_sockets() { return arch::kernel_features().landlock_abi >= kScopeAbi; }

namespace {

bool no_new_privs(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("NoNewPrivs:")) return line.find('1') != std::string::npos;
  }
  return false;
}

// What the guest's unshare or clone says for a step that failed with `err`.
int guest_errno(int err) {
  switch (err) {
    case E2BIG: return ENOSPC;  // landlock_restrict_self(2): 16 layers already
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFAULT: return ENOMEM;  // no descriptor, or no room below the stack
    case ESRCH: return ESRCH;
    default: return EPERM;
  }
}

int scope_in(tracer::TaskCalls& calls, pid_t tid) {
  auto fail = [](std::int64_t r) { return guest_errno(static_cast<int>(-r)); };
  if (!no_new_privs(tid)) {
    auto r = calls.call(SYS_prctl, {PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0});
    if (!r) return guest_errno(r.error());
    if (*r < 0) return fail(*r);
  }
  RulesetAttr attr;
  attr.scoped = kScopeAbstractUnix;
  tracer::GuestMemory memory(tid);
  tracer::StackScratch scratch(memory, calls.sp());
  auto addr = scratch.push(std::as_bytes(std::span(&attr, 1)));
  if (!addr) return guest_errno(addr.error());
  auto fd = calls.call(SYS_landlock_create_ruleset, {*addr, sizeof attr, 0, 0, 0, 0});
  if (!fd) return guest_errno(fd.error());
  if (*fd < 0) return fail(*fd);
  auto restricted = calls.call(SYS_landlock_restrict_self, {static_cast<std::uint64_t>(*fd), 0, 0, 0, 0, 0});
  auto closed = calls.call(SYS_close, {static_cast<std::uint64_t>(*fd), 0, 0, 0, 0, 0});
  if (!restricted) return guest_errno(restricted.error());
  if (*restricted < 0) return fail(*restricted);
  if (!closed) return guest_errno(closed.error());
  return 0;
}

}  // namespace

// A task with seccomp filters of its own is left to translation alone:
// cocoon's calls would pass through them, which may refuse landlock_*
// (an allow-list written before 5.13: the guest's unshare would fail where
// it works natively), kill the task, or forge a success (RET_ERRNO with 0
// for landlock_restrict_self: no domain, yet cocoon told it was made), and
// under --no-seccomp the skip of the task's own call (number -1) would
// meet them too. Only the confinement the guest put on itself is weaker
// then, never the run's (docs/threat-model.md, "Warn or refuse").
int scope_abstract_sockets(tracer::StopControl& control, tracer::Tracee& task) {
  if (task.guest_filters) {
    tracer::module_logger("vfs")->debug("{}: has seccomp filters of its own: its network namespace "
                                        "is kept by translation alone", task.tid);
    return 0;
  }
  int err = 0;
  auto r = control.inject(task, [&](tracer::TaskCalls& calls) { err = scope_in(calls, task.tid); });
  if (!r) return r.error() == ESRCH ? ESRCH : EPERM;
  return err;
}

}  // namespace cocoon::syscalls
