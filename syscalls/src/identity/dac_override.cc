#include "dac_override.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/securebits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <linux/limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <string>
#include <vector>
#include <utility>

#include "cocoon/tracer/tracee.h"
#include "file_target.h"
#include "file_view.h"
#include "identity.h"

namespace cocoon::syscalls {

using arch::ArgRole;
using arch::Sys;
using tracer::Decision;
using tracer::Verdict;
using tracer::Via;

namespace {

// The access(2) bits, which are also the kernel's MAY_* (include/linux/fs.h).
constexpr std::uint32_t kMayRead = R_OK, kMayWrite = W_OK, kMayExec = X_OK;
constexpr std::uint64_t kDacCaps =
    (std::uint64_t{1} << CAP_DAC_OVERRIDE) | (std::uint64_t{1} << CAP_DAC_READ_SEARCH);
// The open(2) flags that make a file (include/uapi/asm-generic/fcntl.h):
// O_CREAT, and __O_TMPFILE, the kernel's bit of O_TMPFILE.
constexpr std::uint64_t kCreating = O_CREAT | 020000000;

bool has(std::uint64_t caps, int cap) { return (caps >> cap) & 1; }

// What an open's flags ask of its file (may_open(), fs/namei.c: O_TRUNC
// writes).
std::uint32_t open_mask(std::uint64_t flags) {
  const std::uint64_t acc = flags & O_ACCMODE;
  std::uint32_t mask = acc == O_WRONLY ? kMayWrite : acc == O_RDWR ? kMayRead | kMayWrite : kMayRead;
  if (flags & O_TRUNC) mask |= kMayWrite;
  return mask;
}

// The owner's permission bits that let the real user do `mask`.
std::uint32_t owner_bits(std::uint32_t mask) {
  return (mask & kMayRead ? S_IRUSR : 0) | (mask & kMayWrite ? S_IWUSR : 0) |
         (mask & kMayExec ? S_IXUSR : 0);
}

// An open's flags and openat2's RESOLVE_* flags; nullopt when the kernel
// is to refuse its arguments.
struct OpenArgs {
  std::uint64_t flags = 0, resolve = 0;
};

std::optional<OpenArgs> open_args(const tracer::SyscallStop& stop) {
  const arch::SyscallDesc& row = stop.desc;
  if (row.sys != Sys::openat2) return OpenArgs{stop.regs.arg(row.arg_index(ArgRole::kOpenFlags)), 0};
  struct open_how how {};
  const int at = row.arg_index(ArgRole::kOpenHow);
  if (stop.regs.arg(at + 1) < sizeof how ||
      !stop.memory.read(stop.regs.arg(at), std::as_writable_bytes(std::span(&how, 1)))) {
    return std::nullopt;
  }
  return OpenArgs{how.flags, how.resolve};
}

// The effective capabilities a call's permission check uses. access(2),
// and faccessat without AT_EACCESS, check with the real ids: root's
// effective set becomes its permitted one, anyone else's is emptied
// (access_override_creds(), fs/open.c), unless SECBIT_NO_SETUID_FIXUP.
std::uint64_t checked_caps(const Credentials& c, bool real_ids) {
  if (!real_ids || (c.securebits & SECBIT_NO_SETUID_FIXUP)) return c.caps.effective;
  return c.ruid == c.root_uid ? c.caps.permitted : 0;
}

// The real user's own answer (faccessat2(2) with AT_EACCESS, Linux 5.8:
// cocoon's ids are the real user's): 0 or the errno.
int real_access(const Target& t, std::uint32_t mask, bool follow) {
  const At a = entry_at(t);
  const int flags =
      AT_EACCESS | (a.name.empty() ? AT_EMPTY_PATH : 0) | (follow ? 0 : AT_SYMLINK_NOFOLLOW);
  return syscall(SYS_faccessat2, a.dirfd, a.name.c_str(), mask, flags) == 0 ? 0 : errno;
}

}  // namespace

bool root_may(std::uint32_t mode, std::uint32_t mask, std::uint64_t caps) {
  mask &= kMayRead | kMayWrite | kMayExec;
  if (S_ISDIR(mode)) {
    if (!(mask & kMayWrite) && has(caps, CAP_DAC_READ_SEARCH)) return true;
    return has(caps, CAP_DAC_OVERRIDE);
  }
  // "Read/write DACs are always overridable. Executable DACs are
  // overridable when there is at least one exec bit set."
  if ((!(mask & kMayExec) || (mode & (S_IXUSR | S_IXGRP | S_IXOTH))) && has(caps, CAP_DAC_OVERRIDE)) {
    return true;
  }
  return mask == kMayRead && has(caps, CAP_DAC_READ_SEARCH);
}

namespace {

class RootLookups final : public LookupOverride {
 public:
  explicit RootLookups(std::shared_ptr<IdentityState> s) : s_(std::move(s)) {}
  std::shared_ptr<void> open_way(pid_t tgid, const std::string& host) const override {
    if (!(s_->of(tgid).caps.effective & kDacCaps)) return nullptr;
    auto opened = std::make_shared<OpenedDirs>(OpenedDirs::open_to(s_.get(), "/", host, S_IXUSR));
    return opened->empty() ? nullptr : opened;
  }

