#include "namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <csignal>

#include "proc_fields.h"
#include "view/landlock.h"
#include "view/proc_path.h"
#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracee.h"
#include "cocoon/vfs/mount_report.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// Every CLONE_NEW* unshare(2) takes; clone(2) cannot carry CLONE_NEWTIME
// (0x80 is in its exit-signal byte).
constexpr std::uint64_t kNewAll = CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUSER |
                                  CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWNET | 0x80;
constexpr std::uint64_t kNewClone = kNewAll & ~std::uint64_t{0x80};
// What else unshare(2) accepts (kernel/fork.c, check_unshare_flags()).
constexpr std::uint64_t kUnshareOther = CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM |
                                        CLONE_FILES | CLONE_SYSVSEM;

// "/proc/REAL/REST" (not under task/) -> REAL and REST ("uid_map", "ns/uts").
std::optional<std::pair<pid_t, std::string>> proc_pid_path(const std::string& host) {
  auto p = parse_proc_task_path(host);
  if (!p || p->tid || !p->rest.starts_with('/')) return std::nullopt;
  return std::pair{p->pid, p->rest.substr(1)};
}

}  // namespace

using arch::Sys;

Decision Namespaces::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const bool ours = arch::is_any(row.sys, {Sys::unshare, Sys::clone, Sys::setns, Sys::mount,
                                           Sys::umount2, Sys::umount, Sys::pivot_root, Sys::chroot});
  if (!ours) return Decision::allow();
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  return Decision::trace();
}

Namespaces::Namespaces(std::shared_ptr<NamespaceState> ns, std::shared_ptr<IdentityState> identity,
                       std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry,
                       bool scope_netns)
    : ns_(std::move(ns)),
      identity_(std::move(identity)),
      view_(std::move(view)),
      ops_(std::make_unique<MountOps>(view_->runtime_dir() + "/placeholders")),
      clone_flags_(registry, tracer::OnClone::kFresh, tracer::OnClone::kFresh,
                   tracer::OnExec::kKeep),
      scope_netns_(scope_netns) {}

bool Namespaces::admin(pid_t tgid) { return identity_->of(tgid).capable(CAP_SYS_ADMIN); }

// CAP_SYS_ADMIN over the caller's mount namespace, as mount(2) and
// umount(2) ask (ns_capable(mnt_ns->user_ns)). The run's own mount
// namespace (id 0) belongs to the first user namespace: the emulated root
// there may change the run's own table (fake root's mounts), a process in
// a user namespace of its own may not. An emulated mount namespace's
// owner is approximated by the caller's own user namespace.
bool Namespaces::mount_admin(pid_t tgid) {
  if (ns_->id_of(tgid, NsKind::kMnt) == 0 && ns_->id_of(tgid, NsKind::kUser) != 0) return false;
  return admin(tgid);
}

