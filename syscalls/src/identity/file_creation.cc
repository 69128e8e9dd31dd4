#include "file_creation.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>

#include "cocoon/tracer/tracee.h"
#include "file_target.h"
#include "file_view.h"
#include "identity.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;
using tracer::Via;

namespace {

using arch::ArgRole;
using arch::Sys;

// The open(2) flags that make a file (include/uapi/asm-generic/fcntl.h:
// the same values on x86-64, arm64 and riscv64). __O_TMPFILE is the
// kernel's bit alone: glibc's adds O_DIRECTORY, which every opendir()
// passes.
constexpr std::uint64_t kTmpfileBit = 020000000;
constexpr std::uint64_t kCreatingFlags = O_CREAT | kTmpfileBit;

enum class Kind : std::uint8_t { kNone, kDir, kNode, kSymlink, kOpen, kBind };

Kind kind_of(Sys sys) {
  switch (sys) {
    case Sys::mkdir: case Sys::mkdirat: return Kind::kDir;
    case Sys::mknod: case Sys::mknodat: return Kind::kNode;
    case Sys::symlink: case Sys::symlinkat: return Kind::kSymlink;
    case Sys::open: case Sys::openat: case Sys::openat2: case Sys::creat: return Kind::kOpen;
    case Sys::bind: return Kind::kBind;
    default: return Kind::kNone;
  }
}

}  // namespace

// What one call asks to make.
struct FileCreations::Request {
  Kind kind = Kind::kNone;
  std::uint64_t flags = 0;    // an open's
  std::uint64_t resolve = 0;  // openat2's RESOLVE_* flags
  std::uint32_t mode = 0;     // the mode asked, before the umask (mknod: with its type)
  std::string link;           // a symlink's target; a bound socket's path
  bool tmpfile() const { return (flags & O_TMPFILE) == O_TMPFILE; }
};