 private:
  std::shared_ptr<IdentityState> s_;
};

}  // namespace

std::shared_ptr<const LookupOverride> root_lookups(std::shared_ptr<IdentityState> s) {
  return std::make_shared<RootLookups>(std::move(s));
}

DacOverride::DacOverride(IdentityState& s, GuestFds& fds, tracer::ProcessRegistry& registry)
    : s_(s), fds_(fds), widened_(registry) {}

bool DacOverride::covers(Sys sys) {
  return arch::is_any(sys, {Sys::open, Sys::openat, Sys::openat2, Sys::chdir, Sys::fchdir,
                            Sys::access, Sys::faccessat, Sys::faccessat2});
}

bool DacOverride::plain_open(const tracer::SyscallStop& stop) {
  if (!arch::is_any(stop.desc.sys, {Sys::open, Sys::openat, Sys::openat2})) return false;
  const auto a = open_args(stop);
  return a && (a->flags & kCreating) == 0;
}

Decision DacOverride::decision(const arch::SyscallDesc& row) {
  // chdir and fchdir change the guest's own cwd, which only the guest's
  // call can: it runs with the modes widened until its exit, a ptrace stop.
  if (row.sys == Sys::chdir || row.sys == Sys::fchdir) return Decision::trace();
  return Decision::notify();
}

namespace {

// For a caller with `caps`, the real user's own directories on the way to
// `t` opened for search, and `t` itself by what `mask` needs where root
// would pass its mode (the mode the guest is shown) and the caller's user
// namespace maps its owner and group (capable_wrt_inode_uidgid(),
// kernel/capability.c). Empty when nothing bars the real user that cocoon
// may open: the kernel's answer stands.
OpenedDirs widen(IdentityState& s, const Target& t, const tracer::Tracee& tracee, std::uint32_t mask,
                 std::uint64_t caps, bool follow) {
  OpenedDirs opened = OpenedDirs::search_to(&s, t, tracee.tid);
  const auto sx = host_statx({t.path, follow, t.fd_link, {}, {}});
  if (!sx) return opened;
  const Shown v = shown(s, *sx);
  IdMapper& ids = *s.ids;
  const bool mapped =
      ids.maps(tracee.tgid, IdKind::kUid, v.uid) && ids.maps(tracee.tgid, IdKind::kGid, v.gid);
  if (mapped && root_may(v.mode, mask, caps)) opened.open_file(&s, t.path, follow, owner_bits(mask));
  return opened;
}

}  // namespace

Verdict DacOverride::on_entry(tracer::SyscallStop& stop) {
  if (!s_.config.dac_opens) return Verdict::resume();
  switch (stop.desc.sys) {
    case Sys::chdir: case Sys::fchdir: return chdir(stop);
    case Sys::access: case Sys::faccessat: case Sys::faccessat2: return access(stop);
    default: return open(stop);
  }
}

Verdict DacOverride::widened_until_exit(tracer::SyscallStop& stop, OpenedDirs opened) {
  widened_.set(stop.tracee.tid, std::make_shared<OpenedDirs>(std::move(opened)));
  return Verdict::resume_to_exit();
}

void DacOverride::on_exit(tracer::SyscallStop& stop) {
  if (auto w = widened_.take(stop.tracee.tid)) (*w)->restore();
}

// An open without O_CREAT the real user is refused (EACCES). A walk that
// openat2's RESOLVE_* flags judge is left to the kernel (the tracer's path
// through /proc is not the guest's walk), and so is O_PATH, which asks
// nothing of the file.
Verdict DacOverride::open(tracer::SyscallStop& stop) {
  const auto a = open_args(stop);
  if (!a || (a->flags & (kCreating | O_PATH)) || a->resolve) return Verdict::resume();
  const std::uint64_t caps = s_.of(stop.tracee.tgid).caps.effective & kDacCaps;
  if (!caps) return Verdict::resume();
  const bool follow = !(a->flags & O_NOFOLLOW);
  auto t = target(fds_, stop, false);
  const std::uint32_t mask = open_mask(a->flags);
  if (!t || real_access(*t, mask, follow) != EACCES) return Verdict::resume();
  OpenedDirs opened = widen(s_, *t, stop.tracee, mask, caps, follow);
  if (opened.empty()) return Verdict::resume();
  if (stop.via == Via::kStop) return widened_until_exit(stop, std::move(opened));
  if (stop.via == Via::kSettle) return Verdict::resume();  // restarts, notified again
  // From a notification cocoon opens it: a regular file or a directory
  // only (a FIFO's open would wait for a writer, a device's may act).
  // O_NONBLOCK until the type is seen, in case it changed meanwhile.
  const At at = entry_at(*t);
  const int flags = static_cast<int>(a->flags) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  OwnedFd fd(::openat(at.dirfd, at.name.c_str(), flags));
  if (fd.fd < 0) return Verdict::deny(guest_errno(*t, errno));
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
    return Verdict::resume();
  }
  if (!(a->flags & O_NONBLOCK)) (void)::fcntl(fd.fd, F_SETFL, static_cast<int>(a->flags) & ~O_NONBLOCK);
  return Verdict::install_fd(std::exchange(fd.fd, -1), a->flags & O_CLOEXEC);
}

