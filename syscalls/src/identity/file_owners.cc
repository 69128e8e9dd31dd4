// FileOwners: ownership, modes, device nodes and file capabilities recorded
// in the OwnershipDb, and the stat family answered from it.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/limits.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <utility>
#include <string>

#include "cocoon/tracer/observer.h"
#include "cocoon/tracer/tracee.h"
#include "proc_fields.h"
#include "file_target.h"
#include "file_view.h"
#include "identity.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

using arch::ArgRole;
using arch::Sys;

constexpr std::string_view kCaps = "security.capability";

// What FileOwners does with a call. Where its arguments are (the file: a
// path with its dirfd, follow mode and AT_EMPTY_PATH, or an fd; the ids,
// the mode, the buffers) the row says (arch/syscalls.tbl).
enum class Op : std::uint8_t {
  kNone, kStat, kStatx, kChown, kChmod, kMknod, kSetcap, kGetcap, kDropcap, kListcaps,
  kRemove, kRename, kCreate,
};

Op op_of(Sys sys) {
  switch (sys) {
    case Sys::stat: case Sys::lstat: case Sys::fstat: case Sys::newfstatat: return Op::kStat;
    case Sys::statx: return Op::kStatx;
    case Sys::chown: case Sys::lchown: case Sys::fchown: case Sys::fchownat: return Op::kChown;
    case Sys::chmod: case Sys::fchmod: case Sys::fchmodat: case Sys::fchmodat2: return Op::kChmod;
    case Sys::mknod: case Sys::mknodat: return Op::kMknod;
    case Sys::setxattr: case Sys::lsetxattr: case Sys::fsetxattr: case Sys::setxattrat:
      return Op::kSetcap;
    case Sys::getxattr: case Sys::lgetxattr: case Sys::fgetxattr: case Sys::getxattrat:
      return Op::kGetcap;
    case Sys::removexattr: case Sys::lremovexattr: case Sys::fremovexattr:
    case Sys::removexattrat:
      return Op::kDropcap;
    case Sys::listxattr: case Sys::llistxattr: case Sys::flistxattr: case Sys::listxattrat:
      return Op::kListcaps;
    case Sys::unlink: case Sys::unlinkat: case Sys::rmdir: return Op::kRemove;
    case Sys::rename: case Sys::renameat: case Sys::renameat2: return Op::kRename;
    default: return FileCreations::creates(sys) ? Op::kCreate : Op::kNone;
  }
}

}  // namespace

Decision FileOwners::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const Op op = op_of(row.sys);
  const bool dac = s_->config.dac_opens && DacOverride::covers(row.sys);
  if (op == Op::kNone && !dac) return Decision::allow();
  // i386's creations and the override's calls run untouched (their files
  // show the configured user; the real user's modes hold).
  if ((op == Op::kCreate || op == Op::kNone) && abi != arch::host_arch()) return Decision::allow();
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  // Every open then, not only those that make a file.
  if (dac) return DacOverride::decision(row);
  if (op == Op::kCreate) return *FileCreations::decision(row);
  // Removals learn at the exit whether the file went; everything else is
  // answered at the entry without editing a register: a notification.
  // (A removal is the kernel's to make: FileOwners only forgets the record.)
  const bool removal = op == Op::kRemove || op == Op::kRename;
  return removal ? Decision::trace().in(tracer::Phase::kFixup) : Decision::notify();
}

namespace {

class Calls {
 public:
  Calls(IdentityState& s, tracer::SyscallStop& stop) : s_(s), stop_(stop), ids_(*s.ids) {}

  Shown shown(const struct statx& sx) { return syscalls::shown(s_, sx); }

  // The record to change: the file's own, or a new one saying what the
  // guest sees of it now (owner; the real mode, left unrecorded).
  FileRecord base_record(const struct statx& sx) {
    if (const FileRecord* old = record(sx)) return *old;
    const Shown now = shown(sx);
    FileRecord r;
    r.btime_sec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_sec : 0;
    r.btime_nsec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_nsec : 0;
    r.uid = now.uid;
    r.gid = now.gid;
    r.mode = now.mode;
    r.rdev = now.rdev;
    return r;
  }

  const FileRecord* record(const struct statx& sx) { return record_of(s_, sx); }

  Verdict save(const struct statx& sx, FileRecord r) {
    if (!r.mode_faked) {  // the real file's, as it is now
      r.mode = sx.stx_mode;
      r.rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    }
    if (int err = s_.db.put(key_of(sx), r)) return Verdict::deny(err);
    return Verdict::skip(0);
  }