namespace {

using Request = FileCreations::Request;

using OpenHow = struct open_how;

// An open's flags and mode; nullopt when it makes nothing, or when its
// arguments are the kernel's to refuse.
std::optional<Request> open_request(const tracer::SyscallStop& stop, Request q) {
  const arch::SyscallDesc& row = stop.desc;
  const auto arg = [&](ArgRole r) { return stop.regs.arg(row.arg_index(r)); };
  if (row.sys == Sys::creat) {
    q.flags = O_CREAT | O_WRONLY | O_TRUNC;  // creat(2)
    q.mode = static_cast<std::uint32_t>(arg(ArgRole::kMode));
  } else if (row.sys == Sys::openat2) {
    OpenHow how{};
    const int at = row.arg_index(ArgRole::kOpenHow);
    if (stop.regs.arg(at + 1) < sizeof how ||
        !stop.memory.read(stop.regs.arg(at), std::as_writable_bytes(std::span(&how, 1)))) {
      return std::nullopt;
    }
    if (how.mode > 07777) return std::nullopt;
    q.flags = how.flags;
    q.mode = static_cast<std::uint32_t>(how.mode);
    q.resolve = how.resolve;
  } else {
    q.flags = arg(ArgRole::kOpenFlags);
    q.mode = static_cast<std::uint32_t>(arg(ArgRole::kMode));
  }
  // O_PATH ignores O_CREAT (open(2)); O_CREAT with O_DIRECTORY or with
  // O_TMPFILE is EINVAL (build_open_flags(), Linux 6.4): the kernel's.
  const bool create = q.flags & O_CREAT;
  if ((q.flags & O_PATH) || (!create && !q.tmpfile())) return std::nullopt;
  if (create && (q.flags & O_DIRECTORY)) return std::nullopt;
  q.mode &= 07777;  // S_IALLUGO (build_open_how())
  return q;
}

// bind(2) of an AF_UNIX socket to a path (unix(7)): the kernel makes the
// socket's file, named by sun_path up to its first NUL within the length
// given (unix_mkname_bsd()). An abstract name, another family or a bad
// address makes no file (or is the kernel's to refuse): nullopt. The
// address is the one the kernel is handed: under a view, Sockets has
// already put the host's path in its place.
std::optional<Request> bind_request(const tracer::SyscallStop& stop, Request q) {
  const std::uint64_t len = stop.regs.arg(2);
  constexpr std::size_t kPathAt = offsetof(struct sockaddr_un, sun_path);
  struct sockaddr_un un {};
  if (len <= kPathAt || len > sizeof un) return std::nullopt;
  const auto bytes = std::as_writable_bytes(std::span(&un, 1)).first(len);
  if (!stop.memory.read(stop.regs.arg(1), bytes)) return std::nullopt;
  if (un.sun_family != AF_UNIX || un.sun_path[0] == '\0') return std::nullopt;
  q.link.assign(un.sun_path, ::strnlen(un.sun_path, len - kPathAt));
  return q;
}

// The call's request; nullopt as for open_request().
std::optional<Request> request(const tracer::SyscallStop& stop) {
  Request q{kind_of(stop.desc.sys)};
  const int mode_at = stop.desc.arg_index(ArgRole::kMode);  // none: symlink, bind
  const auto mode = mode_at < 0 ? 0u : static_cast<std::uint32_t>(stop.regs.arg(mode_at));
  switch (q.kind) {
    case Kind::kNone: return std::nullopt;
    case Kind::kDir:
      q.mode = mode & (S_IRWXU | S_IRWXG | S_IRWXO | S_ISVTX);  // vfs_mkdir()
      return q;
    case Kind::kNode:
      // mknod(2): type 0 is a regular file; devices are FileOwners' own
      // (a regular file standing for one); other types are EINVAL.
      q.mode = mode & (S_IFMT | 07777);
      if ((q.mode & S_IFMT) == 0) q.mode |= S_IFREG;
      if (!S_ISREG(q.mode) && !S_ISFIFO(q.mode) && !S_ISSOCK(q.mode)) return std::nullopt;
      return q;
    case Kind::kSymlink: {
      auto link = stop.memory.read_path(stop.regs.arg(0));
      if (!link || link->empty()) return std::nullopt;  // EFAULT, ENOENT: the kernel's
      q.link = std::move(*link);
      return q;
    }
    case Kind::kOpen: return open_request(stop, q);
    case Kind::kBind: return bind_request(stop, q);
  }
  return std::nullopt;
}

std::expected<struct statx, int> statx_at(const At& at, int flags) {
  struct statx sx {};
  if (at.name.empty()) flags |= AT_EMPTY_PATH;
  if (::statx(at.dirfd, at.name.c_str(), flags, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0) {
    return std::unexpected(errno);
  }
  return sx;
}

// The permission bits an open's flags need of its file (may_open(),
// fs/namei.c: O_TRUNC writes).
std::uint32_t access_needed(std::uint64_t flags) {
  const std::uint64_t acc = flags & O_ACCMODE;
  std::uint32_t need = acc == O_WRONLY ? S_IWUSR : acc == O_RDWR ? S_IRUSR | S_IWUSR : S_IRUSR;
  if (flags & O_TRUNC) need |= S_IWUSR;
  return need;
}

// An O_CREAT open by the emulated root that may find the real user's own
// file there with a mode barring the real user (root's CAP_DAC_OVERRIDE):
// the file is opened too (`opened`), after its directories.
void open_existing(IdentityState& s, const Request& q, const Target& t, OpenedDirs& opened) {
  if (q.kind != Kind::kOpen || q.tmpfile() || (q.flags & O_EXCL)) return;
  const std::uint32_t need = access_needed(q.flags);
  const At e = entry_at(t);
  const int mode = (need & S_IRUSR ? R_OK : 0) | (need & S_IWUSR ? W_OK : 0);
  const int flags = AT_EACCESS | (q.flags & O_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0);
  if (syscall(SYS_faccessat2, e.dirfd, e.name.c_str(), mode, flags) == 0 || errno != EACCES) return;
  opened.open_file(&s, t.path, !(q.flags & O_NOFOLLOW), need);
}

// Where a socket's file goes: its path as the tracer reaches it (a
// relative one from the binding task's cwd).
std::expected<Target, int> socket_target(const std::string& path, pid_t tid) {
  std::string host = path;
  if (path.front() != '/') host = "/proc/" + std::to_string(tid) + "/cwd/" + path;
  return Target{std::move(host), false, {}, {}, {}};
}

// openat2(2)'s RESOLVE_* flags judge the walk from the guest's own dirfd
// (RESOLVE_BENEATH and RESOLVE_IN_ROOT confine it there; the others look
// at each step), which the tracer's path through /proc/TID would change:
// the tracer walks the guest's path from the guest's dirfd, or cwd,
// reopened (an absolute path without those two is walked from "/" by the
// kernel whatever the dirfd). nullopt: the kernel's to refuse (EBADF...).
struct GuestWalk {
  OwnedFd dir;  // -1: AT_FDCWD, for an absolute path
  std::string name;
};

std::optional<GuestWalk> guest_walk(const tracer::SyscallStop& stop, std::uint64_t resolve) {
  auto name = stop.memory.read_path(stop.regs.arg(1));
  if (!name || name->empty()) return std::nullopt;
  GuestWalk w{OwnedFd(), std::move(*name)};
  if (w.name.front() == '/' && !(resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))) return w;
  const int dirfd = static_cast<int>(stop.regs.arg(0));
  const std::string proc = "/proc/" + std::to_string(stop.tracee.tid);
  const std::string dir = dirfd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(dirfd);
  w.dir = OwnedFd(::open(dir.c_str(), O_PATH | O_CLOEXEC));
  if (w.dir.fd < 0) return std::nullopt;
  return w;
}

long openat2_in(const GuestWalk& w, std::uint64_t flags, std::uint32_t mode, std::uint64_t resolve) {
  struct open_how how {};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return syscall(SYS_openat2, w.dir.fd >= 0 ? w.dir.fd : AT_FDCWD, w.name.c_str(), &how, sizeof how);
}

// cocoon's own umask, which its *at() calls apply on top of the guest's
// (/proc/self/status: reading it with umask(2) would change it meanwhile
// for the other thread).
std::uint32_t own_umask() { return process_umask(static_cast<pid_t>(::getpid())); }

}  // namespace

