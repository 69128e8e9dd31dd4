#include "agent/agent_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdlib>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/syscall_table.h"

namespace cocoon::syscalls {
namespace {

using tracer::Action;
using tracer::Decision;

// Identities as the agent compares them: glibc's makedev() of the parts
// (agent.c stat_dev()).
std::uint64_t dev_of(const struct stat& st) { return makedev(major(st.st_dev), minor(st.st_dev)); }

// The directory `host` names, as itself and as what a symlink there leads
// to: the agent meets the one its guest walked to.
void mark(std::vector<cocoon_agent_dir>& marks, const std::string& host) {
  for (const bool follow : {false, true}) {
    struct stat st {};
    if ((follow ? ::stat(host.c_str(), &st) : ::lstat(host.c_str(), &st)) != 0 || !S_ISDIR(st.st_mode)) {
      continue;
    }
    const cocoon_agent_dir d{dev_of(st), st.st_ino};
    const bool known = std::ranges::any_of(marks, [&](const auto& m) { return m.dev == d.dev && m.ino == d.ino; });
    if (!known) marks.push_back(d);
  }
}

// The host directory under guest directory `guest` in the table (no
// symlink of the guest's followed: mark() takes both).
std::string host_of(const vfs::MountTable& table, const std::string& guest) {
  const vfs::Mount& m = table.covering(guest);
  if (m.source.str().empty()) return {};
  const std::string rest = guest.substr(std::min(guest.size(), m.target.str().size()));
  const std::string& source = m.source.str();
  if (rest.empty()) return source;
  return (source == "/" ? "" : source) + (rest.front() == '/' ? rest : "/" + rest);
}

// The condition under which the other handlers stop at `row`; nullopt:
// none does.
std::optional<Decision> stopped(const tracer::HandlerList& others, const arch::SyscallDesc& row) {
  std::optional<Decision> out;
  for (const auto& h : others) {
    const Decision d = h->decision(row, arch::host_arch());
    if (d.action != Action::kTrace && d.action != Action::kNotify) continue;
    if (!d.conditional()) return Decision::notify();
    if (!out) {
      out = Decision::notify_if_any(d.nonzero_arg, d.when_bits);
    } else if (out->nonzero_arg == d.nonzero_arg) {
      out->when_bits |= d.when_bits;
    } else {
      return Decision::notify();
    }
  }
  return out;
}

// Directories the guest holds from its start (cocoon's own descriptors
// without FD_CLOEXEC, which the command inherits) that the view does not
// show: the tracer answers ENOENT for a name looked up in them
// (GuestView::base_dir), so must the agent.
void mark_inherited_dirs(const vfs::MountTable& table, std::vector<cocoon_agent_dir>& marks) {
  if (DIR* fds = ::opendir("/proc/self/fd")) {
    for (const dirent* d; (d = ::readdir(fds)) != nullptr;) {
      const int fd = std::atoi(d->d_name);
      struct stat st {};
      if (d->d_name[0] == '.' || fd == ::dirfd(fds) || (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0 ||
          ::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        continue;
      }
      char host[4096];
      const ssize_t n = ::readlink(("/proc/self/fd/" + std::string(d->d_name)).c_str(), host, sizeof host - 1);
      if (n <= 0) continue;
      if (!table.to_guest(std::string_view(host, static_cast<std::size_t>(n)))) mark(marks, std::string(host, n));
    }
    ::closedir(fds);
  }
}

}  // namespace

std::expected<AgentView, std::string> agent_view(const GuestView& view, const tracer::HandlerList& others) {
  AgentView out;
  const vfs::MountTable& table = view.table();
  for (const vfs::Mount& m : table.mounts()) {
    if (m.kind == vfs::MountKind::kOverlay) return std::unexpected("it serves no union mount (--overlay)");
    // The filesystems whose directories may be plain: the root's and the
    // directory mounts' sources (not /proc's: its files are the view's).
    if (!table.is_visible(m) || !m.directory || m.kind == vfs::MountKind::kProc ||
        m.kind == vfs::MountKind::kSymlink) {
      continue;
    }
    struct stat st {};
    struct statfs fs {};
    if (::stat(m.source.c_str(), &st) != 0 || ::statfs(m.source.c_str(), &fs) != 0) continue;
    // A bind of /proc or /sys (or below): files the tracer dresses or
    // guards (ProcessGuard's outsiders), never the agent's.
    if (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC) continue;
    if (std::ranges::find(out.devs, dev_of(st)) == out.devs.end()) out.devs.push_back(dev_of(st));
  }
  const std::string placeholder = table.synthetic().source.str();
  for (const std::string& guest : table.mount_ancestors()) {
    const std::string host = host_of(table, guest);
    if (!host.empty()) mark(out.marks, host);
    if (!placeholder.empty()) mark(out.marks, placeholder + (guest == "/" ? "" : guest));
    // A directory on the way that the host lacks is marked only as the
    // placeholder: made later (a writable mount whose source holds that
    // host path lets the guest make it), it would be taken for plain.
    struct stat st {};
    if (host.empty() || ::lstat(host.c_str(), &st) == 0) continue;
    for (const vfs::Mount& m : table.mounts()) {
      const std::string& src = m.source.str();
      if (m.read_only || !m.directory || src.empty() || !host.starts_with(src == "/" ? src : src + "/")) continue;
      const std::string rest = host.substr(src == "/" ? 0 : src.size());
      const std::string alias = (m.target.str() == "/" ? "" : m.target.str()) + rest;
      if (alias != guest) {
        return std::unexpected(host + ", on the way to a mount target, is missing on the host and the guest "
                               "could make it as " + alias);
      }
    }
  }
  mark_inherited_dirs(table, out.marks);
  // The root's /proc, whatever the view holds there: the tracer answers
  // /proc/self and the other processes' entries by their guest path.
  mark(out.marks, host_of(table, "/proc"));
  // The files the view stands in for (/proc/sys/kernel/hostname...): their
  // directories too, whatever their filesystem.
  for (const auto& [host, file] : view.fixed_files().map()) {
    mark(out.marks, host.substr(0, std::max<std::size_t>(1, host.rfind('/'))));
  }
  out.link_bodies = std::ranges::none_of(table.mounts(), [](const vfs::Mount& m) { return m.links_in_guest_terms; });
  // Absolute paths: when the root's directory and the targets fit.
  std::size_t total = 0;
  bool over_root = false;  // a mount on / itself (bwrap --bind / /) covers every path
  for (const vfs::Mount& m : table.mounts()) {
    if (&m == &table.root()) continue;
    over_root = over_root || m.target.str() == "/";
    out.targets.push_back(m.target.str());
    total += m.target.str().size() + 1;
  }
  const std::string root = table.root().source.str() == "/" ? "" : table.root().source.str();
  if (!over_root && total <= COCOON_AGENT_TARGETS_MAX && root.size() < COCOON_AGENT_ROOT_MAX) {
    out.root = root;
  } else {
    out.targets.clear();
  }
  if (out.marks.size() > COCOON_AGENT_MARKS || out.devs.size() > COCOON_AGENT_DEVS) {
    return std::unexpected("the view has more mounts than the agent tells apart");
  }
  for (const arch::SyscallDesc& row : arch::all_syscalls()) {
    if (!row.exists_on(arch::host_arch()) || !Agent::view_row(row.sys)) continue;
    if (auto d = stopped(others, row)) out.stopped.emplace(row.sys, *d);
  }
  return out;
}

}  // namespace cocoon::syscalls
