#include "file_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>
#include <string_view>

#include "cocoon/tracer/tracee.h"
#include "proc_fields.h"

namespace cocoon::syscalls {

using arch::ArgRole;

namespace {

std::string fd_link(pid_t tid, int fd) {
  return "/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd);
}

// An absolute path as the tracee, not cocoon, resolves it: its
// /proc/self and /proc/thread-self are the tracee's (proc(5)), and so are
// the links into them that /dev holds (/dev/fd -> /proc/self/fd, /dev/stdin
// -> /proc/self/fd/0...). glibc chmods through /proc/self/fd/N for lchmod
// and fchmodat(AT_SYMLINK_NOFOLLOW); resolved by cocoon, N was cocoon's own
// descriptor.
std::string as_tracee(std::string path, pid_t tid, pid_t tgid) {
  const auto under = [&](std::string_view prefix) {
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
  };
  if (under("/dev/fd") || under("/dev/stdin") || under("/dev/stdout") || under("/dev/stderr")) {
    const std::size_t end = path.find('/', 5);
    const std::string link = path.substr(0, end);
    char to[64];
    const ssize_t n = ::readlink(link.c_str(), to, sizeof to - 1);
    if (n > 0 && std::string_view(to, static_cast<std::size_t>(n)).starts_with("/proc/self/")) {
      path = std::string(to, static_cast<std::size_t>(n)) +
             (end == std::string::npos ? "" : path.substr(end));
    }
  }
  if (under("/proc/self")) return "/proc/" + std::to_string(tgid) + path.substr(10);
  if (under("/proc/thread-self")) {
    return "/proc/" + std::to_string(tgid) + "/task/" + std::to_string(tid) + path.substr(17);
  }
  return path;
}

}  // namespace

At entry_at(const Target& t) {
  return t.base.fd >= 0 ? At{t.base.fd, t.rel} : At{AT_FDCWD, t.path};
}

std::string_view without_trailing_slashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

At parent_at(const Target& t) {
  const At e = entry_at(t);
  const std::string_view name = without_trailing_slashes(e.name);
  const std::size_t slash = name.rfind('/');
  if (slash == std::string_view::npos) return {e.dirfd, ""};
  return {e.dirfd, std::string(name.substr(0, slash == 0 ? 1 : slash))};
}

int guest_errno(const Target& t, int err) {
  struct stat st {};
  if (err == ENOENT && !t.fd_link.empty() &&
      ::fstatat(AT_FDCWD, t.fd_link.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return EBADF;
  }
  return err;
}

namespace {

// The guest's fd `fd` duplicated for `t`: EBADF when the guest has no
// such fd (the kernel's fdget() fails first); else whatever GuestFds gave,
// or nothing (t keeps the /proc path).
int attach_base(GuestFds& fds, const tracer::SyscallStop& stop, int fd, Target& t,
                std::string rel) {
  auto dup = fds.dup(stop.tracee.tid, stop.tracee.tgid, fd);
  if (!dup) return dup.error() == EBADF ? EBADF : 0;
  t.base = std::move(*dup);
  t.rel = std::move(rel);
  return 0;
}

// The file path `spec` names, followed or not as its row's flags say.
std::expected<Target, int> at_path(GuestFds& fds, tracer::SyscallStop& stop,
                                   const arch::PathSpec& spec) {
  const arch::SyscallDesc& row = stop.desc;
  const std::uint64_t flags = row.flags_arg >= 0 ? stop.regs.arg(row.flags_arg) : 0;
  const bool follow = arch::follows_last(spec, flags);
  const bool empty_ok = arch::empty_names_dirfd(row, spec, flags);
  const int path_arg = spec.path;
  const std::string proc = "/proc/" + std::to_string(stop.tracee.tid);
  const int dirfd = spec.dirfd >= 0 ? static_cast<int>(stop.regs.arg(spec.dirfd)) : AT_FDCWD;
  std::string path;
  // A NULL path with AT_EMPTY_PATH is the empty one (statx, fstatat: Linux
  // 6.11, fs/stat.c getname_maybe_null; the *xattrat calls: 6.13, fs/xattr.c).
  if (const tracer::DecodedPath* decoded = stop.call.path(path_arg)) {
    path = decoded->given();
  } else if (stop.regs.arg(path_arg) != 0 || !empty_ok) {
    auto p = stop.memory.read_path(stop.regs.arg(path_arg));
    if (!p) return std::unexpected(p.error());
    path = std::move(*p);
  }
  if (path.empty()) {
    if (!empty_ok) return std::unexpected(ENOENT);
    // AT_EMPTY_PATH names the dirfd itself; AT_FDCWD's is the cwd (the
    // empty walk from the starting point, fs/namei.c path_init with
    // LOOKUP_EMPTY).
    if (dirfd == AT_FDCWD) return Target{proc + "/cwd", true, {}, {}, {}};
    const std::string link = fd_link(stop.tracee.tid, dirfd);
    return Target{link, true, link, {}, {}};
  }
  if (path.front() == '/') {
    return Target{as_tracee(std::move(path), stop.tracee.tid, stop.tracee.tgid), follow, {}, {}, {}};
  }
  if (dirfd == AT_FDCWD) return Target{proc + "/cwd/" + path, follow, {}, {}, {}};
  const std::string link = fd_link(stop.tracee.tid, dirfd);
  Target t{link + "/" + path, follow, link, {}, {}};
  if (int err = attach_base(fds, stop, dirfd, t, std::move(path))) return std::unexpected(err);
  return t;
}

// An fd argument; `io` as for target().
std::expected<Target, int> of_fd(tracer::SyscallStop& stop, int fd_arg, bool io) {
  const int fd = static_cast<int>(stop.regs.arg(fd_arg));
  const std::string link = fd_link(stop.tracee.tid, fd);
  if (io) {
    const auto flags = proc_field(stop.tracee.tid, "fdinfo/" + std::to_string(fd), "flags:");
    if (!flags) return std::unexpected(EBADF);  // not open
    if (std::stoul(*flags, nullptr, 8) & O_PATH) return std::unexpected(EBADF);
  }
  return Target{link, true, link, {}, {}};
}

}  // namespace

std::expected<Target, int> target(GuestFds& fds, tracer::SyscallStop& stop, bool io, int i) {
  const arch::SyscallDesc& row = stop.desc;
  if (i < row.path_count) return at_path(fds, stop, row.paths[static_cast<std::size_t>(i)]);
  return of_fd(stop, row.arg_index(ArgRole::kFdIn), io);
}

std::optional<XattrArgs> xattr_args(const tracer::SyscallStop& stop) {
  const arch::SyscallDesc& row = stop.desc;
  const int at = row.arg_index(ArgRole::kXattrArgs);
  if (at < 0) {
    const int name = row.arg_index(ArgRole::kXattrName);
    const auto arg = [&](int i) { return i < row.arg_count ? stop.regs.arg(i) : 0; };
    return XattrArgs{arg(name + 1), arg(name + 2), static_cast<std::uint32_t>(arg(name + 3))};
  }
  // The kernel refuses other AT_* flags and a struct smaller than its first
  // version (copy_struct_from_user()): EINVAL, the kernel's to say.
  const std::uint64_t at_flags = row.flags_arg >= 0 ? stop.regs.arg(row.flags_arg) : 0;
  if ((at_flags & ~std::uint64_t{AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH}) != 0) return std::nullopt;
  struct {
    std::uint64_t value;
    std::uint32_t size, flags;
  } raw{};
  if (stop.regs.arg(at + 1) < sizeof raw ||
      !stop.memory.read(stop.regs.arg(at), std::as_writable_bytes(std::span(&raw, 1)))) {
    return std::nullopt;
  }
  return XattrArgs{raw.value, raw.size, raw.flags};
}

}  // namespace cocoon::syscalls