  Credentials& creds() { return s_.of(stop_.tracee.tgid); }

  // The tracer's statx of `t`; for the emulated root, when the real user's
  // own directories on the way bar it (EACCES), again with them opened
  // until `opened` goes (root's CAP_DAC_OVERRIDE: OpenedDirs).
  std::expected<struct statx, int> statx_of(const Target& t, OpenedDirs& opened,
                                            unsigned mask = STATX_BASIC_STATS, int sync = 0) {
    auto sx = host_statx(t, mask, sync);
    if (sx || sx.error() != EACCES || !creds().fs_privileged()) return sx;
    opened = OpenedDirs::for_entry(&s_, t, stop_.tracee.tid);
    return opened.empty() ? sx : host_statx(t, mask, sync);
  }

  // The owner as the caller's user namespace sees it (from_kuid_munged()
  // in cp_new_stat() and cp_statx(), fs/stat.c).
  Shown seen(Shown v) {
    v.uid = ids_.map_out(stop_.tracee.tgid, IdKind::kUid, v.uid);
    v.gid = ids_.map_out(stop_.tracee.tgid, IdKind::kGid, v.gid);
    return v;
  }

  // CAP_CHOWN, CAP_FOWNER, CAP_FSETID over the file `r` describes: the
  // filesystem capabilities, with its owner and group both mapped in the
  // caller's user namespace (capable_wrt_inode_uidgid(), kernel/capability.c).
  bool fs_capable(const FileRecord& r) {
    const pid_t tgid = stop_.tracee.tgid;
    return creds().fs_privileged() && ids_.maps(tgid, IdKind::kUid, r.uid) &&
           ids_.maps(tgid, IdKind::kGid, r.gid);
  }

  // A chown argument in the first namespace, as IdArguments decoded it:
  // -1 (unchanged) stays; an id the caller's user namespace does not map
  // is nullopt (chown_common(), fs/open.c: EINVAL once the file is found),
  // and so is a call no decoder saw (a wiring bug: refused, not guessed).
  static std::optional<std::uint32_t> id_arg(const tracer::DecodedId* id) {
    if (id == nullptr) return std::nullopt;
    return id->unchanged() ? kUnchanged : id->mapped;
  }