// chdir(2) into a directory the real user may not search (or through
// one), fchdir(2) to one (fts, which find and du use, opens a directory,
// then enters it by its descriptor): always at a ptrace stop (decision()).
Verdict DacOverride::chdir(tracer::SyscallStop& stop) {
  const std::uint64_t caps = s_.of(stop.tracee.tgid).caps.effective & kDacCaps;
  if (!caps || stop.via != Via::kStop) return Verdict::resume();
  auto t = target(fds_, stop, false);
  if (!t || real_access(*t, kMayExec, true) != EACCES) return Verdict::resume();
  OpenedDirs opened = widen(s_, *t, stop.tracee, kMayExec, caps, true);
  if (opened.empty()) return Verdict::resume();
  return widened_until_exit(stop, std::move(opened));
}

// access(path, mode), faccessat(dirfd, path, mode), faccessat2(..., flags):
// root's answer (generic_permission()) where only the real user's own
// modes bar it: the modes opened, the real user asked again, the modes
// given back. X_OK of a file with no x bit stays EACCES, as for root.
Verdict DacOverride::access(tracer::SyscallStop& stop) {
  const arch::SyscallDesc& row = stop.desc;
  const int mode_at = row.sys == Sys::access ? 1 : 2;
  const auto mask = static_cast<std::uint32_t>(stop.regs.arg(mode_at));
  const std::uint64_t flags = row.sys == Sys::faccessat2 ? stop.regs.arg(3) : 0;
  constexpr std::uint64_t kKnown = AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;
  if ((mask & ~std::uint32_t{kMayRead | kMayWrite | kMayExec}) || (flags & ~kKnown)) {
    return Verdict::resume();  // EINVAL: the kernel's
  }
  const std::uint64_t caps = checked_caps(s_.of(stop.tracee.tgid), !(flags & AT_EACCESS)) & kDacCaps;
  if (!caps) return Verdict::resume();
  auto t = target(fds_, stop, false);
  if (!t || real_access(*t, mask, t->follow) != EACCES) return Verdict::resume();
  OpenedDirs opened = widen(s_, *t, stop.tracee, mask, caps, t->follow);
  if (opened.empty()) return Verdict::resume();
  const int err = real_access(*t, mask, t->follow);
  opened.restore();
  return err == 0 ? Verdict::skip(0) : Verdict::deny(err);
}

}  // namespace cocoon::syscalls

namespace cocoon::syscalls {

// The guest's buffer gets what the kernel would have written: the value
// or the NUL-separated names, or with size 0 their length only.
Verdict DacOverride::read_xattr(tracer::SyscallStop& stop) {
  const Sys sys = stop.desc.sys;
  const bool list = sys == Sys::listxattr || sys == Sys::llistxattr;
  if (!s_.config.dac_opens || !arch::is_any(sys, {Sys::getxattr, Sys::lgetxattr, Sys::listxattr,
                                                  Sys::llistxattr})) {
    return Verdict::resume();
  }
  if (!(s_.of(stop.tracee.tgid).caps.effective & kDacCaps)) return Verdict::resume();
  auto t = target(fds_, stop, false);
  if (!t || real_access(*t, F_OK, t->follow) != EACCES) return Verdict::resume();
  OpenedDirs opened = OpenedDirs::search_to(&s_, *t, stop.tracee.tid);
  if (opened.empty()) return Verdict::resume();
  const int buf_at = list ? 1 : 2;
  const std::uint64_t buf = stop.regs.arg(buf_at);
  const std::size_t size = std::min<std::uint64_t>(stop.regs.arg(buf_at + 1), XATTR_SIZE_MAX);
  std::vector<char> value(size);
  const char* path = t->path.c_str();
  ssize_t n;
  if (list) {
    n = t->follow ? ::listxattr(path, value.data(), size) : ::llistxattr(path, value.data(), size);
  } else {
    auto name = stop.memory.read_path(stop.regs.arg(1));
    if (!name) return Verdict::deny(name.error());
    n = t->follow ? ::getxattr(path, name->c_str(), value.data(), size)
                  : ::lgetxattr(path, name->c_str(), value.data(), size);
  }
  if (n < 0) return Verdict::deny(errno);
  if (size > 0 && n > 0 &&
      !stop.memory.write(buf, std::as_bytes(std::span(value.data(), static_cast<std::size_t>(n))))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(n);
}

}  // namespace cocoon::syscalls
