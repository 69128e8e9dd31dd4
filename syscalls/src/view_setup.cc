#include "view_setup.h"

#include "emulated_kinds.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "cocoon/arch/kernel.h"
#include "cocoon/tracer/log.h"
#include "exec/exec_foreign.h"
#include "exec/foreign_cpuinfo.h"
#include "exec/loader_cmdline.h"
#include "namespaces/uts.h"
#include "cocoon/vfs/mount_report.h"
#include "view/landlock.h"
#include "view/proc_path.h"
#include "view/proc_status.h"

namespace cocoon::syscalls {

namespace fs = std::filesystem;

namespace {

// --dev GUEST: what bubblewrap's --dev makes (setup_newroot(), bubblewrap.c)
// instead of the host's whole /dev: an empty directory with the harmless
// devices bound in, a private shm, the host's pts for terminals, and the
// usual symlinks. The host's disks, consoles and the rest stay out of view.
// Differences: the directory belongs to the guest's user, and pts is the
// host's (one devpts instance needs mount(2)).
std::vector<vfs::MountSpec> expand_dev(const vfs::MountSpec& spec) {
  if (spec.kind != vfs::MountKind::kDev || !spec.source.empty()) return {spec};
  using K = vfs::MountKind;
  const std::string& d = spec.target;
  std::vector<vfs::MountSpec> out{{K::kDev, "", d}};
  for (const char* dev : {"null", "zero", "full", "random", "urandom", "tty"}) {
    out.push_back({K::kBind, std::string("/dev/") + dev, d + "/" + dev, false, true});
  }
  out.push_back({K::kBind, "/dev/pts", d + "/pts", false, true});
  // bwrap mounts a devpts of its own (ptmxmode=0666); the host's /dev/pts
  // has ptmx mode 0 (devpts(5): ptmxmode=000 by default), so /dev/ptmx
  // (-> pts/ptmx) would be EACCES. The host's /dev/ptmx node (0666) stands
  // in for it: opening it takes the devpts at "pts" beside it (the host's,
  // the one bound here: devpts_acquire()), so the slave shows in /dev/pts.
  out.push_back({K::kBind, "/dev/ptmx", d + "/pts/ptmx", false, true});
  out.push_back({K::kTmpfs, "", d + "/shm"});
  const std::pair<const char*, const char*> links[] = {
      {"fd", "/proc/self/fd"},         {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},          {"core", "/proc/kcore"}};
  for (const auto& [name, target] : links) {
    out.push_back({K::kSymlink, "", d + "/" + name, false, false, target});
  }
  return out;
}

// A SIGKILLed cocoon cannot remove its scratch directory; the next run in
// the same $TMPDIR does: "cocoon.PID.XXXXXX" of this user whose PID is gone.
// A live PID (cocoon or not, should it have been reused) is left alone.
void remove_orphans(const std::string& tmpdir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmpdir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("cocoon.")) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + 7, &end, 10);
    if (pid <= 0 || end == nullptr || *end != '.') continue;
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
      continue;
    }
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    tracer::module_logger("vfs")->info("removing {}, left by a killed cocoon", entry.path().string());
    fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

std::string tmp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::expected<std::unique_ptr<ScratchDir>, std::string> ScratchDir::create() {
  const std::string tmpdir = tmp_dir();
  remove_orphans(tmpdir);
  std::string tmpl = tmpdir + "/cocoon." + std::to_string(::getpid()) + ".XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return std::unexpected("cannot create a scratch directory in " + tmpl + ": " +
                           std::strerror(errno));
  }
  tracer::module_logger("vfs")->debug("scratch directory {}", tmpl);
  return std::unique_ptr<ScratchDir>(new ScratchDir(tmpl));
}

