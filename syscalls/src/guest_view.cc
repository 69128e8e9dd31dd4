#include "guest_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cocoon::syscalls {
namespace {

// "/proc/self/..." -> "/proc/TGID/...": the resolver would otherwise read
// cocoon's own /proc/self link.
std::string retarget_proc_self(const std::string& path, pid_t tid, pid_t tgid) {
  auto replace = [&](std::string_view prefix, const std::string& with) -> std::string {
    if (path.compare(0, prefix.size(), prefix) != 0) return {};
    if (path.size() > prefix.size() && path[prefix.size()] != '/') return {};
    return with + path.substr(prefix.size());
  };
  if (auto p = replace("/proc/self", "/proc/" + std::to_string(tgid)); !p.empty()) return p;
  const std::string task = "/proc/" + std::to_string(tgid) + "/task/" + std::to_string(tid);
  if (auto p = replace("/proc/thread-self", task); !p.empty()) return p;
  return path;
}

}  // namespace

bool GuestView::is_identity() const {
  return table_.mounts().size() == 1 && table_.root().source.str() == "/" &&
         !table_.root().read_only;
}

std::expected<vfs::GuestPath, int> GuestView::base_dir(pid_t tid, int fd, bool check_dir) const {
  const std::string proc = "/proc/" + std::to_string(tid);
  const std::string link = fd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(fd);
  auto host = fs_.readlink(vfs::HostPath(link));
  if (!host) return std::unexpected(host.error() == ENOENT ? EBADF : host.error());
  if (fd != AT_FDCWD) {
    // "pipe:[N]", "anon_inode:[eventfd]": never a directory.
    if (host->empty() || host->front() != '/') return std::unexpected(ENOTDIR);
    if (check_dir) {
      if (int err = dir_fd_error(tid, fd)) return std::unexpected(err);
    }
  }
  auto guest = table_.to_guest(*host);
  if (!guest) return std::unexpected(ENOENT);
  return *guest;
}

int GuestView::dir_fd_error(pid_t tid, int fd) const {
  const std::string link = "/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd);
  struct stat st {};
  if (::stat(link.c_str(), &st) != 0) return errno == ENOENT ? EBADF : errno;
  return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

std::expected<vfs::Resolved, int> GuestView::resolve(pid_t tid, pid_t tgid,
                                                     const std::string& path,
                                                     const vfs::GuestPath& base,
                                                     vfs::ResolveFlags flags) const {
  const vfs::Resolver resolver(table_, fs_);
  if (path.starts_with("/proc/")) {
    return resolver.resolve(vfs::GuestPath(retarget_proc_self(path, tid, tgid)), base, flags);
  }
  return resolver.resolve(vfs::GuestPath(path), base, flags);
}

// Speed: the fd's kind is only asked for when the answer can depend on it.
// A plain walk (vfs::Resolved::plain) from a directory fd is handed to the
// kernel as the guest wrote it, and the kernel says ENOTDIR itself
// (path_init(), fs/namei.c); every other outcome is checked first, because
// the kernel checks the dirfd before it walks.
std::expected<vfs::Resolved, int> GuestView::resolve_at(pid_t tid, pid_t tgid, int dirfd,
                                                        const std::string& path,
                                                        vfs::ResolveFlags flags) const {
  vfs::GuestPath base("/");
  const bool from_dirfd = path.front() != '/' || flags.beneath || flags.in_root;
  if (from_dirfd) {
    auto dir = base_dir(tid, dirfd, /*check_dir=*/false);
    if (!dir) return std::unexpected(dir.error());
    base = *dir;
  }
  auto r = resolve(tid, tgid, path, base, flags);
  if (from_dirfd && dirfd != AT_FDCWD && !(r && r->plain)) {
    if (int err = dir_fd_error(tid, dirfd)) return std::unexpected(err);
  }
  return r;
}

bool GuestView::kernel_walks_alike(const std::string& path, const vfs::Resolved& r) const {
  if (!r.plain) return false;
  return path.front() != '/' || table_.root().source.str() == "/";
}

// /proc/PID/mounts, /proc/PID/mountinfo, also under task/TID/ (/proc/mounts
// and /proc/self/... resolve to these).
std::string GuestView::proc_mount_file(const std::string& host) const {
  if (!host.starts_with("/proc/") || mounts_file_.empty()) return {};
  std::string_view rest = std::string_view(host).substr(6);
  const auto digits = [](std::string_view& s) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    s.remove_prefix(n);
    return n > 0;
  };
  if (!digits(rest)) return {};
  if (rest.starts_with("/task/")) {
    rest.remove_prefix(6);
    if (!digits(rest)) return {};
  }
  if (rest == "/mounts") return mounts_file_;
  if (rest == "/mountinfo") return mountinfo_file_;
  return {};
}

std::string GuestView::generated_file(const std::string& host) const {
  if (auto it = generated_.find(host); it != generated_.end()) return it->second;
  return proc_mount_file(host);
}

std::string GuestView::to_guest(const std::string& host) const {
  if (host.empty() || host.front() != '/') return host;  // "pipe:[123]", "anon_inode:..."
  if (auto g = table_.to_guest(host)) return g->str();
  return "(unreachable)" + host;
}

}  // namespace cocoon::syscalls
