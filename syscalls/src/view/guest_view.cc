#include "guest_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string_view>

#include "cocoon/vfs/union.h"
#include "exec/loader_cmdline.h"
#include "view/proc_status.h"
#include "pids/pid_namespace.h"
#include "proc_path.h"

namespace cocoon::syscalls {
namespace {

// The host filesystem as tracee (tid, tgid) sees it: the host's /proc/self
// and /proc/thread-self links name the tracee, not cocoon, which reads
// them. Needed wherever the guest reaches proc by another path than
// /proc/self (a proc mounted elsewhere: bwrap's /oldroot/proc/self).
class TraceeFilesystem final : public vfs::Filesystem {
 public:
  TraceeFilesystem(const vfs::Filesystem& inner, pid_t tid, pid_t tgid)
      : inner_(inner), tid_(tid), tgid_(tgid) {}
  std::expected<vfs::EntryKind, int> kind(const vfs::HostPath& path) const override {
    return inner_.kind(path);
  }
  std::expected<std::string, int> readlink(const vfs::HostPath& path) const override {
    if (path.str() == "/proc/self") return std::to_string(tgid_);
    if (path.str() == "/proc/thread-self") {
      return std::to_string(tgid_) + "/task/" + std::to_string(tid_);
    }
    return inner_.readlink(path);
  }
  std::expected<vfs::HostPath, int> canonical(const vfs::HostPath& path) const override {
    return inner_.canonical(path);
  }
  std::expected<vfs::WalkStep, int> walk(const vfs::HostPath& dir,
                                         std::span<const std::string_view> names) const override {
    return inner_.walk(dir, names);
  }
  PlainWalk plain_walk(const vfs::HostPath& dir, std::span<const std::string_view> names,
                       bool follow_last) const override {
    return inner_.plain_walk(dir, names, follow_last);
  }
  std::expected<std::vector<vfs::DirEntry>, int> list(const vfs::HostPath& dir) const override {
    return inner_.list(dir);
  }

 private:
  const vfs::Filesystem& inner_;
  pid_t tid_, tgid_;
};

// The host filesystem as the emulated root looks things up: a lookup the
// real user's own modes bar (EACCES) is made again with the directories on
// the way opened for it (LookupOverride), and given back at once; the
// guest's own call then meets them as they are (identity's DacOverride
// opens them again for it).
class PassingFilesystem final : public vfs::Filesystem {
 public:
  PassingFilesystem(const vfs::Filesystem& inner, const LookupOverride& o, pid_t tgid)
      : inner_(inner), o_(o), tgid_(tgid) {}
  std::expected<vfs::EntryKind, int> kind(const vfs::HostPath& path) const override {
    return again(path.str(), [&] { return inner_.kind(path); });
  }
  std::expected<std::string, int> readlink(const vfs::HostPath& path) const override {
    return again(path.str(), [&] { return inner_.readlink(path); });
  }
  std::expected<vfs::HostPath, int> canonical(const vfs::HostPath& path) const override {
    return inner_.canonical(path);
  }
  std::expected<vfs::WalkStep, int> walk(const vfs::HostPath& dir,
                                         std::span<const std::string_view> names) const override {
    vfs::HostPath last = dir;
    for (std::string_view n : names) last = vfs::host_child(last, n);
    return again(last.str(), [&] { return inner_.walk(dir, names); });
  }
  PlainWalk plain_walk(const vfs::HostPath& dir, std::span<const std::string_view> names,
                       bool follow_last) const override {
    return inner_.plain_walk(dir, names, follow_last);
  }
  std::expected<std::vector<vfs::DirEntry>, int> list(const vfs::HostPath& dir) const override {
    return inner_.list(dir);
  }

 private:
  template <typename F>
  auto again(const std::string& host, F lookup) const -> decltype(lookup()) {
    auto r = lookup();
    if (r || r.error() != EACCES) return r;
    const auto opened = o_.open_way(tgid_, host);
    return opened ? lookup() : r;
  }