// remove_all does not follow symlinks: what the guest left in a --tmpfs,
// links included, goes; the links' targets stay.
ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::expected<std::string, std::string> ScratchDir::make_subdir(const std::string& hint) {
  const fs::path p = path_ / (std::to_string(next_++) + "-" + hint);
  std::error_code ec;
  if (!fs::create_directory(p, ec)) return std::unexpected("cannot create " + p.string() + ": " + ec.message());
  // A tmpfs is world-writable with the sticky bit, like /tmp; --dir 0755.
  fs::permissions(p, hint == "tmpfs" ? fs::perms::all | fs::perms::sticky_bit
                                     : fs::perms::owner_all | fs::perms::group_read |
                                           fs::perms::group_exec | fs::perms::others_read |
                                           fs::perms::others_exec,
                  ec);
  return p.string();
}

namespace {

// Files written once into the scratch directory's proc/, read-only (what
// they stand for does not change during a run: the guest's mount table,
// bwrap's namespace maps): for each name, its text; the host paths
// written, by "/NAME".
std::expected<std::map<std::string, std::string>, std::string> write_proc_files(
    ScratchDir& scratch, const std::map<std::string, std::string>& texts) {
  auto dir = scratch.make_subdir("proc");
  if (!dir) return std::unexpected(dir.error());
  std::map<std::string, std::string> files;
  for (const auto& [name, text] : texts) {
    const std::string path = *dir + "/" + name;
    std::ofstream out(path);
    out << text;
    if (!out) return std::unexpected("cannot write " + path);
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    files["/" + name] = path;
  }
  return files;
}

// What bwrap's user namespace shows of itself in /proc/PID/uid_map,
// gid_map and setgroups (user_namespaces(7)): the one id mapped to the
// caller's, as an unprivileged writer may map it, with setgroups denied
// first, as it must then be.
std::map<std::string, std::string> own_user_ns_texts(std::pair<std::uint32_t, std::uint32_t> inside) {
  const auto line = [](std::uint32_t in, std::uint32_t out) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%10u %10u %10u\n", in, out, 1U);  // uid_m_show()'s format
    return std::string(buf);
  };
  return {{"uid_map", line(inside.first, ::getuid())},
          {"gid_map", line(inside.second, ::getgid())},
          {"setgroups", "deny\n"}};
}

// The directory `guest` names in the view: (guest, host), canonical; an
// errno when it is missing or not a directory.
std::expected<std::pair<std::string, std::string>, int> directory_of(const GuestView& view,
                                                                    const std::string& guest) {
  auto r = view.resolve(::getpid(), ::getpid(), guest, vfs::GuestPath("/"), {});
  if (!r) return std::unexpected(r.error());
  if (r->kind != vfs::EntryKind::kDirectory) {
    return std::unexpected(r->kind == vfs::EntryKind::kMissing ? ENOENT : ENOTDIR);
  }
  return std::pair{r->guest.str(), r->host.str()};
}

// Where the command starts: (guest, host).
std::expected<std::pair<std::string, std::string>, std::string> cwd_of(const GuestView& view,
                                                                      const RunConfig& config) {
  std::string guest = "/";
  if (config.cwd) {
    guest = *config.cwd;
  } else if (char* here = ::getcwd(nullptr, 0)) {
    if (auto g = view.table().to_guest(here)) guest = g->str();
    std::free(here);
  }
  auto dir = directory_of(view, guest);
  if (dir) return *dir;
  // bwrap's words (bwrap.c), which name the failure as well as any.
  const std::string why = "Can't chdir to " + guest + ": " + std::strerror(dir.error());
  if (!config.cwd_falls_back) return std::unexpected(why);
  tracer::module_logger("vfs")->warn("{}; starting in / instead", why);
  auto root = directory_of(view, "/");
  if (!root) return std::unexpected("Can't chdir to /: " + std::string(std::strerror(root.error())));
  return *root;
}