bool Namespaces::admin_over(pid_t tgid, std::uint32_t target) {
  const Credentials& c = identity_->of(tgid);
  const std::uint32_t mine = ns_->id_of(tgid, NsKind::kUser);
  if (c.capable(CAP_SYS_ADMIN) && ns_->user_ns_covers(mine, target)) return true;
  for (std::uint32_t u = target; u != 0;) {
    const UserNs* n = ns_->user_ns(u);
    if (n == nullptr) return false;
    if (n->parent == mine) return ns_->id_from_first(mine, IdKind::kUid, c.euid) == n->owner_euid;
    u = n->parent;
  }
  return false;
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> Namespaces::owner_ids(
    pid_t tgid, const Credentials& c) const {
  const std::uint32_t mine = ns_->id_of(tgid, NsKind::kUser);
  const auto euid = ns_->id_from_first(mine, IdKind::kUid, c.euid);
  const auto egid = ns_->id_from_first(mine, IdKind::kGid, c.egid);
  if (!euid || !egid) return std::nullopt;
  return std::pair{*euid, *egid};
}

Verdict Namespaces::on_entry(tracer::SyscallStop& stop) {
  switch (stop.desc.sys) {
    case Sys::unshare: return unshare(stop);
    case Sys::clone: return clone(stop);
    case Sys::setns: return setns(stop);
    case Sys::mount: return mount(stop);
    case Sys::pivot_root: return pivot_root(stop);
    case Sys::chroot: return chroot(stop);
    default: return umount(stop);
  }
}

// unshare(2): EINVAL for unknown flags; EPERM without CAP_SYS_ADMIN for
// the kinds other than user, unless a new user namespace (created first)
// gives it.
Verdict Namespaces::unshare(tracer::SyscallStop& stop) {
  const std::uint64_t flags = stop.regs.arg(0);
  if (flags & ~(kNewAll | kUnshareOther)) return Verdict::deny(EINVAL);
  const pid_t tgid = stop.tracee.tgid;
  const std::uint64_t kinds = flags & kNewAll;
  if (kinds == 0) return Verdict::resume();  // the kernel does the rest
  const bool new_user = flags & CLONE_NEWUSER;
  if ((kinds & ~std::uint64_t{CLONE_NEWUSER}) && !new_user && !admin(tgid)) {
    return Verdict::deny(EPERM);
  }
  Credentials& c = identity_->of(tgid);
  const auto owner = owner_ids(tgid, c);
  if (new_user && !owner) return Verdict::deny(EPERM);
  // A network namespace of its own: the kernel's wall behind its abstract
  // names, which a sibling thread could change after cocoon translated
  // them. Landlock's domain is the thread's, as unshare(CLONE_NEWNET) is
  // natively; made before the namespace, so that a failure leaves none.
  if ((kinds & CLONE_NEWNET) && scope_netns_ && control_ != nullptr) {
    if (int err = scope_abstract_sockets(*control_, stop.tracee); err != 0) return Verdict::deny(err);
  }
  const auto [euid, egid] = owner.value_or(std::pair{kOverflowId, kOverflowId});
  ns_->unshare(tgid, kinds, euid, egid);
  if (new_user) {
    ns_->user_ns(ns_->id_of(tgid, NsKind::kUser))->owner_privileged = c.capable(CAP_SETUID);
    // The ids stay (they read as the overflow id until a map says
    // otherwise); every capability in the new namespace
    // (user_namespaces(7)).
    c.enter_user_ns();
  }
  tracer::module_logger("syscalls")->debug("{}: unshare({:#x})", tgid, kinds);
  return Verdict::skip(0);
}

// clone(2) with CLONE_NEW* bits: the kernel makes the process without
// them, the child gets emulated ones (on_clone). Without them: nothing to
// do but to remember, for on_clone, that there are none.
Verdict Namespaces::clone(tracer::SyscallStop& stop) {
  const std::uint64_t flags = stop.regs.arg(0);
  const std::uint64_t kinds = flags & kNewClone;
  clone_flags_.set(stop.tracee.tid, kinds);
  if (kinds == 0) return Verdict::resume();
  if ((flags & CLONE_THREAD) || ((kinds & CLONE_NEWUSER) && (flags & CLONE_FS))) {
    return Verdict::deny(EINVAL);
  }
  if ((kinds & ~std::uint64_t{CLONE_NEWUSER}) && !(kinds & CLONE_NEWUSER) &&
      !admin(stop.tracee.tgid)) {
    return Verdict::deny(EPERM);
  }
  if ((kinds & CLONE_NEWUSER) && !owner_ids(stop.tracee.tgid, identity_->of(stop.tracee.tgid))) {
    return Verdict::deny(EPERM);
  }
  stop.regs.set_arg(0, flags & ~kinds);  // riscv64 < 6.16: run again (tracer/src/rerun.cc)
  return Verdict::resume();
}

void Namespaces::on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) {
  const std::uint64_t kinds = clone_flags_.take(parent.tid).value_or(0);
  if (child.tgid == parent.tgid || child.tgid == 0) return;  // a thread
  Credentials c = identity_->of(parent.tgid);
  // (An owner its namespace does not map was refused at the entry.)
  const auto owner = owner_ids(parent.tgid, c).value_or(std::pair{kOverflowId, kOverflowId});
  ns_->clone(parent.tgid, child.tgid, kinds, owner.first, owner.second);
  if (kinds & CLONE_NEWUSER) {
    ns_->user_ns(ns_->id_of(child.tgid, NsKind::kUser))->owner_privileged = c.capable(CAP_SETUID);
    c.enter_user_ns();
    identity_->creds.set(child.tgid, c);
  }
  if ((kinds & CLONE_NEWNET) && scope_netns_ && control_ != nullptr) scope_child(child.tid);
}