namespace {

// The ids a new file needs no record for: the configured ones, whose
// files show them (or, fakeroot -u's, their real owner), or the real ones
// (IdentityConfig::real_creations).
bool plain_ids(const IdentityConfig& c, std::uint32_t uid, std::uint32_t gid) {
  if (c.real_creations) return uid == ::getuid() && gid == ::getgid();
  return uid == c.uid && gid == c.gid;
}

// The record of a new file: its creator's ids (or, for the configured
// ones, what a file without a record shows: fakeroot -u's real owner), the
// set-group-ID directory's group, the mode asked where the real one is
// wider. Nothing when the real file says it all. The errno of a failed
// write of the database.
int record_new(IdentityState& s, const struct statx& sx, const FileCreations::Pending& p) {
  const Shown base = shown(s, sx);
  FileRecord r;
  r.btime_sec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_sec : 0;
  r.btime_nsec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_nsec : 0;
  r.uid = p.default_ids ? base.uid : p.uid;
  r.gid = p.setgid_dir || !p.default_ids ? p.gid : base.gid;
  std::uint32_t mode = sx.stx_mode;
  if (p.widened) mode &= ~(S_IRWXU & ~p.asked);
  // inode_init_owner(): a directory made in a set-group-ID one is one too.
  if (p.setgid_dir && S_ISDIR(mode)) mode |= S_ISGID;
  // ... and a group-executable file made there by a caller outside its
  // group, without CAP_FSETID, is not (mode_strip_sgid()).
  if (p.drop_setgid && !S_ISDIR(mode) && (mode & S_IXGRP)) mode &= ~S_ISGID;
  r.mode = mode;
  r.mode_faked = mode != sx.stx_mode;
  r.rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
  if (r.uid == base.uid && r.gid == base.gid && !r.mode_faked) return 0;
  return s.db.put(key_of(sx), r);
}

}  // namespace