// A file with `data` in the scratch directory, for a --file or
// --bind-data bind.
std::expected<std::string, std::string> write_data_file(ScratchDir& scratch,
                                                        const std::string& data, unsigned mode) {
  auto dir = scratch.make_subdir("data");
  if (!dir) return std::unexpected(dir.error());
  const std::string file = *dir + "/file";
  std::ofstream out(file, std::ios::binary);
  out << data;
  if (!out) return std::unexpected("cannot write " + file);
  out.close();
  ::chmod(file.c_str(), mode);
  return file;
}

// --chmod: the mode of what `guest` is in the finished view, as bwrap's
// chmod(2) through its mounts: on a read-only mount EROFS (the file behind
// a read-only bind is the host's and stays as it is). bwrap's words.
std::expected<void, std::string> apply_chmod(const vfs::MountTable& table, const std::string& guest,
                                             unsigned mode) {
  const vfs::HostFilesystem host;
  const vfs::Resolver resolver(table, host);
  vfs::ResolveFlags flags;
  flags.follow_last = true;
  auto r = resolver.resolve(vfs::GuestPath(guest), vfs::GuestPath("/"), flags);
  int err = 0;
  if (!r) err = r.error();
  else if (r->kind == vfs::EntryKind::kMissing) err = ENOENT;
  else if (r->mount.read_only) err = EROFS;
  else if (::chmod(r->host.c_str(), mode) != 0) err = errno;
  if (err == 0) return {};
  char octal[16];
  std::snprintf(octal, sizeof octal, "%#o", mode);
  return std::unexpected("Can't chmod " + std::string(octal) + " " + guest + ": " + std::strerror(err));
}

// The files /proc/sys/kernel/{hostname,domainname,osrelease} stand for
// under UTS emulation (the Uts handler rewrites them on sethostname).
std::expected<void, std::string> write_uts_files(ScratchDir& scratch, const RunConfig& config,
                                                 GuestView& view) {
  auto dir = scratch.make_subdir("uts");
  if (!dir) return std::unexpected(dir.error());
  struct utsname u {};
  ::uname(&u);
  const std::pair<const char*, std::string> files[] = {
      {kProcHostname, config.hostname.value_or(u.nodename)},
      {kProcDomainname, config.domainname.value_or(u.domainname)},
      {kProcOsrelease, config.kernel_release.value_or(u.release)}};
  for (const auto& [proc, value] : files) {
    const std::string file = *dir + "/" + fs::path(proc).filename().string();
    std::ofstream out(file);
    out << value << '\n';
    if (!out) return std::unexpected("cannot write " + file);
    ::chmod(file.c_str(), 0644);
    view.fixed_files().set(proc, file);
  }
  return {};
}

// Files standing for /proc/PID/NAME, also under task/TID/, whatever the
// PID (/proc/mounts and /proc/self/... resolve to these): by "/NAME", the
// file the session wrote. /proc/PID/mounts and mountinfo (the guest's
// table, vfs/mount_report.h), and the user namespace's maps of bwrap's
// --unshare-user.
class ProcPidFiles final : public ProcOverlay {
 public:
  explicit ProcPidFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  std::optional<Substitute> lookup(const std::string& host, pid_t, Reach reach) const override {
    auto p = reach == Reach::kReadlink ? std::nullopt : parse_proc_task_path(host);
    if (!p) return std::nullopt;
    auto it = files_.find(p->rest);
    if (it == files_.end()) return std::nullopt;
    return Substitute{Substitute::Kind::kFile, it->second};
  }
  std::vector<std::string> files() const override {
    std::vector<std::string> out;
    for (const auto& [name, file] : files_) out.push_back(file);
    return out;
  }

 private:
  std::map<std::string, std::string> files_;
};