// The child of a clone with CLONE_NEWNET, at its first stop: scoped before
// its first instruction. Its clone has succeeded already, so a child that
// cannot be scoped (Landlock's 16 layers, no descriptor left) is killed
// rather than left in its namespace with translation alone.
void Namespaces::scope_child(pid_t tid) {
  tracer::Tracee* child = control_->find(tid);
  if (child == nullptr) return;
  const int err = scope_abstract_sockets(*control_, *child);
  if (err == 0 || err == ESRCH) return;
  tracer::module_logger("syscalls")->warn(
      "{}: cannot scope the abstract sockets of its new network namespace (errno {}): killed", tid, err);
  ::kill(tid, SIGKILL);
}

// setns(2) with a descriptor of an emulated namespace's file
// (namespace_file()): the file's name says which. CAP_SYS_ADMIN over the
// namespace and in the caller's user namespace.
Verdict Namespaces::setns(tracer::SyscallStop& stop) {
  const int fd = static_cast<int>(stop.regs.arg(0));
  char buf[512];
  const std::string link = "/proc/" + std::to_string(stop.tracee.tid) + "/fd/" + std::to_string(fd);
  const ssize_t len = ::readlink(link.c_str(), buf, sizeof buf);
  if (len <= 0) return Verdict::deny(EBADF);
  const auto named = ns_->stand_in_of(std::string(buf, static_cast<std::size_t>(len)));
  if (!named) return Verdict::deny(EINVAL);  // not a namespace cocoon emulates
  const NsKind kind = named->kind;
  const std::uint32_t id = named->id;
  const std::uint64_t want = stop.regs.arg(1);
  if (want != 0 && want != clone_flag(kind)) return Verdict::deny(EINVAL);
  const pid_t tgid = stop.tracee.tgid;
  const std::uint32_t owner = kind == NsKind::kUser ? id : ns_->owner_of(kind, id);
  // userns_install(): reentering one's own user namespace would give
  // its capabilities back: EINVAL.
  if (kind == NsKind::kUser && id == ns_->id_of(tgid, NsKind::kUser)) return Verdict::deny(EINVAL);
  if (!admin_over(tgid, owner)) return Verdict::deny(EPERM);
  // Every kind but a user namespace also asks for CAP_SYS_ADMIN in the
  // caller's own user namespace (utsns_install(), ipcns_install(),
  // mntns_install(), which adds CAP_SYS_CHROOT, pidns_install(),
  // cgroupns_install(), netns_install(): ns_capable(current_user_ns(), ...)):
  // nobody outside a user namespace of its own cannot join a UTS namespace
  // it does own through one (`nsenter -t PID -u` without -U: EPERM).
  if (kind != NsKind::kUser && !admin(tgid)) return Verdict::deny(EPERM);
  if (kind == NsKind::kMnt && !identity_->of(tgid).capable(CAP_SYS_CHROOT)) return Verdict::deny(EPERM);
  ns_->join(tgid, kind, id);
  if (kind == NsKind::kUser) identity_->of(tgid).enter_user_ns();
  return Verdict::skip(0);
}

std::expected<Namespaces::Place, int> Namespaces::place(tracer::SyscallStop& stop, int arg,
                                                        bool follow) {
  auto path = stop.memory.read_path(stop.regs.arg(arg));
  if (!path) return std::unexpected(path.error());
  if (path->empty()) return std::unexpected(ENOENT);
  vfs::ResolveFlags flags;
  flags.follow_last = follow;
  auto r = view_->resolve_at(stop.tracee.tid, stop.tracee.tgid, AT_FDCWD, *path, flags);
  if (!r) return std::unexpected(r.error());
  if (r->kind == vfs::EntryKind::kMissing) return std::unexpected(ENOENT);
  return Place{r->guest.str(), r->host, r->kind == vfs::EntryKind::kDirectory};
}

Verdict Namespaces::replace_table(tracer::SyscallStop& stop, std::expected<TablePtr, int> t) {
  if (!t) return Verdict::deny(t.error());
  ns_->set_mount_table(stop.tracee.tgid, std::move(*t));
  return Verdict::skip(0);
}