FileCreations::FileCreations(IdentityState& s, GuestFds& fds, tracer::ProcessRegistry& registry)
    : s_(s), fds_(fds), pending_(registry), own_umask_(own_umask()) {}

bool FileCreations::creates(Sys sys) { return kind_of(sys) != Kind::kNone; }

std::optional<Decision> FileCreations::decision(const arch::SyscallDesc& row) {
  const Kind kind = kind_of(row.sys);
  if (kind == Kind::kNone) return std::nullopt;
  // bind(2) makes a socket's file only on an AF_UNIX socket, which the
  // filter cannot see, and only the kernel can make it: every bind stops,
  // and those with something to record stop at their exit too.
  if (kind == Kind::kBind) return Decision::trace().in(tracer::Phase::kFixup);
  // open and openat: only those whose flags create (the filter tests the
  // bits); creat always; openat2's flags are in memory.
  const int flags = row.arg_index(ArgRole::kOpenFlags);
  return kind == Kind::kOpen && flags >= 0 ? Decision::notify_if_any(flags, kCreatingFlags)
                                           : Decision::notify();
}

Verdict FileCreations::on_entry(tracer::SyscallStop& stop) {
  const auto q = request(stop);
  if (!q) return Verdict::resume();
  const Credentials& c = s_.of(stop.tracee.tgid);
  Pending p;
  p.uid = c.fsuid;
  p.gid = c.fsgid;
  p.default_ids = plain_ids(s_.config, p.uid, p.gid);
  // Root may use a directory whatever its mode; anyone else is held to it.
  p.widened = q->kind == Kind::kDir && (q->mode & S_IRWXU) != S_IRWXU &&
              c.capable(CAP_DAC_OVERRIDE);
  p.asked = q->mode;
  // The directory's group matters to a creator with other ids, or when a
  // recorded set-group-ID directory could give another.
  const bool group_asked = !p.default_ids || s_.db.setgid_dirs() > 0;
  if (!c.fs_privileged() && !group_asked && !p.widened) return Verdict::resume();
  auto t = q->kind == Kind::kBind ? socket_target(q->link, stop.tracee.tid) : target(fds_, stop, false);
  if (!t) return Verdict::resume();  // the kernel says why
  const At dir = parent_at(*t);
  OpenedDirs opened;
  // (A walk RESOLVE_BENEATH or RESOLVE_IN_ROOT confine is not the one
  // the tracer's path takes: no directory is opened for it.)
  const bool confined = q->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
  if (c.fs_privileged() && !confined) {
    opened = OpenedDirs::for_entry(&s_, *t, stop.tracee.tid);
    open_existing(s_, *q, *t, opened);
  }
  bool fake_setgid = false;
  if (group_asked) {
    const auto d = statx_at(dir, 0);
    if (!d) return Verdict::resume();
    const Shown shown_dir = shown(s_, *d);
    if (shown_dir.mode & S_ISGID) {
      p.gid = shown_dir.gid;
      p.setgid_dir = true;
      p.drop_setgid = !c.fs_privileged() && !c.in_group(p.gid);
      fake_setgid = q->kind == Kind::kDir && !(d->stx_mode & S_ISGID);
    }
  }
  p.record = !plain_ids(s_.config, p.uid, p.gid) || p.widened || fake_setgid;
  if (!p.record && opened.empty()) return Verdict::resume();
  if (stop.via == Via::kStop) return let_kernel_make(stop, *q, *t, std::move(p), std::move(opened));
  if (q->kind == Kind::kBind) return Verdict::resume();  // the socket's own: no notification
  // A settled open restarts, and comes again as a notification.
  if (q->kind == Kind::kOpen && stop.via == Via::kSettle) return Verdict::resume();
  return make(stop, *q, *t, p, !opened.empty());
}