  const vfs::Filesystem& inner_;
  const LookupOverride& o_;
  pid_t tgid_;
};

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

// In a PID namespace, "/proc/N[/task/M]..." names members by their
// numbers: the real ones replace them, and a number no member has becomes
// "/proc/0" (no such directory: ENOENT, as for an invisible process).
std::string retarget_proc_pids(const std::string& path, const PidNamespace& ns) {
  auto p = parse_proc_task_path(path);
  if (!p) return path;
  auto real = ns.real_of(p->pid);
  if (!real) return "/proc/0";
  p->pid = *real;
  if (p->tid) {
    auto tid = ns.real_of(*p->tid);
    if (!tid) return "/proc/0";
    p->tid = *tid;
  }
  return format_proc_task_path(*p);
}

// The reverse of retarget_proc_pids: a guest path the kernel made
// ("/proc/REAL/...", a cwd or an fd's link) with the namespace's numbers;
// unchanged for a process outside it (a thread outside keeps its number).
std::string virtualize_proc_pids(const std::string& path, const PidNamespace& ns) {
  auto p = parse_proc_task_path(path);
  if (!p) return path;
  auto v = ns.virtual_of(p->pid);
  if (!v) return path;
  p->pid = *v;
  if (p->tid) {
    if (auto vt = ns.virtual_of(*p->tid)) p->tid = *vt;
  }
  return format_proc_task_path(*p);
}

}  // namespace

std::optional<std::string> GuestView::proc_self_link(pid_t tid, pid_t tgid,
                                                     const std::string& path,
                                                     const vfs::GuestPath& base) const {
  std::string full = path;
  if (path.front() != '/') full = base.str() == "/" ? "/" + path : base.str() + "/" + path;
  while (full.size() > 1 && full.back() == '/') full.pop_back();
  if (full != "/proc/self" && full != "/proc/thread-self") return std::nullopt;
  pid_t p = tgid, t = tid;
  if (auto pid_ns = ns_ ? ns_->proc_pid_ns(tgid) : nullptr) {
    p = pid_ns->member(tgid);
    t = pid_ns->member(tid);
  }
  if (full == "/proc/self") return std::to_string(p);
  return std::to_string(p) + "/task/" + std::to_string(t);
}

const vfs::MountTable& GuestView::table(pid_t tgid) const {
  if (ns_ && tgid > 0) {
    if (auto t = ns_->mount_table(tgid)) return *t;
  }
  return table_;
}

bool GuestView::is_identity() const {
  return table_.mounts().size() == 1 && table_.root().source.str() == "/" &&
         !table_.root().read_only;
}

std::expected<vfs::GuestPath, int> GuestView::base_dir(pid_t tid, int fd, bool check_dir,
                                                       pid_t tgid) const {
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
  const pid_t who = tgid != 0 ? tgid : tid;
  auto guest = table(who).to_guest(*host);
  if (!guest) return std::unexpected(ENOENT);
  if (auto pid_ns = ns_ ? ns_->proc_pid_ns(who) : nullptr) {
    return vfs::GuestPath(virtualize_proc_pids(guest->str(), *pid_ns));
  }
  return *guest;
}

int GuestView::dir_fd_error(pid_t tid, int fd) const {
  const std::string link = "/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd);
  struct stat st {};
  if (::stat(link.c_str(), &st) != 0) return errno == ENOENT ? EBADF : errno;
  return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

// Under a union mount (vfs/union.h) the resolver walks the merged tree and
// names the entry by the union's own directory; the kernel gets the host
// path of the layer that holds it. Never a plain walk: the kernel, from a
// cwd in one layer, would miss the others.
std::expected<vfs::Resolved, int> GuestView::resolve(pid_t tid, pid_t tgid,
                                                     const std::string& path,
                                                     const vfs::GuestPath& base,
                                                     vfs::ResolveFlags flags) const {
  const TraceeFilesystem tracee_fs(fs_, tid, tgid);
  const std::optional<PassingFilesystem> passing =
      override_ ? std::optional<PassingFilesystem>(std::in_place, tracee_fs, *override_, tgid) : std::nullopt;
  const vfs::Filesystem& host_fs = passing ? static_cast<const vfs::Filesystem&>(*passing) : tracee_fs;
  if (!has_unions(tgid)) return resolve_in(host_fs, tid, tgid, path, base, flags);
  const vfs::UnionFilesystem fs(host_fs, table(tgid));
  auto r = resolve_in(fs, tid, tgid, path, base, flags);
  if (!r || r->mount.kind != vfs::MountKind::kOverlay) return r;
  if (r->kind == vfs::EntryKind::kUnknown) r->kind = fs.kind(r->host).value_or(vfs::EntryKind::kMissing);
  r->host = fs.real(r->host);
  r->plain = false;
  return r;
}

bool GuestView::has_unions(pid_t tgid) const {
  for (const vfs::Mount& m : table(tgid).mounts()) {
    if (m.kind == vfs::MountKind::kOverlay) return true;
  }
  return false;
}

std::expected<vfs::Resolved, int> GuestView::resolve_in(const vfs::Filesystem& fs, pid_t tid,
                                                        pid_t tgid, const std::string& path,
                                                        const vfs::GuestPath& base,
                                                        vfs::ResolveFlags flags) const {
  const vfs::Resolver resolver(table(tgid), fs);
  // A name relative to a directory in /proc ("self/fd", "123/stat" from
  // /proc): "self" must name the tracee, not cocoon, whose /proc/self the
  // resolver would read.
  const auto pid_ns = ns_ ? ns_->proc_pid_ns(tgid) : nullptr;
  std::string full = path;
  if (path.front() != '/' && (base.str() == "/proc" || base.str().starts_with("/proc/"))) {
    full = base.str() + "/" + path;
  }
  if (!full.starts_with("/proc/")) return resolver.resolve(vfs::GuestPath(path), base, flags);
  std::string target = retarget_proc_self(full, tid, tgid);
  if (pid_ns && target == full) target = retarget_proc_pids(full, *pid_ns);
  // /proc/PID/ns/KIND is a magic link to the kernel's namespace; with
  // emulated namespaces it names the file that stands for the emulated one
  // (namespace_file()), found by the link's own path.
  if (ns_ && is_ns_link(target)) flags.follow_last = false;
  auto r = resolver.resolve(vfs::GuestPath(target), base, flags);
  // The kernel, given the guest's own name, would reach another process.
  if (r && pid_ns && target != full) r->plain = false;
  return r;
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
    auto dir = base_dir(tid, dirfd, /*check_dir=*/false, tgid);
    if (!dir) return std::unexpected(dir.error());
    base = *dir;
  }
  auto r = resolve(tid, tgid, path, base, flags);
  if (from_dirfd && dirfd != AT_FDCWD && !(r && r->plain)) {
    if (int err = dir_fd_error(tid, dirfd)) return std::unexpected(err);
  }
  return r;
}

bool GuestView::kernel_walks_alike(const std::string& path, const vfs::Resolved& r,
                                   pid_t tgid) const {
  if (!r.plain) return false;
  return path.front() != '/' || table(tgid).root().source.str() == "/";
}

std::optional<Substitute> GuestView::overlay(const std::string& host, pid_t tgid,
                                             Reach reach) const {
  for (const auto& o : overlays_) {
    if (auto sub = o->lookup(host, tgid, reach)) return sub;
  }
  return std::nullopt;
}

std::vector<std::string> GuestView::overlay_files() const {
  std::vector<std::string> out;
  for (const auto& o : overlays_) {
    for (auto& f : o->files()) out.push_back(std::move(f));
  }
  return out;
}

std::string GuestView::to_guest(const std::string& host, pid_t tgid) const {
  if (host.empty() || host.front() != '/') return host;  // "pipe:[123]", "anon_inode:..."
  if (auto g = table(tgid).to_guest(host)) {
    if (auto pid_ns = ns_ && tgid > 0 ? ns_->proc_pid_ns(tgid) : nullptr) {
      return virtualize_proc_pids(g->str(), *pid_ns);
    }
    return g->str();
  }
  return "(unreachable)" + host;
}

void GuestView::set_loader_cmdlines(std::shared_ptr<LoaderCmdlines> cmdlines) {
  loader_cmdlines_ = cmdlines;
  add_overlay(std::move(cmdlines));
}

void GuestView::set_status_files(std::shared_ptr<ProcStatusFiles> files) {
  status_files_ = files;
  add_overlay(std::move(files));
}

}  // namespace cocoon::syscalls
