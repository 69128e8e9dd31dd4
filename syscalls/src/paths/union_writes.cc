#include "union_writes.h"

#include <fcntl.h>
#include <cstdio>  // renameat2, RENAME_*
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include "cocoon/vfs/union.h"
#include "owned_fd.h"

namespace cocoon::syscalls {
namespace {

const vfs::HostFilesystem& host_fs() {
  static const vfs::HostFilesystem fs;
  return fs;
}

std::string_view parent_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : rel.substr(0, slash);
}

std::string_view name_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? rel : rel.substr(slash + 1);
}

std::string upper(const vfs::Mount& m, std::string_view rel) {
  return vfs::layer_path(m.layers.front(), rel).str();
}

std::expected<vfs::UnionEntry, int> lookup(const vfs::Mount& m, std::string_view rel) {
  return vfs::union_lookup(host_fs(), m.layers, rel);
}

std::string visible(const vfs::Mount& m, const vfs::UnionEntry& e, std::string_view rel) {
  return vfs::layer_path(m.layers[static_cast<std::size_t>(e.layer)], rel).str();
}

// The owner (as far as the caller may give it: lchown(2) needs privilege
// for anyone else's), times and extended attributes of `from` on `to`;
// the mode is the caller's to set before (a symlink has none).
void copy_attributes(const std::string& from, const std::string& to, const struct stat& st) {
  (void)::lchown(to.c_str(), st.st_uid, st.st_gid);
  if (!S_ISLNK(st.st_mode)) (void)::chmod(to.c_str(), st.st_mode & 07777);
  std::vector<char> names(::llistxattr(from.c_str(), nullptr, 0) > 0 ? 65536 : 0);
  const ssize_t n = names.empty() ? 0 : ::llistxattr(from.c_str(), names.data(), names.size());
  for (ssize_t at = 0; at < n;) {
    const char* name = names.data() + at;
    at += static_cast<ssize_t>(std::char_traits<char>::length(name)) + 1;
    std::vector<char> value(65536);
    const ssize_t len = ::lgetxattr(from.c_str(), name, value.data(), value.size());
    if (len >= 0) (void)::lsetxattr(to.c_str(), name, value.data(), static_cast<std::size_t>(len), 0);
  }
  const timespec times[2] = {st.st_atim, st.st_mtim};
  (void)::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

// A name for a copy in progress, in `dir`: the union's own (".wh..wh."
// prefix), so the guest never sees it.
std::string staging_name(const std::string& dir) {
  static std::atomic<unsigned> counter{0};
  return dir + "/.wh..wh.copy-up." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1));
}

int copy_data(int from, int to) {
  for (;;) {
    const ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, 1 << 30, 0);
    if (n == 0) return 0;
    if (n > 0) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) return errno;
    char buf[65536];
    for (ssize_t r; (r = ::read(from, buf, sizeof buf)) != 0;) {
      if (r < 0) return errno;
      for (ssize_t done = 0; done < r;) {
        const ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(r - done));
        if (w < 0) return errno;
        done += w;
      }
    }
    return 0;
  }
}

// A regular file's copy, made aside (in the work directory, which bwrap
// asks to be on the upper layer's filesystem, else next to the target)
// and renamed into place, so the upper layer never holds half a copy.
int copy_file(const std::string& from, const std::string& to, const struct stat& st,
              const vfs::Mount& m) {
  OwnedFd src(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (src.fd < 0) return errno;
  for (const std::string& dir : {m.work.str(), std::string(parent_of(to))}) {
    if (dir.empty()) continue;
    const std::string tmp = staging_name(dir);
    OwnedFd dst(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (dst.fd < 0) continue;
    (void)::lseek(src.fd, 0, SEEK_SET);
    int err = copy_data(src.fd, dst.fd);
    if (err == 0) {
      copy_attributes(from, tmp, st);
      if (::rename(tmp.c_str(), to.c_str()) != 0) err = errno;
    }
    if (err != 0) ::unlink(tmp.c_str());
    if (err != EXDEV) return err;
  }
  return EIO;
}

// The copy of one entry whose parent the upper layer has.
int copy_entry(const vfs::Mount& m, const std::string& from, std::string_view rel) {
  struct stat st {};
  if (::lstat(from.c_str(), &st) != 0) return errno;
  const std::string to = upper(m, rel);
  if (S_ISREG(st.st_mode)) return copy_file(from, to, st, m);
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(to.c_str(), 0700) != 0) return errno;
  } else if (S_ISLNK(st.st_mode)) {
    auto body = host_fs().readlink(vfs::HostPath(from));
    if (!body) return body.error();
    if (::symlink(body->c_str(), to.c_str()) != 0) return errno;
  } else if (::mknod(to.c_str(), st.st_mode & (S_IFMT | 0600), st.st_rdev) != 0) {
    return errno;  // a device needs CAP_MKNOD: overlayfs's copy-up would fail alike
  }
  copy_attributes(from, to, st);
  return 0;
}

}  // namespace