namespace {

// Whether an O_CREAT open finds its file there: following a last symlink
// unless O_NOFOLLOW, walked as RESOLVE_* say.
bool exists(const tracer::SyscallStop& stop, const Request& q, const Target& t) {
  const bool follow = !(q.flags & O_NOFOLLOW);
  if (q.resolve == 0) return host_statx({t.path, follow, t.fd_link}).has_value();
  const auto w = guest_walk(stop, q.resolve);
  if (!w) return true;  // the kernel refuses it: nothing made
  const long fd = openat2_in(*w, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0, q.resolve);
  if (fd >= 0) ::close(static_cast<int>(fd));
  return fd >= 0 || errno != ENOENT;
}

}  // namespace

// At a ptrace stop the kernel makes the file (a widened mkdir's mode
// argument edited), and the exit stop records it.
Verdict FileCreations::let_kernel_make(tracer::SyscallStop& stop, const Request& q,
                                       const Target& t, Pending p, OpenedDirs opened) {
  if (p.widened) stop.regs.set_arg(stop.desc.arg_index(ArgRole::kMode), q.mode | S_IRWXU);
  // An open of an existing file makes nothing (O_CREAT without O_EXCL);
  // through a dangling symlink, it makes the link's target (open(2)).
  if (q.kind == Kind::kOpen && !q.tmpfile() && !(q.flags & O_EXCL) && exists(stop, q, t)) {
    p.record = false;
  }
  if (!p.record && opened.empty()) return Verdict::resume();
  if (q.kind != Kind::kOpen) p.path = t.path;
  p.opened = std::make_shared<OpenedDirs>(std::move(opened));
  pending_.set(stop.tracee.tid, std::move(p));
  return Verdict::resume_to_exit();
}

void FileCreations::on_exit(tracer::SyscallStop& stop) {
  auto p = pending_.take(stop.tracee.tid);
  if (!p) return;
  if (p->opened) p->opened->restore();
  const std::int64_t result = stop.regs.result();
  if (result < 0 || !p->record) return;
  // An open's file through its new descriptor; the others by name.
  const std::string fd =
      "/proc/" + std::to_string(stop.tracee.tid) + "/fd/" + std::to_string(result);
  const Target made =
      p->path.empty() ? Target{fd, true, {}, {}, {}} : Target{p->path, false, {}, {}, {}};
  if (const auto sx = host_statx(made)) (void)record_new(s_, *sx, *p);
}

namespace {

bool dangling(const At& e) {
  const auto target = statx_at(e, 0);
  return !target && target.error() == ENOENT;
}

// A new file for an open, and whether it was made; or the errno, 0 when
// O_CREAT found the file there, which the kernel then opens as it is. When
// only the directories cocoon opened let the guest reach it (`opened`),
// cocoon opens it, a regular file only: the open of a FIFO would wait here
// for a writer.
std::expected<std::pair<OwnedFd, bool>, int> open_new(const Request& q, const At& e,
                                                      std::uint32_t perm, bool opened) {
  int flags = static_cast<int>(q.flags) | O_CLOEXEC;  // the guest's copy: install_fd
  if (!q.tmpfile()) flags |= O_EXCL;
  int fd = ::openat(e.dirfd, e.name.c_str(), flags, perm);
  if (fd >= 0) return std::pair{OwnedFd(fd), true};
  if (errno != EEXIST || q.tmpfile() || (q.flags & O_EXCL)) return std::unexpected(errno);
  const auto sx = statx_at(e, AT_SYMLINK_NOFOLLOW);
  // A dangling symlink: O_CREAT without O_EXCL or O_NOFOLLOW makes its
  // target (open(2)), which cocoon makes then, the target's absence seen
  // just before (a file another process makes in between is taken for
  // this one's).
  if (sx && S_ISLNK(sx->stx_mode) && !(q.flags & O_NOFOLLOW) && dangling(e)) {
    fd = ::openat(e.dirfd, e.name.c_str(), flags & ~O_EXCL, perm);
    if (fd < 0) return std::unexpected(errno);
    return std::pair{OwnedFd(fd), true};
  }
  if (!opened || !sx || !S_ISREG(sx->stx_mode)) return std::unexpected(0);
  fd = ::openat(e.dirfd, e.name.c_str(), (flags & ~(O_CREAT | O_EXCL)) | O_NOFOLLOW);
  if (fd < 0) return std::unexpected(errno);
  return std::pair{OwnedFd(fd), false};
}

}  // namespace