// The mount table of the guest's root before the mounts (the rootfs, the
// host's /, or bwrap's empty directory in the scratch one), and the scratch
// directory if the view needs one: the host's own view
// (GuestView::is_identity) needs none, unless emulated names need files that
// /proc/sys/kernel's stand for.
std::expected<vfs::MountTable, std::string> make_root(const RunConfig& config,
                                                      const vfs::HostFilesystem& host,
                                                      std::unique_ptr<ScratchDir>& scratch) {
  std::string root = config.rootfs.empty() ? "/" : config.rootfs;
  if (config.empty_root) {
    auto made = ScratchDir::create();
    if (!made) return std::unexpected(made.error());
    auto dir = (*made)->make_subdir("root");
    if (!dir) return std::unexpected(dir.error());
    root = *dir;
    scratch = std::move(*made);
  }
  auto table = vfs::make_mount_table(host, root, config.rootfs_read_only);
  if (!table) return std::unexpected(table.error());
  table->set_root_no_devices(config.rootfs_no_devices);
  if (!scratch && (!config.mounts.empty() || table->root().source.str() != "/" || config.uts() ||
                   emulates_namespaces(config) || config.emulator_named())) {
    auto made = ScratchDir::create();
    if (!made) return std::unexpected(made.error());
    scratch = std::move(*made);
  }
  return table;
}

// MountSpec::on_underlying_fs: the host directory `target`'s parent is, if
// it lies on a writable mount whose tree is a real directory (the session's
// scratch ones included: a --dir in a --tmpfs is a directory in it, as in
// bwrap's tmpfs); nullopt otherwise. Missing parents are made with
// `parent_mode`, as bwrap's mkdir -p does (with --dir's --perms).
std::optional<std::string> writable_parent(const vfs::MountTable& table,
                                           const vfs::HostFilesystem& host,
                                           const std::string& target, unsigned parent_mode) {
  const std::string lexical = vfs::normalize_lexically(target);
  const auto slash = lexical.rfind('/');
  if (lexical == "/" || slash == std::string::npos) return std::nullopt;
  const std::string parent = slash == 0 ? "/" : lexical.substr(0, slash);
  const vfs::Resolver resolver(table, host);
  const auto resolve = [&] {
    return resolver.resolve(vfs::GuestPath(parent), vfs::GuestPath("/"), {.follow_last = true});
  };
  if (auto missing = resolve(); missing && missing->kind == vfs::EntryKind::kMissing) {
    // bwrap makes the missing parents too (mkdir -p).
    auto grandparent = writable_parent(table, host, parent, parent_mode);
    if (!grandparent || ::mkdir(grandparent->c_str(), 0700) != 0) return std::nullopt;
    ::chmod(grandparent->c_str(), parent_mode);  // mkdir(2) takes the umask off
  }
  auto r = resolve();
  if (!r || r->kind != vfs::EntryKind::kDirectory || r->mount.read_only) return std::nullopt;
  using K = vfs::MountKind;
  const K k = r->mount.kind;
  if (k != K::kRoot && k != K::kBind && k != K::kTmpfs && k != K::kDir) return std::nullopt;
  return r->host.str() + "/" + lexical.substr(slash + 1);
}

// bwrap's --dir, --symlink and mount points on a writable filesystem
// (setup_newroot(), bubblewrap.c): made there, so they outlive the run
// as bwrap's do. True when `spec` is done (a --dir or --symlink made);
// false when the table must still hold it. A --symlink onto anything is
// EEXIST, as symlink(2)'s.
std::expected<bool, std::string> make_on_underlying_fs(const vfs::MountTable& table,
                                                       const vfs::HostFilesystem& host,
                                                       const vfs::MountSpec& spec) {
  const unsigned dir_mode = spec.kind == vfs::MountKind::kDir ? spec.mode.value_or(0755) : 0755;
  auto at = writable_parent(table, host, spec.target, dir_mode);
  if (!at) return false;
  struct stat st {};
  const bool exists = ::lstat(at->c_str(), &st) == 0;
  switch (spec.kind) {
    case vfs::MountKind::kSymlink:
      if (exists) return std::unexpected("Can't make symlink at " + spec.target + ": " + std::strerror(EEXIST));
      return ::symlink(spec.symlink_target.c_str(), at->c_str()) == 0;
    case vfs::MountKind::kDir:
      if (exists && S_ISDIR(st.st_mode)) return true;
      if (exists || ::mkdir(at->c_str(), 0700) != 0) return false;
      ::chmod(at->c_str(), dir_mode);  // mkdir(2) takes the umask off; --perms is exact
      return true;
    default:
      break;
  }
  if (!exists && !spec.data && !spec.remount_read_only) {
    // A mount point: a directory, or an empty file for a file (0444, as
    // bwrap's ensure_file()).
    struct stat src {};
    const bool dir = spec.source.empty() || (::stat(spec.source.c_str(), &src) == 0 && S_ISDIR(src.st_mode));
    if (dir) ::mkdir(at->c_str(), 0755);
    else if (int fd = ::open(at->c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444); fd >= 0) ::close(fd);
  }
  return false;
}

