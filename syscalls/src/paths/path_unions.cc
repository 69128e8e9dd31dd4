// Paths::union_writes: a call that changes something under a union mount
// (vfs/union.h), after its paths were resolved. Deletes and renames are
// done here and the call skipped; the rest go to the kernel on the upper
// layer's copy (union_writes.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/observer.h"
#include "cocoon/vfs/union.h"
#include "paths.h"
#include "union_writes.h"

namespace cocoon::syscalls {

using arch::Effect;
using arch::Sys;
using tracer::Verdict;

namespace {

// `r`'s path relative to its union's root; nullopt when `r` is not in one.
std::optional<std::string> union_rel(const vfs::Resolved& r) {
  if (r.mount.kind != vfs::MountKind::kOverlay) return std::nullopt;
  std::string_view rel = r.guest.str();
  rel.remove_prefix(std::min(rel.size(), r.mount.target.str().size()));
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return std::string(rel);
}

bool owns(const std::string& host) {
  struct stat st {};
  return ::lstat(host.c_str(), &st) == 0 && st.st_uid == ::geteuid();
}

bool may_write(const std::string& host) {
  return ::faccessat(AT_FDCWD, host.c_str(), W_OK, AT_EACCESS) == 0;
}

// chmod(2) and chown(2) ask for ownership; the other changes of an
// existing entry (truncate, utimes, setxattr) write access or ownership.
bool owner_only(Sys sys) {
  return arch::is_any(sys, {Sys::chmod, Sys::fchmodat, Sys::fchmodat2, Sys::chown, Sys::lchown,
                            Sys::fchownat});
}

// What argument `a` asks of the union before the kernel: a copy-up of the
// entry, of the directories on the way to it (a name to create), nothing.
enum class Need { kNothing, kCopyUp, kParents };
Need need(const arch::PathSpec& a, Sys sys, std::uint64_t open_flags, const vfs::Resolved& r,
          int index) {
  const bool missing = r.kind == vfs::EntryKind::kMissing;
  switch (a.effect) {
    case Effect::kRead:
      // link(2)'s source: a hard link to a lower file would let the new
      // name change the lower layer (overlayfs copies it up: ovl_link()).
      return index == 0 && arch::is_any(sys, {Sys::link, Sys::linkat}) && !missing
                 ? Need::kCopyUp
                 : Need::kNothing;
    case Effect::kModify: return missing ? Need::kNothing : Need::kCopyUp;
    case Effect::kCreate:
    case Effect::kReplace: return missing ? Need::kParents : Need::kNothing;
    case Effect::kOpenFlags: {
      const bool writes = (open_flags & O_ACCMODE) != O_RDONLY || (open_flags & O_TRUNC) != 0;
      if (missing) return (open_flags & O_CREAT) ? Need::kParents : Need::kNothing;
      if ((open_flags & O_CREAT) && (open_flags & O_EXCL)) return Need::kNothing;  // EEXIST
      return writes && r.kind != vfs::EntryKind::kDirectory ? Need::kCopyUp : Need::kNothing;
    }
  }
  return Need::kNothing;
}

}  // namespace

std::optional<Verdict> Paths::union_writes(tracer::SyscallStop& stop, const CallFlags& cf,
                                           Translation& t) {
  const arch::SyscallDesc& row = stop.desc;
  std::optional<std::string> rel[2];
  bool any = false;
  for (int i = 0; i < row.path_count; ++i) {
    if (t.resolved[i]) rel[i] = union_rel(*t.resolved[i]);
    if (!rel[i]) continue;
    // The union's own names (whiteouts) do not exist for the guest, and
    // it may not make one (aufs says EPERM).
    const std::string_view name = std::string_view(*rel[i]).substr(rel[i]->rfind('/') + 1);
    if (vfs::is_union_private(name)) {
      const Effect e = row.paths[static_cast<std::size_t>(i)].effect;
      const bool creates = e == Effect::kCreate || e == Effect::kReplace ||
                           (e == Effect::kOpenFlags && (cf.flags & O_CREAT));
      return Verdict::deny(creates ? EPERM : ENOENT);
    }
    if (t.resolved[i]->mount.read_only) rel[i].reset();  // EROFS came first
    any = any || rel[i];
  }
  if (!any) return std::nullopt;
  const Sys sys = row.sys;
  auto done = [&](int err) {
    tracer::annotate(stop, tracer::NoteKind::kRewrite, [] { return "done on the union's layers"; });
    return err ? Verdict::deny(err) : Verdict::skip(0);
  };
  if (arch::is_any(sys, {Sys::unlink, Sys::unlinkat, Sys::rmdir}) && rel[0]) {
    const bool dir = sys == Sys::rmdir || (sys == Sys::unlinkat && (cf.flags & AT_REMOVEDIR));
    return done(union_remove(t.resolved[0]->mount, *rel[0], dir));
  }
  if (arch::is_any(sys, {Sys::rename, Sys::renameat, Sys::renameat2}) && rel[0] && rel[1] &&
      &t.resolved[0]->mount == &t.resolved[1]->mount) {
    const auto flags = sys == Sys::renameat2 ? static_cast<unsigned>(stop.regs.arg(4)) : 0u;
    return done(union_rename(t.resolved[0]->mount, *rel[0], *rel[1], flags));
  }
  for (int i = 0; i < row.path_count; ++i) {
    if (!rel[i]) continue;
    vfs::Resolved& r = *t.resolved[i];
    const arch::PathSpec& a = row.paths[static_cast<std::size_t>(i)];
    const Need n = need(a, sys, cf.flags, r, i);
    if (n == Need::kNothing) continue;
    const vfs::Mount& m = r.mount;
    int err = 0;
    if (n == Need::kParents) {
      err = union_may_change_parent(m, *rel[i]);
      if (!err) err = union_copy_up_parents(m, *rel[i]);
    } else {
      // Without the right to change the entry, the call goes to the lower
      // layer's, where the kernel refuses it (and changes nothing).
      const bool allowed = owner_only(sys) ? owns(r.host.str())
                                           : owns(r.host.str()) || may_write(r.host.str());
      if (!allowed) continue;
      err = union_copy_up(m, *rel[i]);
    }
    if (err) return Verdict::deny(err);
    r.host = vfs::layer_path(m.layers.front(), *rel[i]);
    t.as_is = false;
  }
  return std::nullopt;
}

}  // namespace cocoon::syscalls