namespace {

// open_new() for openat2 with RESOLVE_* flags: the guest's walk
// (guest_walk()).
std::expected<std::pair<OwnedFd, bool>, int> open_resolved(const tracer::SyscallStop& stop,
                                                           const Request& q, std::uint32_t perm) {
  const auto w = guest_walk(stop, q.resolve);
  if (!w) return std::unexpected(0);
  const std::uint64_t flags = q.flags | O_CLOEXEC | (q.tmpfile() ? 0 : O_EXCL);
  const long fd = openat2_in(*w, flags, perm, q.resolve);
  if (fd >= 0) return std::pair{OwnedFd(static_cast<int>(fd)), true};
  if (errno == EEXIST && !q.tmpfile() && !(q.flags & O_EXCL)) return std::unexpected(0);
  return std::unexpected(errno);
}

}  // namespace

// From a notification (or one being settled, not an open): cocoon makes
// the file itself with the guest's umask, records it and answers. No
// Landlock ruleset is bypassed: a view that has one traces every path call
// (Paths), which then comes as a ptrace stop.
Verdict FileCreations::make(tracer::SyscallStop& stop, const Request& q, const Target& t,
                            const Pending& p, bool opened) {
  const At e = entry_at(t);
  const std::uint32_t umask = q.kind == Kind::kSymlink ? 0 : process_umask(stop.tracee.tid);
  // A widened directory: mode|0700 under the umask, as libfakeroot's mkdir.
  const std::uint32_t perm = (q.mode | (p.widened ? S_IRWXU : 0)) & 07777 & ~umask;
  OwnedFd fd;
  int rc = 0;
  switch (q.kind) {
    case Kind::kDir: rc = ::mkdirat(e.dirfd, e.name.c_str(), perm); break;
    case Kind::kNode: rc = ::mknodat(e.dirfd, e.name.c_str(), (q.mode & S_IFMT) | perm, 0); break;
    case Kind::kSymlink: rc = ::symlinkat(q.link.c_str(), e.dirfd, e.name.c_str()); break;
    case Kind::kOpen: {
      auto o = q.resolve ? open_resolved(stop, q, perm) : open_new(q, e, perm, opened);
      if (!o) return o.error() == 0 ? Verdict::resume() : Verdict::deny(guest_errno(t, o.error()));
      if (!o->second) {  // there already: opened, not made
        return Verdict::install_fd(std::exchange(o->first.fd, -1), q.flags & O_CLOEXEC);
      }
      fd = std::move(o->first);
      break;
    }
    case Kind::kNone: case Kind::kBind: return Verdict::resume();
  }
  if (rc != 0) return Verdict::deny(guest_errno(t, errno));
  auto sx = fd.fd >= 0 ? statx_at({fd.fd, ""}, 0) : statx_at(e, AT_SYMLINK_NOFOLLOW);
  if (sx && q.kind != Kind::kSymlink) {
    // Give back the permission bits cocoon's own umask took.
    const std::uint32_t want = (sx->stx_mode & 07777) | (perm & 0777 & own_umask_);
    if (want != (sx->stx_mode & 07777u) &&
        (fd.fd >= 0 ? ::fchmod(fd.fd, want) : ::fchmodat(e.dirfd, e.name.c_str(), want, 0)) == 0) {
      sx->stx_mode = static_cast<std::uint16_t>((sx->stx_mode & S_IFMT) | want);
    }
  }
  if (sx) {
    if (int err = record_new(s_, *sx, p)) return Verdict::deny(err);
  }
  if (fd.fd >= 0) return Verdict::install_fd(std::exchange(fd.fd, -1), q.flags & O_CLOEXEC);
  return Verdict::skip(0);
}

}  // namespace cocoon::syscalls