// A union (vfs/union.h): the empty directory that names it (its source),
// and for --tmp-overlay an upper layer and a work directory in the scratch
// directory, gone with it when the run ends.
std::expected<void, std::string> make_union_dirs(vfs::MountSpec& spec, ScratchDir& scratch) {
  auto name = scratch.make_subdir("union");
  if (!name) return std::unexpected(name.error());
  spec.source = *name;
  if (!spec.upper.empty() || spec.read_only) return {};
  auto upper = scratch.make_subdir("upper");
  if (!upper) return std::unexpected(upper.error());
  auto work = scratch.make_subdir("work");
  if (!work) return std::unexpected(work.error());
  spec.upper = *upper;
  spec.work = *work;
  return {};
}

// One mount (a --dev expanded to its parts): what it needs made in the
// scratch directory first, then added to `table`.
std::expected<void, std::string> add_one_mount(vfs::MountSpec spec, vfs::MountTable& table,
                                               const vfs::HostFilesystem& host,
                                               ScratchDir& scratch) {
  if (spec.on_underlying_fs) {
    auto done = make_on_underlying_fs(table, host, spec);
    if (!done) return std::unexpected(done.error());
    if (*done) return {};
  }
  if (spec.kind == vfs::MountKind::kTmpfs || spec.kind == vfs::MountKind::kDir ||
      (spec.kind == vfs::MountKind::kDev && spec.source.empty())) {
    auto dir = scratch.make_subdir(spec.kind == vfs::MountKind::kTmpfs ? "tmpfs"
                                   : spec.kind == vfs::MountKind::kDir ? "dir"
                                                                       : "dev");
    if (!dir) return std::unexpected(dir.error());
    spec.source = *dir;
    if (spec.mode) ::chmod(dir->c_str(), *spec.mode);
  }
  if (spec.kind == vfs::MountKind::kOverlay) {
    if (auto made = make_union_dirs(spec, scratch); !made) return made;
  }
  if (spec.data) {
    auto file = write_data_file(scratch, *spec.data, spec.mode.value_or(0666));
    if (!file) return std::unexpected(file.error());
    spec.source = *file;
  }
  if (spec.remount_read_only && table.make_read_only(spec.target)) return {};
  if (spec.remount_read_only) {
    // Not a mount point: what the target is in the view so far,
    // mounted again, read-only.
    const vfs::Resolver resolver(table, host);
    auto r = resolver.resolve(vfs::GuestPath(spec.target), vfs::GuestPath("/"), {});
    if (!r || r->kind == vfs::EntryKind::kMissing) {
      return std::unexpected("--remount-ro " + spec.target + ": no such file or directory");
    }
    spec.source = r->host.str();
    spec.read_only = true;
  }
  if (spec.kind == vfs::MountKind::kProc && spec.source.empty()) spec.source = "/proc";
  if (auto added = vfs::add_mount(table, host, spec); !added) return std::unexpected(added.error());
  return {};
}