// mount(2) in the run's mount namespace or an emulated one
// (mount_namespaces(7)): the caller's namespace's table changes; the
// kernel's never does.
Verdict Namespaces::mount(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.tgid;
  if (!mount_admin(tgid)) return Verdict::deny(EPERM);
  const std::uint64_t flags = stop.regs.arg(3);
  constexpr std::uint64_t kPropagation = MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE;
  if ((flags & kPropagation) && !(flags & ~(kPropagation | MS_REC | MS_SILENT))) {
    return Verdict::skip(0);  // one namespace's mounts propagate nowhere anyway
  }
  auto target = place(stop, 1);
  if (!target) return Verdict::deny(target.error());
  const vfs::MountTable& table = view_->table(tgid);
  if (flags & MS_REMOUNT) return replace_table(stop, ops_->remount(table, target->guest, flags & MS_RDONLY));
  if (flags & MS_BIND) {
    auto source = place(stop, 0);
    if (!source) return Verdict::deny(source.error());
    if (source->directory != target->directory) return Verdict::deny(ENOTDIR);
    return replace_table(stop, ops_->bind(table, source->guest, source->host, source->directory,
                                          target->guest, flags & MS_REC));
  }
  if (flags & MS_MOVE) return Verdict::deny(EINVAL);
  std::string fstype;
  if (stop.regs.arg(2) != 0) {
    auto t = stop.memory.read_path(stop.regs.arg(2));
    if (!t) return Verdict::deny(t.error());
    fstype = *t;
  }
  vfs::Mount m{vfs::GuestPath(target->guest), vfs::HostPath(), vfs::MountKind::kBind,
               (flags & MS_RDONLY) != 0, true, {}};
  if (fstype == "proc") {
    m.kind = vfs::MountKind::kProc;
    m.source = vfs::HostPath("/proc");
    ns_->mount_proc(tgid);
  } else if (fstype == "tmpfs") {
    std::string dir = view_->runtime_dir() + "/tmpfs.XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return Verdict::deny(ENOSPC);
    ::chmod(dir.c_str(), 01777);
    m.kind = vfs::MountKind::kTmpfs;
    m.source = vfs::HostPath(dir);
  } else if (fstype == "devpts") {
    m.source = vfs::HostPath("/dev/pts");
  } else if (fstype == "sysfs") {
    // The host's /sys, as a bind: cocoon emulates no device or network
    // view there (a guest in an emulated network namespace still sees the
    // host's /sys/class/net); its writable files stay the host's to refuse.
    m.source = vfs::HostPath("/sys");
  } else {
    tracer::module_logger("syscalls")
        ->warn("mount(2) of type '{}' in an emulated mount namespace is not emulated", fstype);
    return Verdict::deny(EPERM);
  }
  return replace_table(stop, ops_->add(table, m));
}

// umount2(2): the mount and what is under it. The root with MNT_DETACH is
// what bwrap and runc do after pivot_root(".", "."), whose stacked old
// root MountOps::pivot dropped already.
Verdict Namespaces::umount(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.tgid;
  if (!mount_admin(tgid)) return Verdict::deny(EPERM);
  const bool umount2 = stop.desc.sys == Sys::umount2;
  const std::uint64_t flags = umount2 ? stop.regs.arg(1) : 0;
  // The old root is not in the table any more; its directory may still be
  // reachable another way (through a bind of the host's /), so the name is
  // not resolved first.
  if ((flags & MNT_DETACH) && stacked_root_is_cwd(stop)) {
    auto path = stop.memory.read_path(stop.regs.arg(0));
    if (path && *path == ".") {
      stacked_old_root_.erase(ns_->id_of(tgid, NsKind::kMnt));
      return Verdict::skip(0);
    }
  }
  auto target = place(stop, 0, !(flags & UMOUNT_NOFOLLOW));
  if (!target) return Verdict::deny(target.error());
  if (target->guest == "/") return (flags & MNT_DETACH) ? Verdict::skip(0) : Verdict::deny(EBUSY);
  return replace_table(stop, ops_->unmount(view_->table(tgid), target->guest));
}