  // For the teaching view: the owner and mode the guest is told, when not
  // the real ones.
  void note_owner(const struct statx& sx, const Shown& v) {
    if (v.uid == sx.stx_uid && v.gid == sx.stx_gid && v.mode == sx.stx_mode) return;
    tracer::annotate(stop_, tracer::NoteKind::kFaked, [&] {
      std::string s = "real owner " + std::to_string(sx.stx_uid) + ":" + std::to_string(sx.stx_gid);
      if (v.mode != sx.stx_mode) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "%04o", sx.stx_mode & 07777);
        s += std::string(", real mode ") + mode;
      }
      return s;
    });
  }

  // The stat family: the tracer's statx, the record applied, written in
  // the layout the guest asked for (struct stat of this arch, or statx).
  Verdict stat(const std::expected<Target, int>& t, std::uint64_t buf) {
    if (!t) return Verdict::deny(t.error());
    OpenedDirs opened;
    auto sx = statx_of(*t, opened);
    if (!sx) return Verdict::deny(sx.error());
    if (s_.stand_ins) s_.stand_ins->dress(*sx);
    const Shown v = seen(shown(*sx));
    note_owner(*sx, v);
    const struct stat st = stat_of(*sx, v);
    if (!stop_.memory.write(buf, std::as_bytes(std::span(&st, 1)))) return Verdict::deny(EFAULT);
    return Verdict::skip(0);
  }

  // statx(dirfd, path, flags, mask, buffer).
  Verdict statx(const std::expected<Target, int>& t) {
    if (!t) return Verdict::deny(t.error());
    const int flags = static_cast<int>(stop_.regs.arg(stop_.desc.flags_arg));
    OpenedDirs opened;
    auto sx = statx_of(*t, opened, static_cast<unsigned>(stop_.regs.arg(stop_.desc.flags_arg + 1)),
                       flags & AT_STATX_SYNC_TYPE);
    if (!sx) return Verdict::deny(sx.error());
    if (s_.stand_ins) s_.stand_ins->dress(*sx);
    const Shown v = seen(shown(*sx));
    note_owner(*sx, v);
    sx->stx_uid = v.uid;
    sx->stx_gid = v.gid;
    sx->stx_mode = static_cast<std::uint16_t>(v.mode);
    sx->stx_rdev_major = major(v.rdev);
    sx->stx_rdev_minor = minor(v.rdev);
    const std::uint64_t buf = stop_.regs.arg(stop_.desc.arg_index(ArgRole::kStatxBuf));
    if (!stop_.memory.write(buf, std::as_bytes(std::span(&*sx, 1)))) {
      return Verdict::deny(EFAULT);
    }
    return Verdict::skip(0);
  }

  // chown(2) family (fs/open.c chown_common, fs/attr.c): the emulated root
  // may give anything to anyone; others only change the group of what they
  // own, to one of theirs. A non-directory loses set-user-ID, and
  // set-group-ID when group-executable, whoever changes its owner.
  Verdict chown(const std::expected<Target, int>& t, const tracer::DecodedId* uid_arg,
                const tracer::DecodedId* gid_arg) {
    if (!t) return Verdict::deny(t.error());
    OpenedDirs opened;  // until change_owner's chmod is done
    auto sx = statx_of(*t, opened);
    if (!sx) return Verdict::deny(sx.error());
    const auto uid = id_arg(uid_arg), gid = id_arg(gid_arg);
    if (!uid || !gid) return Verdict::deny(EINVAL);
    return change_owner(*t, *sx, *uid, *gid);
  }

  // chown with the ids in the first namespace.
  Verdict change_owner(const Target& t, struct statx sx, std::uint32_t uid, std::uint32_t gid) {
    FileRecord r = base_record(sx);
    const Credentials& c = creds();
    const std::uint32_t mode = r.mode_faked ? r.mode : sx.stx_mode;
    const std::uint32_t kill =
        S_ISDIR(mode) ? 0 : mode & (S_ISUID | ((mode & S_IXGRP) ? S_ISGID : 0));
    // chown(f, -1, -1) changes no owner but still kills the bits
    // (chown_common sets ATTR_KILL_SUID whatever the ids), which only the
    // owner may (the ATTR_MODE it becomes, fs/attr.c setattr_prepare).
    const bool unchanged = uid == kUnchanged && gid == kUnchanged;
    if (unchanged && !kill) return Verdict::skip(0);
    if (!fs_capable(r)) {
      const bool owner = r.uid == c.fsuid;
      const bool uid_ok = uid == kUnchanged || uid == r.uid;
      const bool gid_ok = gid == kUnchanged || gid == r.gid || c.in_group(gid);
      if (!owner || !uid_ok || !gid_ok) return Verdict::deny(EPERM);
    }
    if (uid != kUnchanged) r.uid = uid;
    if (gid != kUnchanged) r.gid = gid;
    if (kill) {
      if (r.mode_faked) {
        r.mode &= ~kill;
      } else {
        if (::fchmodat(AT_FDCWD, t.path.c_str(), mode & 07777 & ~kill, 0) != 0) {
          return Verdict::deny(errno);
        }
        sx.stx_mode = static_cast<std::uint16_t>(mode & ~kill);
      }
    }
    return save(sx, r);
  }

  // chmod(2) family: done for real. For a caller with CAP_DAC_OVERRIDE
  // (the emulated root) the owner's read and write (and search, on a
  // directory) are kept so the real user can still use the file as root
  // could; the mode the guest asked for is what stat shows. A caller
  // without it gets the mode as asked, which the kernel then enforces on
  // the real user as it would on the owner natively.
  Verdict chmod(const std::expected<Target, int>& t, std::uint32_t mode) {
    if (!t) return Verdict::deny(t.error());
    OpenedDirs opened;  // until the real chmod is done
    auto sx = statx_of(*t, opened);
    if (!sx) return Verdict::deny(sx.error());
    FileRecord r = base_record(*sx);
    const Credentials& c = creds();
    if (r.uid != c.fsuid && !fs_capable(r)) return Verdict::deny(EPERM);
    if (S_ISLNK(sx->stx_mode)) return Verdict::deny(EOPNOTSUPP);  // fchmodat2 AT_SYMLINK_NOFOLLOW
    mode &= 07777;
    // Set-group-ID on a file of a group the caller is not in, without
    // CAP_FSETID: silently dropped (notify_change() -> setattr_should_drop_sgid()).
    if (!S_ISDIR(sx->stx_mode) && !c.in_group(r.gid) && !fs_capable(r)) mode &= ~S_ISGID;
    const bool dir = S_ISDIR(sx->stx_mode);
    std::uint32_t real = mode;
    if (c.capable(CAP_DAC_OVERRIDE)) real |= S_IRUSR | S_IWUSR | (dir ? S_IXUSR : 0);
    if (::fchmodat(AT_FDCWD, t->path.c_str(), real, 0) != 0) {
      // A file the real user does not own: root could, so only the record
      // changes (as fakeroot does).
      if (errno != EPERM || !fs_capable(r)) return Verdict::deny(errno);
      real = sx->stx_mode & 07777;
    }
    const bool recorded = record(*sx) != nullptr;
    const bool device = r.mode_faked && (S_ISCHR(r.mode) || S_ISBLK(r.mode));
    const std::uint32_t type = (r.mode_faked ? r.mode : sx->stx_mode) & S_IFMT;
    sx->stx_mode = static_cast<std::uint16_t>((sx->stx_mode & S_IFMT) | real);
    // The real file says it all: nothing (more) to remember.
    if (real == mode && !device) {
      if (!recorded) return Verdict::skip(0);
      r.mode_faked = false;
    } else {
      r.mode = type | mode;
      r.mode_faked = true;
    }
    return save(*sx, r);
  }

  // mknod(2): a character or block device is a regular file on disk (only
  // CAP_MKNOD makes real ones), recorded with its type and numbers; the
  // rest (FIFOs, sockets, regular files) are FileCreations'.
  Verdict mknod(const std::expected<Target, int>& t, std::uint32_t mode, std::uint64_t dev) {
    if (!S_ISCHR(mode) && !S_ISBLK(mode)) return Verdict::resume();
    const Credentials& c = creds();
    if (!t) return Verdict::deny(t.error());
    // The kernel looks the name up first (filename_create(): ENOENT,
    // ENOTDIR, EEXIST), then asks CAP_MKNOD (vfs_mknod()).
    if (!c.fs_privileged()) {
      if (host_statx({t->path, false, t->fd_link})) return Verdict::deny(EEXIST);
      const std::string parent = t->path.substr(0, t->path.find_last_of('/') + 1);
      if (auto p = host_statx({parent.empty() ? "." : parent, true, t->fd_link}); !p) {
        return Verdict::deny(p.error());
      }
      return Verdict::deny(EPERM);
    }
    dev &= 0xffffffffu;  // an unsigned int to the kernel (new_decode_dev())
    const std::uint32_t perm = mode & 07777 & ~process_umask(stop_.tracee.tid);
    if (::mknodat(AT_FDCWD, t->path.c_str(), S_IFREG | perm | S_IRUSR | S_IWUSR, 0) != 0) {
      return Verdict::deny(guest_errno(*t, errno));
    }
    auto sx = host_statx({t->path, false, t->fd_link});
    if (!sx) return Verdict::deny(sx.error());
    FileRecord r = base_record(*sx);
    r.uid = c.fsuid;
    r.gid = c.fsgid;
    r.mode = (mode & S_IFMT) | perm;
    r.mode_faked = true;
    r.rdev = makedev(major(static_cast<dev_t>(dev)), minor(static_cast<dev_t>(dev)));
    r.caps.reset();
    return save(*sx, r);
  }

  // security.capability (setcap, getcap): kept in the record, as the real
  // xattr needs CAP_SETFCAP. Other names go to the kernel.
  std::expected<bool, int> is_caps() {
    const int at = stop_.desc.arg_index(ArgRole::kXattrName);
    auto name = stop_.memory.read_path(stop_.regs.arg(at));
    if (!name) return std::unexpected(name.error());
    return *name == kCaps;
  }

  Verdict setcap(const std::expected<Target, int>& t) {
    auto caps = is_caps();
    if (!caps) return Verdict::deny(caps.error());
    if (!*caps) return Verdict::resume();
    const auto args = xattr_args(stop_);
    if (!args) return Verdict::resume();
    if (!creds().capable(CAP_SETFCAP)) return Verdict::deny(EPERM);
    if (!t) return Verdict::deny(t.error());
    auto sx = host_statx(*t);
    if (!sx) return Verdict::deny(sx.error());
    const std::size_t size = args->size;
    if (size > 65536) return Verdict::deny(E2BIG);
    std::string value(size, '\0');
    if (size && !stop_.memory.read(args->value, std::as_writable_bytes(std::span(value.data(), size)))) {
      return Verdict::deny(EFAULT);
    }
    FileRecord r = base_record(*sx);
    if ((args->flags & 1 /* XATTR_CREATE */) && r.caps) return Verdict::deny(EEXIST);
    if ((args->flags & 2 /* XATTR_REPLACE */) && !r.caps) return Verdict::deny(ENODATA);
    r.caps = std::move(value);
    return save(*sx, r);
  }

  // The file's record when it holds a security.capability; else the kernel
  // answers (nullopt).
  std::optional<std::pair<struct statx, const FileRecord*>> recorded_caps(
      const std::expected<Target, int>& t) {
    if (!t) return std::nullopt;
    auto sx = host_statx(*t);
    if (!sx) return std::nullopt;
    const FileRecord* r = record(*sx);
    if (!r || !r->caps) return std::nullopt;
    return std::pair{*sx, r};
  }

  Verdict getcap(const std::expected<Target, int>& t) {
    auto caps = is_caps();
    if (!caps || !*caps) return Verdict::resume();
    const auto args = xattr_args(stop_);
    const auto found = recorded_caps(t);
    if (!args || !found) return Verdict::resume();
    const FileRecord* r = found->second;
    const auto len = static_cast<std::int64_t>(r->caps->size());
    if (args->size == 0) return Verdict::skip(len);
    if (args->size < r->caps->size()) return Verdict::deny(ERANGE);
    if (!stop_.memory.write(args->value, std::as_bytes(std::span(*r->caps)))) {
      return Verdict::deny(EFAULT);
    }
    return Verdict::skip(len);
  }

  Verdict dropcap(const std::expected<Target, int>& t) {
    auto caps = is_caps();
    if (!caps || !*caps) return Verdict::resume();
    const auto found = recorded_caps(t);
    if (!found) return Verdict::resume();
    if (!creds().capable(CAP_SETFCAP)) return Verdict::deny(EPERM);
    FileRecord copy = *found->second;
    copy.caps.reset();
    return save(found->first, copy);
  }

  // listxattr(2) family: the kernel's list of names, with
  // security.capability added when the record holds one (so getfattr -d
  // finds what getxattr answers). Anything unusual is the kernel's to say.
  Verdict listcaps(const std::expected<Target, int>& t) {
    const auto found = recorded_caps(t);
    if (!found) return Verdict::resume();
    std::string names(XATTR_LIST_MAX, '\0');
    const char* path = t->path.c_str();
    const ssize_t n = t->follow ? ::listxattr(path, names.data(), names.size())
                                : ::llistxattr(path, names.data(), names.size());
    if (n < 0) return Verdict::resume();
    names.resize(static_cast<std::size_t>(n));
    if (names.find(std::string(kCaps) + '\0') == 0 ||
        names.find(std::string(1, '\0') + std::string(kCaps) + '\0') != std::string::npos) {
      return Verdict::resume();  // the file has a real one
    }
    names.append(kCaps);
    names.push_back('\0');
    if (names.size() > XATTR_LIST_MAX) return Verdict::resume();
    const int at = stop_.desc.arg_index(ArgRole::kXattrList);
    const std::uint64_t size = stop_.regs.arg(at + 1);
    const auto len = static_cast<std::int64_t>(names.size());
    if (size == 0) return Verdict::skip(len);
    if (size < names.size()) return Verdict::deny(ERANGE);
    if (!stop_.memory.write(stop_.regs.arg(at), std::as_bytes(std::span(names)))) {
      return Verdict::deny(EFAULT);
    }
    return Verdict::skip(len);
  }

  // unlink, rmdir, rename over a file: its record goes when the kernel says
  // the file went (its last link, for a non-directory).
  std::optional<FileKey> removed(const std::expected<Target, int>& t) {
    if (!t || s_.db.size() == 0) return std::nullopt;
    auto sx = host_statx({t->path, false, t->fd_link});
    if (!sx || !s_.db.contains(key_of(*sx))) return std::nullopt;
    if (!S_ISDIR(sx->stx_mode) && sx->stx_nlink > 1) return std::nullopt;
    return key_of(*sx);
  }

  // rename over `to`: a rename onto the same file (the same name, another
  // link of it) succeeds doing nothing (fs/namei.c do_renameat2/vfs_rename:
  // source and target the same inode), so its record stays.
  std::optional<FileKey> renamed_over(const std::expected<Target, int>& from,
                                      const std::expected<Target, int>& to) {
    const auto gone = removed(to);
    if (!gone || !from) return gone;
    auto src = host_statx({from->path, false, from->fd_link});
    if (src && key_of(*src) == *gone) return std::nullopt;
    return gone;
  }

 private:
  IdentityState& s_;
  tracer::SyscallStop& stop_;
  IdMapper& ids_;
};

}  // namespace