// One directory per synthetic guest directory (a mount's parent the root
// lacks), so each maps back.
std::expected<void, std::string> add_placeholders(vfs::MountTable& table, ScratchDir& scratch) {
  auto placeholder = scratch.make_subdir("placeholder");
  if (!placeholder) return std::unexpected(placeholder.error());
  for (const std::string& guest : table.mount_ancestors()) {
    std::error_code ec;
    fs::create_directories(*placeholder + guest, ec);
    if (ec) return std::unexpected("cannot create " + *placeholder + guest + ": " + ec.message());
  }
  table.set_placeholder(vfs::HostPath(*placeholder));
  return {};
}

// The finished mount table: the root, the mounts in order, the placeholders,
// the --chmod modes.
std::expected<vfs::MountTable, std::string> make_table(const RunConfig& config,
                                                       std::unique_ptr<ScratchDir>& scratch) {
  const vfs::HostFilesystem host;
  auto table = make_root(config, host, scratch);
  if (!table) return std::unexpected(table.error());
  for (const vfs::MountSpec& given : config.mounts) {
    for (vfs::MountSpec spec : expand_dev(given)) {
      if (auto r = add_one_mount(std::move(spec), *table, host, *scratch); !r) {
        return std::unexpected(r.error());
      }
    }
  }
  if (config.links_in_guest_terms) table->set_links_in_guest_terms();
  if (scratch) {
    if (auto r = add_placeholders(*table, *scratch); !r) return std::unexpected(r.error());
  }
  for (const auto& [guest, mode] : config.chmods) {
    if (auto r = apply_chmod(*table, guest, mode); !r) return std::unexpected(r.error());
  }
  return table;
}

// The view over the finished table, with the directory of its socket
// links.
std::expected<std::shared_ptr<GuestView>, std::string> make_view(
    const RunConfig& config, std::unique_ptr<ScratchDir>& scratch) {
  auto table = make_table(config, scratch);
  if (!table) return std::unexpected(table.error());
  auto view = std::make_shared<GuestView>(std::move(*table));
  if (scratch) {
    // Short: its links stand in for long socket paths (unix_address.h).
    view->set_socket_link_dir((scratch->path() / "u").string());
    view->set_exec_name_prefix((scratch->path() / "x.").string());
  }
  return view;
}

// What a run does where a wall --unshare-net claims would rest on
// translation alone (docs/threat-model.md, "Warn or refuse"): refused in
// one line (status 125) unless the user accepted the race, --allow-races
// (COCOON_ALLOW_RACES=1 for the front ends, whose command lines are the
// tools'); under --strict the reason says so.
bool races_allowed_by_environment() {
  const char* v = std::getenv("COCOON_ALLOW_RACES");
  return v != nullptr && std::string_view(v) == "1";
}

struct RaceRule {
  bool strict = false;
  bool allowed = false;

  std::optional<std::string> refuse(const std::string& why) const {
    if (strict) return "--strict: " + why + " (docs/threat-model.md)";
    if (allowed) return std::nullopt;
    return why + "; --allow-races or COCOON_ALLOW_RACES=1 runs it anyway (docs/threat-model.md)";
  }
};

