#include "ns_files.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "identity/file_target.h"
#include "identity/file_view.h"

namespace cocoon::syscalls {

using arch::ArgRole;
using arch::Sys;
using tracer::Decision;
using tracer::Verdict;

NsStandIns::NsStandIns(std::shared_ptr<const NamespaceState> ns) : ns_(std::move(ns)) {
  struct stat st {};
  if (::stat("/proc/self/ns/uts", &st) == 0) nsfs_dev_ = st.st_dev;
}

bool NsStandIns::dress(struct statx& sx) const {
  const auto named = ns_->stand_in_of(makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino);
  if (!named) return false;
  // __ns_get_path(): i_ino = ns->inum, S_IFREG | S_IRUGO, owned by root
  // (the inode's defaults), no data.
  sx.stx_ino = named->id;
  sx.stx_dev_major = major(nsfs_dev_);
  sx.stx_dev_minor = minor(nsfs_dev_);
  sx.stx_mode = S_IFREG | 0444;
  sx.stx_uid = sx.stx_gid = 0;
  sx.stx_nlink = 1;
  sx.stx_size = sx.stx_blocks = 0;
  sx.stx_blksize = 4096;
  return true;
}

NsFiles::NsFiles(std::shared_ptr<NamespaceState> ns, bool answer_stats)
    : ns_(std::move(ns)), stand_ins_(ns_), answer_stats_(answer_stats) {}

namespace {

bool is_stat(Sys s) { return arch::is_any(s, {Sys::stat, Sys::lstat, Sys::fstat, Sys::newfstatat, Sys::statx}); }

}  // namespace

Decision NsFiles::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (abi != arch::host_arch()) return Decision::allow();
  if (row.sys == Sys::ioctl) {
    return Decision::allow().tracing_values(1, {NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID});
  }
  // Reads and writes the guest's memory only: a notification.
  if (answer_stats_ && is_stat(row.sys)) return Decision::notify();
  return Decision::allow();
}

Verdict NsFiles::on_entry(tracer::SyscallStop& stop) {
  return stop.desc.sys == Sys::ioctl ? ioctl(stop) : stat(stop);
}

// Only a stand-in is answered here; any other file is the kernel's.
Verdict NsFiles::stat(tracer::SyscallStop& stop) {
  if (!ns_->has_stand_ins()) return Verdict::resume();  // no namespace file opened yet
  auto t = target(fds_, stop, /*io=*/false);
  if (!t) return Verdict::resume();
  const bool is_statx = stop.desc.sys == Sys::statx;
  auto sx = host_statx(*t);
  if (!sx || !stand_ins_.dress(*sx)) return Verdict::resume();
  if (is_statx) {
    const std::uint64_t buf = stop.regs.arg(stop.desc.arg_index(ArgRole::kStatxBuf));
    if (!stop.memory.write(buf, std::as_bytes(std::span(&*sx, 1)))) return Verdict::deny(EFAULT);
    return Verdict::skip(0);
  }
  const struct stat st = stat_of(*sx, Shown{sx->stx_uid, sx->stx_gid, sx->stx_mode, 0});
  const std::uint64_t buf = stop.regs.arg(stop.desc.arg_index(ArgRole::kStatBuf));
  if (!stop.memory.write(buf, std::as_bytes(std::span(&st, 1)))) return Verdict::deny(EFAULT);
  return Verdict::skip(0);
}

