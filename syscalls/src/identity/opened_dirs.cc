#include "opened_dirs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "file_view.h"
#include "identity.h"

namespace cocoon::syscalls {

namespace {

// Whether the real user may add an entry to `dir`: write and search there,
// search on the way (faccessat2(2) with AT_EACCESS, Linux 5.8). Errors
// other than EACCES are the kernel's to report.
bool real_user_may_create(const At& dir) {
  const int flags = AT_EACCESS | (dir.name.empty() ? AT_EMPTY_PATH : 0);
  return syscall(SYS_faccessat2, dir.dirfd, dir.name.c_str(), W_OK | X_OK, flags) == 0 ||
         errno != EACCES;
}

// The directory the guest's path starts from, as the tracer reaches it.
std::string anchor_of(const Target& t, pid_t tid) {
  if (!t.fd_link.empty() && t.path.starts_with(t.fd_link)) return t.fd_link;
  const std::string cwd = "/proc/" + std::to_string(tid) + "/cwd";
  return t.path.starts_with(cwd + "/") ? cwd : "/";
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace

OpenedDirs& OpenedDirs::operator=(OpenedDirs&& o) noexcept {
  if (this != &o) {
    restore();
    dirs_ = std::exchange(o.dirs_, {});
  }
  return *this;
}

void OpenedDirs::restore() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const bool back = ::fchmodat(AT_FDCWD, fd_path(it->fd).c_str(), it->mode, 0) == 0;
    ::close(it->fd);
    if (!it->s || !back) continue;  // not given back: the record still explains it
    if (it->before) {
      (void)it->s->db.put(it->key, *it->before);
    } else {
      (void)it->s->db.erase(it->key);
    }
  }
  dirs_.clear();
}

void OpenedDirs::explain(IdentityState* s, Dir& d, const struct statx& sx) {
  if (!s || !s->db.persistent()) return;  // nothing of it outlives the run
  const FileRecord* old = record_of(*s, sx);
  if (old && old->mode_faked) return;
  FileRecord r;
  if (old) {
    r = *old;
  } else {
    const Shown v = shown(*s, sx);
    r.btime_sec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_sec : 0;
    r.btime_nsec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_nsec : 0;
    r.uid = v.uid;
    r.gid = v.gid;
    r.rdev = v.rdev;
  }
  r.mode = sx.stx_mode;
  r.mode_faked = true;
  if (s->db.put(key_of(sx), r) != 0) return;
  d.s = s;
  d.key = key_of(sx);
  if (old) d.before = *old;
}

bool OpenedDirs::widen(IdentityState* s, int fd, const struct statx& sx, std::uint32_t need) {
  const std::uint32_t mode = sx.stx_mode & 07777;
  Dir d{fd, mode};
  explain(s, d, sx);
  if (::fchmodat(AT_FDCWD, fd_path(fd).c_str(), mode | need, 0) != 0) {
    ::close(fd);
    if (d.s) (void)(d.before ? d.s->db.put(d.key, *d.before) : d.s->db.erase(d.key));
    return false;
  }
  dirs_.push_back(std::move(d));
  return true;
}

OpenedDirs OpenedDirs::open_to(IdentityState* s, const std::string& anchor, const std::string& path,
                               std::uint32_t last_need) {
  OpenedDirs out;
  const std::string_view p = without_trailing_slashes(path);
  const std::size_t last = p.rfind('/');
  const std::size_t first = anchor == "/" ? 0 : anchor.size();
  if (last == std::string_view::npos || last < first) return out;
  std::string previous;
  for (std::size_t k = first; k <= last; k = p.find('/', k + 1)) {
    std::string dir(k == 0 ? "/" : p.substr(0, k));
    if (dir == previous) continue;  // "a//b"
    previous = dir;
    const std::uint32_t need = k == last ? last_need : S_IXUSR;
    struct statx sx {};
    if (::statx(AT_FDCWD, dir.c_str(), 0, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0 ||
        !S_ISDIR(sx.stx_mode)) {
      break;
    }
    if (sx.stx_uid != ::geteuid() || (sx.stx_mode & need) == need) continue;
    const int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !out.widen(s, fd, sx, need)) break;
  }
  return out;
}

void OpenedDirs::open_file(IdentityState* s, const std::string& path, bool follow,
                           std::uint32_t need) {
  const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0) return;
  struct statx sx {};
  const bool wanted =
      ::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0 &&
      (S_ISREG(sx.stx_mode) || S_ISDIR(sx.stx_mode)) && sx.stx_uid == ::geteuid() &&
      (sx.stx_mode & need) != need;
  if (!wanted) {
    ::close(fd);
    return;
  }
  (void)widen(s, fd, sx, need);
}

void OpenedDirs::append(OpenedDirs&& more) {
  dirs_.insert(dirs_.end(), more.dirs_.begin(), more.dirs_.end());
  more.dirs_.clear();
}

OpenedDirs OpenedDirs::search_to(IdentityState* s, const Target& t, pid_t tid) {
  return open_to(s, anchor_of(t, tid), t.path, S_IXUSR);
}

OpenedDirs OpenedDirs::for_entry(IdentityState* s, const Target& t, pid_t tid) {
  if (real_user_may_create(parent_at(t))) return {};
  return open_to(s, anchor_of(t, tid), t.path);
}

}  // namespace cocoon::syscalls