// The guest confined by Landlock to the view's trees, `readable` and the
// generated files (a view), and kept from abstract sockets made outside
// it (`abstract_scope`: the command in a network namespace of its own).
// Where the kernel cannot (docs/threat-model.md, "Warn or refuse"): a view
// is said at startup and runs (the symlink race is left open, as issue 16
// allows for it), refused under --strict; --unshare-net's abstract names
// are refused unless the user accepts the race (`races`, --allow-races).
std::expected<OwnedFd, std::string> confine(const GuestView& view, std::vector<std::string> readable,
                                            bool abstract_scope, const RaceRule& races) {
  for (auto& file : view.overlay_files()) readable.push_back(std::move(file));
  auto ll = make_landlock(view.is_identity() ? nullptr : &view.table(), readable, abstract_scope);
  if (!ll) return std::unexpected(ll.error());
  const bool unconfined = !view.is_identity() && ll->fd.fd < 0;
  if (races.strict && (unconfined || (abstract_scope && !ll->scoped))) {
    return std::unexpected("--strict: " + ll->missing + ", so the " +
                           (unconfined ? "filesystem view" : "network namespace's abstract names") +
                           " would rest on translation alone (docs/threat-model.md)");
  }
  if (unconfined) {
    tracer::module_logger("vfs")->warn("{}: the guest's filesystem view is enforced by path "
                                       "rewriting alone (docs/threat-model.md)", ll->missing);
  }
  if (abstract_scope && !ll->scoped) {
    const std::string why = ll->missing + ", so --unshare-net's abstract socket names would be kept "
                                          "by translation alone, which a thread of the guest can race";
    if (auto refused = races.refuse(why)) return std::unexpected(*refused);
    tracer::module_logger("vfs")->warn("{}: the network namespace's abstract socket names are "
                                       "kept by translation alone (--allow-races, "
                                       "docs/threat-model.md)",
                                       ll->missing);
  }
  return std::move(ll->fd);
}

// --unshare-net: cocoon makes the namespace's IP calls itself on a
// pidfd_getfd duplicate of the guest's socket (docs/internals/namespaces.md,
// "cocoon makes the IP calls itself"). Before Linux 5.6 there is no
// pidfd_getfd: the translated address goes as a copy below the guest's
// stack, which a sibling thread can overwrite before the kernel reads it
// (adversarial `race`). Refused unless the user accepts the race.
std::expected<void, std::string> ip_calls_held(const RaceRule& races) {
  if (arch::kernel_features().pidfd_getfd) return {};
  const std::string why = "this kernel has no pidfd_getfd (Linux 5.6), so --unshare-net's IP "
                          "addresses would go as a copy a thread of the guest can race";
  if (auto refused = races.refuse(why)) return std::unexpected(*refused);
  tracer::module_logger("syscalls")->warn("{} (--allow-races, docs/threat-model.md)", why);
  return {};
}

// The run's qemu-users (exec_foreign.h): -q's, or those installed when -q
// is "auto" or not given in a run whose root (normalised: -r // is /) is
// not the host's /.
std::expected<Emulators, std::string> emulators_of(const RunConfig& config, const GuestView& view) {
  if (config.emulator == "none") return Emulators{};
  const bool own_root = view.table().root().source.str() != "/";
  if (config.emulator == "auto" || (config.emulator.empty() && own_root)) return Emulators::installed();
  if (config.emulator.empty()) return Emulators{};
  auto emu = find_emulator(config.emulator);
  if (!emu) return std::unexpected(emu.error());
  if (emu->dynamic && !view.is_identity()) {
    tracer::module_logger("syscalls")->warn("-q {}: a dynamic program, whose libraries are "
                                            "looked up in the guest's view; a -static build "
                                            "needs none", emu->host);
  }
  return Emulators::named(std::move(*emu));
}