Verdict FileOwners::on_entry(tracer::SyscallStop& stop) {
  Calls c(*s_, stop);
  const arch::SyscallDesc& row = stop.desc;
  const auto arg = [&](ArgRole role) { return stop.regs.arg(row.arg_index(role)); };
  const auto u32 = [&](ArgRole role) { return static_cast<std::uint32_t>(arg(role)); };
  const Op op = op_of(row.sys);
  // fstat resolves its fd with fdget_raw(), which takes an O_PATH fd; the
  // other f* calls do not (see of_fd).
  const auto file = [&] { return target(fds_, stop, op != Op::kStat); };
  std::optional<FileKey> gone;
  OpenedDirs opened;
  switch (op) {
    case Op::kNone: return DacOverride::covers(row.sys) ? dac_.on_entry(stop) : Verdict::resume();
    case Op::kStat: return c.stat(file(), arg(ArgRole::kStatBuf));
    case Op::kStatx: return c.statx(file());
    case Op::kChown:
      return c.chown(file(), stop.call.id(row.arg_index(ArgRole::kUid)),
                     stop.call.id(row.arg_index(ArgRole::kGid)));
    case Op::kChmod: return c.chmod(file(), u32(ArgRole::kMode));
    case Op::kMknod:
      if (!S_ISCHR(u32(ArgRole::kMode)) && !S_ISBLK(u32(ArgRole::kMode))) {
        return creations_.on_entry(stop);
      }
      return c.mknod(file(), u32(ArgRole::kMode), arg(ArgRole::kDev));
    case Op::kCreate:
      if (DacOverride::plain_open(stop)) return dac_.on_entry(stop);
      return creations_.on_entry(stop);
    case Op::kSetcap: return c.setcap(file());
    case Op::kGetcap: return or_passed(c.getcap(file()), stop);
    case Op::kDropcap: return c.dropcap(file());
    case Op::kListcaps: return or_passed(c.listcaps(file()), stop);
    case Op::kRemove: {
      const auto t = file();
      opened = passing(stop, {&t});
      gone = c.removed(t);
      break;
    }
    case Op::kRename: {
      const auto from = target(fds_, stop, true, 0), to = target(fds_, stop, true, 1);
      opened = passing(stop, {&from, &to});
      // renameat2(..., flags): RENAME_EXCHANGE swaps the two, removing none.
      if (row.sys == Sys::renameat2 && (stop.regs.arg(4) & 2 /* RENAME_EXCHANGE */)) break;
      gone = c.renamed_over(from, to);
      break;
    }
  }
  if (!gone && opened.empty()) return Verdict::resume();
  if (gone) removing_.set(stop.tracee.tid, *gone);
  if (!opened.empty()) passing_.set(stop.tracee.tid, std::make_shared<OpenedDirs>(std::move(opened)));
  return Verdict::resume_to_exit();
}