Verdict NsFiles::ioctl(tracer::SyscallStop& stop) {
  const auto cmd = static_cast<std::uint32_t>(stop.regs.arg(1));
  if (cmd != NS_GET_USERNS && cmd != NS_GET_PARENT && cmd != NS_GET_NSTYPE && cmd != NS_GET_OWNER_UID) {
    return Verdict::resume();  // ProcessGuard's
  }
  const std::string link = "/proc/" + std::to_string(stop.tracee.tid) + "/fd/" +
                           std::to_string(static_cast<int>(stop.regs.arg(0)));
  char buf[512];
  const ssize_t len = ::readlink(link.c_str(), buf, sizeof buf);
  if (len <= 0) return Verdict::resume();  // the kernel's EBADF
  const auto named = ns_->stand_in_of(std::string(buf, static_cast<std::size_t>(len)));
  const pid_t tgid = stop.tracee.tgid;
  const std::uint32_t mine = ns_->id_of(tgid, NsKind::kUser);
  if (!named) {
    // A namespace of the kernel's: its owner and parent are the host's,
    // outside the scope of a caller in an emulated user or PID namespace
    // (EPERM, as ns_get_owner() and pidns_get_parent() say); the rest is
    // the kernel's to answer.
    const bool related = cmd == NS_GET_USERNS || cmd == NS_GET_PARENT;
    if (related && (mine != 0 || (cmd == NS_GET_PARENT && ns_->pid_ns(tgid)))) return Verdict::deny(EPERM);
    return Verdict::resume();
  }
  switch (cmd) {
    case NS_GET_NSTYPE: return Verdict::skip(static_cast<std::int64_t>(clone_flag(named->kind)));
    case NS_GET_OWNER_UID:
      if (named->kind != NsKind::kUser) return Verdict::deny(EINVAL);
      return owner_uid(stop, named->id);
    case NS_GET_PARENT:
      if (named->kind == NsKind::kPid) {
        // pidns_get_parent(): only a parent at or below the caller's own.
        const auto parent = ns_->pid_parent(named->id);
        const bool host = parent && *parent == 0;
        const bool visible = host ? ns_->pid_ns(tgid) == nullptr : parent && ns_->pid_ns_below(tgid, *parent);
        if (!visible) return Verdict::deny(EPERM);
        return open_related(stop, NsKind::kPid, *parent);
      }
      if (named->kind != NsKind::kUser) return Verdict::deny(EINVAL);
      [[fallthrough]];  // a user namespace's parent is its owner
    default: {
      // NS_GET_USERNS, ns_get_owner(): the owner must be the caller's user
      // namespace or one below it.
      const std::uint32_t owner = ns_->owner_of(named->kind, named->id);
      if (!ns_->user_ns_covers(mine, owner)) return Verdict::deny(EPERM);
      return open_related(stop, NsKind::kUser, owner);
    }
  }
}

Verdict NsFiles::owner_uid(tracer::SyscallStop& stop, std::uint32_t user_ns) {
  const UserNs* u = ns_->user_ns(user_ns);
  if (u == nullptr) return Verdict::deny(EINVAL);
  // The owner's euid as its parent numbers it, shown to the caller through
  // its own user namespace (from_kuid_munged(current_user_ns(), owner)).
  const auto first = ns_->id_to_first(u->parent, IdKind::kUid, u->owner_euid);
  const auto shown = first ? ns_->id_from_first(ns_->id_of(stop.tracee.tgid, NsKind::kUser), IdKind::kUid, *first)
                           : std::nullopt;
  const std::uint32_t uid = shown.value_or(kOverflowId);
  if (!stop.memory.write(stop.regs.arg(2), std::as_bytes(std::span(&uid, 1)))) return Verdict::deny(EFAULT);
  return Verdict::skip(0);
}

Verdict NsFiles::open_related(tracer::SyscallStop& stop, NsKind k, std::uint32_t id) {
  if (stop.via != tracer::Via::kStop) return Verdict::deny(ENOSYS);  // (traced: never)
  const std::string path = id == 0 ? std::string("/proc/thread-self/ns/") + ns_name(k) : ns_->stand_in(k, id);
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  auto addr = scratch.push_string(path);
  if (!addr) return Verdict::deny(addr.error());
  // openat(fd, ABSOLUTE, ...) ignores its dirfd (openat(2)): arg0, the
  // guest's namespace fd, stays, which riscv64 before 6.16 could not change.
  stop.regs.set_nr(arch::find_syscall(Sys::openat).number(stop.regs.abi()));
  stop.regs.set_arg(1, *addr);
  stop.regs.set_arg(2, O_RDONLY | O_CLOEXEC);
  stop.regs.set_arg(3, 0);
  return Verdict::resume();
}

}  // namespace cocoon::syscalls