// The guest's Landlock ruleset (none: fd -1) and, with --unshare-net, the
// IP calls held; `readable`: host files beyond the view the guest reads
// (emulators, namespace files). Refuses --strict beside what it rules out.
std::expected<OwnedFd, std::string> confine_run(const RunConfig& config, const GuestView& view,
                                                std::vector<std::string> readable) {
  // --unshare-net: the whole guest is in its network namespace from the
  // start (a namespace it makes later under --namespaces cannot be scoped
  // from here: landlock_restrict_self(2) is the caller's own).
  const bool abstract_scope = config.unshare_net;
  if (config.strict && !config.landlock) {
    return std::unexpected("--strict and --no-landlock: --strict needs the kernel's confinement");
  }
  if (config.strict && (config.allow_races || races_allowed_by_environment())) {
    return std::unexpected("--strict and --allow-races: the one refuses what the other accepts");
  }
  // COCOON_ALLOW_RACES=1 counts as --allow-races: the front ends (bwrap,
  // OCI) have their tools' command lines, where there is no such option.
  const RaceRule races{config.strict, config.allow_races || races_allowed_by_environment()};
  OwnedFd landlock;
  if (config.landlock && (!view.is_identity() || abstract_scope)) {
    // The agent's owner table, which each process maps by its path: made
    // empty now for Landlock's rule, filled by OwnerTable::create().
    if (config.agent && !config.agent_table.empty() && !view.is_identity()) {
      const OwnedFd table(::open(config.agent_table.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (table.fd >= 0) readable.push_back(config.agent_table);
    }
    auto fd = confine(view, readable, abstract_scope, races);
    if (!fd) return std::unexpected(fd.error());
    landlock = std::move(*fd);
  }
  if (config.unshare_net) {
    if (auto r = ip_calls_held(races); !r) return std::unexpected(r.error());
  }
  return landlock;
}

}  // namespace

std::expected<ViewSetup, std::string> build_view(const RunConfig& config,
                                                 tracer::ProcessRegistry& registry) {
  ViewSetup out;
  auto made = make_view(config, out.scratch);
  if (!made) return std::unexpected(made.error());
  std::shared_ptr<GuestView> view = std::move(*made);
  if (config.uts()) {
    if (auto r = write_uts_files(*out.scratch, config, *view); !r) return std::unexpected(r.error());
  }
  if (out.scratch) {
    auto dir = out.scratch->make_subdir("cmdline");
    if (!dir) return std::unexpected(dir.error());
    view->set_loader_cmdlines(std::make_shared<LoaderCmdlines>(registry, *dir));
    auto status = out.scratch->make_subdir("status");
    if (!status) return std::unexpected(status.error());
    view->set_status_files(std::make_shared<ProcStatusFiles>(*status));
  }
  std::vector<std::string> readable;
  auto emulators = emulators_of(config, *view);
  if (!emulators) return std::unexpected(emulators.error());
  if (!emulators->empty()) {
    for (const Emulator& e : emulators->all()) readable.push_back(e.host);  // exec'd from the host
    auto shared = std::make_shared<const Emulators>(std::move(*emulators));
    if (out.scratch) {
      auto cpuinfo = ForeignCpuinfo::write(*shared, out.scratch->path().string());
      if (!cpuinfo) return std::unexpected(cpuinfo.error());
      if (*cpuinfo) view->add_overlay(*cpuinfo);
    }
    view->set_emulators(std::move(shared));
  }
  if (emulates_namespaces(config)) {
    if (auto r = add_namespaces(config, registry, *view, *out.scratch, readable); !r) {
      return std::unexpected(r.error());
    }
  }
  // Last: an emulated mount namespace's own /proc/PID/mounts (added with
  // the namespaces) comes first.
  if (out.scratch) {
    std::map<std::string, std::string> texts{{"mounts", vfs::format_mounts(view->table())},
                                             {"mountinfo", vfs::format_mountinfo(view->table())}};
    // bwrap's --unshare-user without --namespaces: one namespace for the
    // whole run, its maps fixed (OneIdMap answers for the ids).
    if (config.identity && config.identity->own_user_ns && !config.namespaces) {
      texts.merge(own_user_ns_texts(*config.identity->own_user_ns));
    }
    auto files = write_proc_files(*out.scratch, texts);
    if (!files) return std::unexpected(files.error());
    view->add_overlay(std::make_shared<ProcPidFiles>(std::move(*files)));
  }
  if (!view->is_identity() || config.cwd || config.export_pwd) {
    auto cwd = cwd_of(*view, config);
    if (!cwd) return std::unexpected(cwd.error());
    std::tie(out.guest_cwd, out.host_cwd) = *cwd;
  }
  auto landlock = confine_run(config, *view, std::move(readable));
  if (!landlock) return std::unexpected(landlock.error());
  out.landlock = std::move(*landlock);
  out.view = std::move(view);
  return out;
}

}  // namespace cocoon::syscalls
