// HostFilesystem: the resolver's view of the real host.
//
// Speed. The resolver walks in guest terms, so it must know, for each name,
// whether it is a directory, a symlink, missing or something else. Asking
// with one lstat(2) per name costs n syscalls, and each lstat of an absolute
// path re-walks its whole prefix in the kernel (O(n^2) dcache lookups).
// Most names on a real path are plain directories, so walk() asks the kernel
// once for all but the last name: openat2(2) with RESOLVE_NO_SYMLINKS on the
// parent (O_PATH|O_DIRECTORY), then one fstatat(2) of the last name relative
// to that fd, then close(2): 3 syscalls whatever the depth. Because no
// symlink may be followed, the kernel's walk is exactly the lexical walk the
// resolver would have done, so its ENOENT/ENOTDIR are the guest's answer.
// If a symlink is on the way (ELOOP), or openat2 is missing (ENOSYS, before
// Linux 5.6) or filtered (EPERM), we fall back to the per-name walk, which
// says where the symlink is. The resolver never gives walk() a name that is
// a mount target or lies on the way to one (those are decided by the mount
// table), so the kernel's walk cannot cross a guest mount behind our back.
//
// Rejected: RESOLVE_IN_ROOT on a mount's source, letting the kernel follow
// symlinks too. A symlink can lead through a guest mount point (a bind
// target, which in the host is an unrelated directory or nothing), and the
// final path from /proc/self/fd/N cannot tell that it happened. Also
// rejected: caching directory kinds. The host tree can change under us
// (other processes), and a stale "directory" that is now a symlink would
// make the tracer hand the kernel a path that escapes the root.
// Figures: docs/internals/vfs.md, "The fast path".
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>

#include "cocoon/vfs/filesystem.h"

namespace cocoon::vfs {
namespace {

EntryKind kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return EntryKind::kDirectory;
  if (S_ISLNK(mode)) return EntryKind::kSymlink;
  return EntryKind::kOther;
}

// Cleared for good the first time the kernel says openat2 is unavailable.
std::atomic<bool> g_have_openat2{true};

int open_beneath_no_symlinks(const std::string& path) {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

}  // namespace

std::expected<EntryKind, int> HostFilesystem::kind(const HostPath& path) const {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return kind_of(st.st_mode);
  if (errno == ENOENT) return EntryKind::kMissing;
  return std::unexpected(errno);
}

std::expected<std::string, int> HostFilesystem::readlink(const HostPath& path) const {
  std::string buf(PATH_MAX, '\0');
  const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n < 0) return std::unexpected(errno);
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

// readdir(3); a d_type the filesystem does not fill in (DT_UNKNOWN) is
// asked of fstatat(2).
std::expected<std::vector<DirEntry>, int> HostFilesystem::list(const HostPath& dir) const {
  struct Closer {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, Closer> d(::opendir(dir.c_str()));
  if (!d) return std::unexpected(errno);
  std::vector<DirEntry> out;
  errno = 0;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    EntryKind k = e->d_type == DT_DIR ? EntryKind::kDirectory
                  : e->d_type == DT_LNK ? EntryKind::kSymlink
                                        : EntryKind::kOther;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      k = kind_of(st.st_mode);
    }
    out.push_back(DirEntry{std::string(name), k});
  }
  if (errno != 0) return std::unexpected(errno);
  return out;
}

std::expected<HostPath, int> HostFilesystem::canonical(const HostPath& path) const {
  std::unique_ptr<char, decltype(&std::free)> p(::realpath(path.c_str(), nullptr), &std::free);
  if (!p) return std::unexpected(errno);
  return HostPath(p.get());
}

std::expected<WalkStep, int> HostFilesystem::walk(const HostPath& dir,
                                                  std::span<const std::string_view> names) const {
  if (!fast_walk_ || names.size() < 2 || !g_have_openat2.load(std::memory_order_relaxed)) {
    return Filesystem::walk(dir, names);
  }
  std::string parent = dir.str();
  for (std::size_t i = 0; i + 1 < names.size(); ++i) {
    if (parent.back() != '/') parent += '/';
    parent += names[i];
  }
  const int fd = open_beneath_no_symlinks(parent);
  if (fd == -ENOSYS || fd == -EPERM) g_have_openat2.store(false, std::memory_order_relaxed);
  if (fd == -ELOOP || fd == -ENOSYS || fd == -EPERM) return Filesystem::walk(dir, names);
  if (fd < 0) return std::unexpected(-fd);

  struct stat st;
  const int rc = ::fstatat(fd, std::string(names.back()).c_str(), &st, AT_SYMLINK_NOFOLLOW);
  const int err = errno;
  ::close(fd);
  const std::size_t last = names.size() - 1;
  if (rc != 0) {
    if (err == ENOENT) return WalkStep{last, EntryKind::kMissing};
    return std::unexpected(err);
  }
  const EntryKind k = kind_of(st.st_mode);
  if (k == EntryKind::kDirectory) return WalkStep{names.size(), k};
  return WalkStep{last, k};
}

// One openat2(2) (and a close) for the whole run: RESOLVE_NO_SYMLINKS makes
// any symlink on the way ELOOP, except a last one opened with
// O_PATH|O_NOFOLLOW, which the fd then names (openat2(2)). ENOENT means the
// walk met a missing name before any symlink, so the kernel, handed the
// same names, meets it too.
Filesystem::PlainWalk HostFilesystem::plain_walk(const HostPath& dir,
                                                 std::span<const std::string_view> names,
                                                 bool follow_last) const {
  if (!fast_walk_ || !g_have_openat2.load(std::memory_order_relaxed)) {
    return Filesystem::plain_walk(dir, names, follow_last);
  }
  std::string path = dir.str();
  for (std::string_view name : names) {
    if (path.back() != '/') path += '/';
    path += name;
  }
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return PlainWalk::kExists;
  }
  if (errno == ENOSYS || errno == EPERM) g_have_openat2.store(false, std::memory_order_relaxed);
  return errno == ENOENT ? PlainWalk::kMissing : PlainWalk::kUnsure;
}

}  // namespace cocoon::vfs