// chroot(2): the path's own errors first (ksys_chroot(): lookup, then
// ENOTDIR), then CAP_SYS_CHROOT over the caller's mount namespace, EPERM
// without, as for Paths without emulated namespaces. With it (the emulated
// root, or root of a user namespace it made) the process gets a view
// rooted at the directory, as a private copy of its mount namespace's
// table (so its later mounts are its own, where the kernel's would be the
// namespace's).
Verdict Namespaces::chroot(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.tgid;
  auto dir = place(stop, 0);
  if (!dir) return Verdict::deny(dir.error());
  if (!dir->directory) return Verdict::deny(ENOTDIR);
  if (!admin(tgid)) return Verdict::deny(EPERM);
  if (dir->guest == "/") return Verdict::skip(0);
  auto t = ops_->rooted(view_->table(tgid), dir->guest, dir->host);
  if (!t) return Verdict::deny(t.error());
  const Credentials& c = identity_->of(tgid);
  ns_->unshare(tgid, CLONE_NEWNS, c.euid, c.egid);
  ns_->set_mount_table(tgid, std::move(*t));
  return Verdict::skip(0);
}

// Whether the caller's cwd is the old root pivot_root(".", ".") stacked.
bool Namespaces::stacked_root_is_cwd(const tracer::SyscallStop& stop) const {
  auto it = stacked_old_root_.find(ns_->id_of(stop.tracee.tgid, NsKind::kMnt));
  if (it == stacked_old_root_.end()) return false;
  auto cwd = view_->fs().readlink(vfs::HostPath("/proc/" + std::to_string(stop.tracee.tid) + "/cwd"));
  return cwd && *cwd == it->second;
}

// pivot_root(2): both paths must be directories, new_root a mount point
// and put_old at or under it.
Verdict Namespaces::pivot_root(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.tgid;
  if (ns_->id_of(tgid, NsKind::kMnt) == 0 || !admin(tgid)) return Verdict::deny(EPERM);
  auto new_root = place(stop, 0);
  if (!new_root) return Verdict::deny(new_root.error());
  auto put_old = place(stop, 1);
  if (!put_old) return Verdict::deny(put_old.error());
  if (!new_root->directory || !put_old->directory) return Verdict::deny(ENOTDIR);
  const std::string old_root = view_->table(tgid).root().source.str();
  Verdict v = replace_table(stop, ops_->pivot(view_->table(tgid), new_root->guest, put_old->guest));
  if (v.kind == Verdict::Kind::kSkip && v.value == 0 && new_root->guest == put_old->guest) {
    stacked_old_root_[ns_->id_of(tgid, NsKind::kMnt)] = old_root;
  }
  return v;
}

namespace {

// The files written so far, parsed into their user namespaces.
void settle_id_maps(NamespaceState& ns) {
  if (ns.pending_maps.empty()) return;
  auto pending = std::move(ns.pending_maps);
  ns.pending_maps.clear();
  for (const auto& p : pending) {
    UserNs* u = ns.user_ns(p.user_ns);
    if (u == nullptr) continue;
    const std::string text = read_file(p.file);
    if (text.empty()) {  // opened, not written yet
      ns.pending_maps.push_back(p);
      continue;
    }
    if (p.what == "setgroups") {
      if (text.starts_with("deny")) u->setgroups_denied = true;
      continue;
    }
    auto map = parse_id_map(text);
    auto& slot = p.what == "uid_map" ? u->uid_map : u->gid_map;
    const char* why = !map ? "malformed (EINVAL)"
                      : slot ? "already set (EPERM)"
                      : id_map_error(*u, p.what == "uid_map", *map) ? "not allowed to its owner (EPERM)"
                                                                     : nullptr;
    if (why != nullptr) {
      tracer::module_logger("syscalls")->warn("ignoring {} written for a user namespace: {}",
                                              p.what, why);
      continue;
    }
    slot = *map;
  }
}

}  // namespace

std::optional<std::uint32_t> UserNsIds::map_in(pid_t tgid, IdKind kind, std::uint32_t id) {
  settle_id_maps(*ns_);
  return ns_->id_to_first(ns_->id_of(tgid, NsKind::kUser), kind, id);
}

std::uint32_t UserNsIds::map_out(pid_t tgid, IdKind kind, std::uint32_t id) {
  settle_id_maps(*ns_);
  return ns_->id_from_first(ns_->id_of(tgid, NsKind::kUser), kind, id).value_or(kOverflowId);
}

bool UserNsIds::may_setgroups(pid_t tgid) {
  settle_id_maps(*ns_);
  const std::uint32_t mine = ns_->id_of(tgid, NsKind::kUser);
  for (std::uint32_t u = mine; u != 0;) {
    const UserNs* n = ns_->user_ns(u);
    if (n == nullptr || n->setgroups_denied || (u == mine && !n->gid_map)) return false;
    u = n->parent;
  }
  return true;
}