// A read of extended attributes the kernel is to answer: the emulated
// root's, through the real user's closed directories, DacOverride's (ls -l
// of a mode-0 directory asks each entry's security.selinux).
Verdict FileOwners::or_passed(Verdict v, tracer::SyscallStop& stop) {
  const bool plain = v.kind == Verdict::Kind::kResume && !v.want_exit;
  return plain ? dac_.read_xattr(stop) : v;
}

// Root's CAP_DAC_OVERRIDE lets it remove and rename entries in directories
// whose mode bars the real user: where that user owns them, they are opened
// for the call (OpenedDirs, as for a creation) and given back at its exit.
OpenedDirs FileOwners::passing(tracer::SyscallStop& stop,
                               std::initializer_list<const std::expected<Target, int>*> targets) {
  OpenedDirs all;
  if (!s_->of(stop.tracee.tgid).fs_privileged()) return all;
  for (const auto* t : targets) {
    if (*t) all.append(OpenedDirs::for_entry(s_.get(), **t, stop.tracee.tid));
  }
  return all;
}

void FileOwners::on_exit(tracer::SyscallStop& stop) {
  creations_.on_exit(stop);
  dac_.on_exit(stop);
  if (auto opened = passing_.take(stop.tracee.tid)) (*opened)->restore();
  const auto key = removing_.take(stop.tracee.tid);
  if (key && stop.regs.result() == 0) (void)s_->db.erase(*key);
}

void FileOwners::on_death(const tracer::Tracee& tracee) { fds_.forget(tracee.tid); }

}  // namespace cocoon::syscalls