int union_copy_up_parents(const vfs::Mount& m, std::string_view rel) {
  if (!m.has_upper) return EROFS;
  const std::string_view parent = parent_of(rel);
  for (std::size_t at = 0; at <= parent.size() && !parent.empty();) {
    const std::size_t end = std::min(parent.find('/', at), parent.size());
    const std::string_view dir = parent.substr(0, end);
    at = end + 1;
    struct stat st {};
    if (::lstat(upper(m, dir).c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return ENOTDIR;
      continue;
    }
    auto e = lookup(m, dir);
    if (!e) return e.error();
    if (e->kind != vfs::EntryKind::kDirectory) return e->kind == vfs::EntryKind::kMissing ? ENOENT : ENOTDIR;
    if (int err = copy_entry(m, visible(m, *e, dir), dir)) return err;
  }
  return 0;
}

int union_copy_up(const vfs::Mount& m, std::string_view rel) {
  auto e = lookup(m, rel);
  if (!e) return e.error();
  if (e->kind == vfs::EntryKind::kMissing) return ENOENT;
  if (e->layer == 0 && m.has_upper) return 0;
  if (int err = union_copy_up_parents(m, rel)) return err;
  return copy_entry(m, visible(m, *e, rel), rel);
}

int union_may_change_parent(const vfs::Mount& m, std::string_view rel) {
  const std::string_view parent = parent_of(rel);
  auto e = lookup(m, parent);
  if (!e) return e.error();
  if (e->kind != vfs::EntryKind::kDirectory) return ENOENT;
  const std::string dir = visible(m, *e, parent);
  return ::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) == 0 ? 0 : errno;
}

namespace {

int make_whiteout(const vfs::Mount& m, std::string_view rel) {
  if (int err = union_copy_up_parents(m, rel)) return err;
  std::string parent(parent_of(rel));
  const std::string wh = upper(m, parent.empty() ? vfs::whiteout_name(name_of(rel))
                                                 : parent + "/" + vfs::whiteout_name(name_of(rel)));
  OwnedFd fd(::open(wh.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  return fd.fd < 0 ? errno : 0;
}

// An upper directory about to go: the union's own names in it (whiteouts
// of what its lower twins held, the opaque marker), which the merged
// listing did not show, go first.
int empty_upper_dir(const std::string& dir) {
  auto names = host_fs().list(vfs::HostPath(dir));
  if (!names) return names.error();
  for (const vfs::DirEntry& d : *names) {
    if (!vfs::is_union_private(d.name)) return ENOTEMPTY;
  }
  for (const vfs::DirEntry& d : *names) {
    if (::unlink((dir + "/" + d.name).c_str()) != 0) return errno;
  }
  return 0;
}

}  // namespace

int union_remove(const vfs::Mount& m, std::string_view rel, bool dir) {
  auto e = lookup(m, rel);
  if (!e) return e.error();
  if (e->kind == vfs::EntryKind::kMissing) return ENOENT;
  if (dir && e->kind != vfs::EntryKind::kDirectory) return ENOTDIR;
  if (!dir && e->kind == vfs::EntryKind::kDirectory) return EISDIR;
  if (int err = union_may_change_parent(m, rel)) return err;
  if (dir) {
    auto names = vfs::union_list(host_fs(), m.layers, rel);
    if (!names) return names.error();
    if (!names->empty()) return ENOTEMPTY;
  }
  const bool in_upper = m.has_upper && e->layer == 0;
  if (in_upper) {
    const std::string path = upper(m, rel);
    if (dir) {
      if (int err = empty_upper_dir(path)) return err;
      if (::rmdir(path.c_str()) != 0) return errno;
    } else if (::unlink(path.c_str()) != 0) {
      return errno;
    }
  }
  if (!in_upper || e->lower) return make_whiteout(m, rel);
  return 0;
}

int union_rename(const vfs::Mount& m, std::string_view from, std::string_view to, unsigned flags) {
  auto src = lookup(m, from);
  if (!src) return src.error();
  auto dst = lookup(m, to);
  if (!dst) return dst.error();
  if (src->kind == vfs::EntryKind::kMissing) return ENOENT;
  const bool src_dir = src->kind == vfs::EntryKind::kDirectory;
  const bool dst_dir = dst->kind == vfs::EntryKind::kDirectory;
  const bool src_upper_only = src->layer == 0 && !src->lower && src->merged.size() <= 1;
  // overlayfs without redirect_dir: a directory with anything in a lower
  // layer cannot move (ovl_rename(): EXDEV, and mv copies instead); nor
  // can anything onto a directory a lower layer has.
  if (src_dir && !src_upper_only) return EXDEV;
  if (dst_dir && (dst->layer != 0 || dst->lower || dst->merged.size() > 1)) return EXDEV;
  if ((flags & RENAME_EXCHANGE) && (dst->layer != 0 || dst->lower)) return EXDEV;
  if ((flags & RENAME_NOREPLACE) && dst->kind != vfs::EntryKind::kMissing) return EEXIST;
  if (dst->kind != vfs::EntryKind::kMissing && src_dir != dst_dir) return src_dir ? ENOTDIR : EISDIR;
  if (int err = union_may_change_parent(m, from)) return err;
  if (int err = union_may_change_parent(m, to)) return err;
  if (int err = union_copy_up(m, from)) return err;
  if (int err = union_copy_up_parents(m, to)) return err;
  if (::renameat2(AT_FDCWD, upper(m, from).c_str(), AT_FDCWD, upper(m, to).c_str(), flags) != 0) {
    return errno;
  }
  if (src->layer != 0 || src->lower) return make_whiteout(m, from);
  return 0;
}

}  // namespace cocoon::syscalls