std::string namespace_file(NamespaceState& ns, const std::string& dir, const std::string& host) {
  auto p = proc_pid_path(host);
  if (!p) return {};
  const auto& [pid, rest] = *p;
  if (rest == "uid_map" || rest == "gid_map") {
    settle_id_maps(ns);
    const std::uint32_t u = ns.id_of(pid, NsKind::kUser);
    UserNs* user = ns.user_ns(u);
    if (user == nullptr) return {};
    const auto& map = rest == "uid_map" ? user->uid_map : user->gid_map;
    std::ostringstream text;
    for (const auto& r : map.value_or(std::vector<IdMapRange>{})) {
      char line[64];
      std::snprintf(line, sizeof line, "%10u %10u %10u\n", r.inside, r.outside, r.count);
      text << line;
    }
    const std::string file = dir + "/" + rest + "-" + std::to_string(u);
    std::ofstream(file, std::ios::trunc) << text.str();
    return file;
  }
  if (rest == "setgroups") {
    // "deny" once written in it or an ancestor (a child inherits its
    // parent's flag: create_user_ns(), kernel/user_namespace.c).
    settle_id_maps(ns);
    const std::uint32_t u = ns.id_of(pid, NsKind::kUser);
    if (u == 0) return {};
    bool denied = false;
    for (std::uint32_t a = u; a != 0;) {
      const UserNs* n = ns.user_ns(a);
      if (n == nullptr) break;
      denied = denied || n->setgroups_denied;
      a = n->parent;
    }
    const std::string file = dir + "/setgroups-" + std::to_string(u);
    std::ofstream(file, std::ios::trunc) << (denied ? "deny\n" : "allow\n");
    return file;
  }
  if (rest == "mountinfo" || rest == "mounts") {
    // A mount namespace whose table changed: its own report.
    auto table = ns.mount_table(pid);
    if (!table) return {};
    const std::string file = dir + "/" + rest + "-" + std::to_string(pid);
    std::ofstream(file, std::ios::trunc)
        << (rest == "mounts" ? vfs::format_mounts(*table) : vfs::format_mountinfo(*table));
    return file;
  }
  if (!rest.starts_with("ns/")) return {};
  auto kind = ns_kind_of(rest.substr(3));
  if (!kind) return {};
  const std::uint32_t id = ns.id_of(pid, *kind);
  if (id == 0) return {};
  return ns.stand_in(*kind, id);
}

std::string namespace_cgroup_file(NamespaceState& ns, const std::string& dir,
                                  const std::string& host, pid_t reader) {
  auto p = parse_proc_task_path(host);
  if (!p || p->rest != "/cgroup") return {};
  const std::uint32_t id = ns.id_of(reader, NsKind::kCgroup);
  auto roots = ns.cgroup_roots.find(id);
  if (id == 0 || roots == ns.cgroup_roots.end()) return {};
  const std::string file = dir + "/cgroup-" + std::to_string(reader);
  std::ofstream(file, std::ios::trunc) << cgroup_view(read_file(host), roots->second);
  return file;
}

std::optional<std::string> namespace_link(const NamespaceState& ns, const std::string& host) {
  auto p = proc_pid_path(host);
  if (!p || !p->second.starts_with("ns/")) return std::nullopt;
  // pid_for_children and time_for_children: the kernel's answer.
  auto kind = ns_kind_of(p->second.substr(3));
  if (!kind) return std::nullopt;
  const std::uint32_t id = ns.id_of(p->first, *kind);
  if (id == 0) return std::nullopt;
  return std::string(ns_name(*kind)) + ":[" + std::to_string(id) + "]";
}

std::string namespace_map_file(NamespaceState& ns, const std::string& dir, const std::string& host) {
  auto p = proc_pid_path(host);
  if (!p) return {};
  const auto& [pid, rest] = *p;
  if (rest != "uid_map" && rest != "gid_map" && rest != "setgroups") return {};
  const std::uint32_t u = ns.id_of(pid, NsKind::kUser);
  if (u == 0) return {};  // the kernel's own rules for the initial namespace
  const std::string file = dir + "/w-" + rest + "-" + std::to_string(u);
  std::ofstream(file, std::ios::trunc).flush();
  ns.pending_maps.push_back({u, rest, file});
  return file;
}

}  // namespace cocoon::syscalls
