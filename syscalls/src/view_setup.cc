#include "view_setup.h"

#include "namespaces/ipc_isolation.h"
#include "namespaces/namespaces.h"
#include "pids/pid_namespace.h"
#include "pids/proc_pids.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>

#include "cocoon/tracer/log.h"
#include "uts.h"
#include "cocoon/vfs/mount_report.h"
#include "landlock.h"

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

std::expected<std::unique_ptr<ScratchDir>, std::string> ScratchDir::create() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string tmpdir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
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

// The guest's /proc/PID/mounts and mountinfo, written once: the table does
// not change during a run.
std::expected<std::pair<std::string, std::string>, std::string> write_proc_mount_files(
    ScratchDir& scratch, const vfs::MountTable& table) {
  auto dir = scratch.make_subdir("proc");
  if (!dir) return std::unexpected(dir.error());
  const std::pair<std::string, std::string> files{*dir + "/mounts", *dir + "/mountinfo"};
  for (const auto& [path, text] : {std::pair{files.first, vfs::format_mounts(table)},
                                   std::pair{files.second, vfs::format_mountinfo(table)}}) {
    std::ofstream out(path);
    out << text;
    if (!out) return std::unexpected("cannot write " + path);
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  return files;
}

std::expected<std::string, std::string> host_cwd_of(const GuestView& view,
                                                    const std::optional<std::string>& wanted) {
  std::string guest = "/";
  if (wanted) {
    guest = *wanted;
  } else if (char* here = ::getcwd(nullptr, 0)) {
    if (auto g = view.table().to_guest(here)) guest = g->str();
    std::free(here);
  }
  auto r = view.resolve(::getpid(), ::getpid(), guest, vfs::GuestPath("/"), {});
  if (!r) return std::unexpected("working directory '" + guest + "': " + std::strerror(r.error()));
  if (r->kind != vfs::EntryKind::kDirectory) {
    const int err = r->kind == vfs::EntryKind::kMissing ? ENOENT : ENOTDIR;
    return std::unexpected("working directory '" + guest + "': " + std::strerror(err));
  }
  return r->host.str();
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

// --chmod: the mode of what `guest` is in the finished view.
std::expected<void, std::string> apply_chmod(const vfs::MountTable& table, const std::string& guest,
                                             unsigned mode) {
  const vfs::HostFilesystem host;
  const vfs::Resolver resolver(table, host);
  vfs::ResolveFlags flags;
  flags.follow_last = true;
  auto r = resolver.resolve(vfs::GuestPath(guest), vfs::GuestPath("/"), flags);
  if (!r || r->kind == vfs::EntryKind::kMissing || ::chmod(r->host.c_str(), mode) != 0) {
    return std::unexpected("--chmod " + guest + ": cannot change its mode");
  }
  return {};
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
    view.set_generated_file(proc, file);
  }
  return {};
}

}  // namespace

std::expected<ViewSetup, std::string> build_view(const RunConfig& config) {
  ViewSetup out;
  const vfs::HostFilesystem host;
  std::unique_ptr<ScratchDir> early;
  std::string root = config.rootfs.empty() ? "/" : config.rootfs;
  if (config.empty_root) {
    auto scratch = ScratchDir::create();
    if (!scratch) return std::unexpected(scratch.error());
    auto dir = (*scratch)->make_subdir("root");
    if (!dir) return std::unexpected(dir.error());
    root = *dir;
    early = std::move(*scratch);
  }
  auto table = vfs::make_mount_table(host, root, config.rootfs_read_only);
  if (!table) return std::unexpected(table.error());
  out.scratch = std::move(early);
  // The host's own view (GuestView::is_identity) needs no scratch directory,
  // unless emulated names need files that /proc/sys/kernel's stand for.
  if (!out.scratch && (!config.mounts.empty() || table->root().source.str() != "/" || config.uts() ||
                       config.emulates_namespaces())) {
    auto scratch = ScratchDir::create();
    if (!scratch) return std::unexpected(scratch.error());
    out.scratch = std::move(*scratch);
  }
  for (const vfs::MountSpec& given : config.mounts) {
    for (vfs::MountSpec spec : expand_dev(given)) {
      if (spec.kind == vfs::MountKind::kTmpfs || spec.kind == vfs::MountKind::kDir ||
          (spec.kind == vfs::MountKind::kDev && spec.source.empty())) {
        auto dir = out.scratch->make_subdir(spec.kind == vfs::MountKind::kTmpfs ? "tmpfs"
                                            : spec.kind == vfs::MountKind::kDir ? "dir"
                                                                                : "dev");
        if (!dir) return std::unexpected(dir.error());
        spec.source = *dir;
        if (spec.mode) ::chmod(dir->c_str(), *spec.mode);
      }
      if (spec.data) {
        auto file = write_data_file(*out.scratch, *spec.data, spec.mode.value_or(0666));
        if (!file) return std::unexpected(file.error());
        spec.source = *file;
      }
      if (spec.remount_read_only && table->make_read_only(spec.target)) continue;
      if (spec.remount_read_only) {
        // Not a mount point: what the target is in the view so far,
        // mounted again, read-only.
        const vfs::Resolver resolver(*table, host);
        auto r = resolver.resolve(vfs::GuestPath(spec.target), vfs::GuestPath("/"), {});
        if (!r || r->kind == vfs::EntryKind::kMissing) {
          return std::unexpected("--remount-ro " + spec.target + ": no such file or directory");
        }
        spec.source = r->host.str();
        spec.read_only = true;
      }
      if (spec.kind == vfs::MountKind::kProc && spec.source.empty()) spec.source = "/proc";
      if (auto added = vfs::add_mount(*table, host, spec); !added) {
        return std::unexpected(added.error());
      }
    }
  }
  if (out.scratch) {
    auto placeholder = out.scratch->make_subdir("placeholder");
    if (!placeholder) return std::unexpected(placeholder.error());
    // One directory per synthetic guest directory, so each maps back.
    for (const std::string& guest : table->mount_ancestors()) {
      std::error_code ec;
      fs::create_directories(*placeholder + guest, ec);
      if (ec) return std::unexpected("cannot create " + *placeholder + guest + ": " + ec.message());
    }
    table->set_placeholder(vfs::HostPath(*placeholder));
  }
  for (const auto& [guest, mode] : config.chmods) {
    if (auto r = apply_chmod(*table, guest, mode); !r) return std::unexpected(r.error());
  }
  auto view = std::make_shared<GuestView>(std::move(*table));
  if (out.scratch) {
    auto files = write_proc_mount_files(*out.scratch, view->table());
    if (!files) return std::unexpected(files.error());
    view->set_proc_mount_files(files->first, files->second);
    // Short: its links stand in for long socket paths (unix_address.h).
    view->set_socket_link_dir((out.scratch->path() / "u").string());
  }
  if (config.uts()) {
    if (auto r = write_uts_files(*out.scratch, config, *view); !r) return std::unexpected(r.error());
  }
  std::vector<std::string> readable = view->proc_mount_files();
  if (config.emulates_namespaces()) {
    auto dir = out.scratch->make_subdir("pids");
    if (!dir) return std::unexpected(dir.error());
    auto root = config.unshare_pid ? std::make_shared<PidNamespace>(config.first_pid) : nullptr;
    auto ns = std::make_shared<NamespaceState>(std::move(root));
    if (config.unshare_net) ns->start_in_new(NsKind::kNet);
    if (config.unshare_ipc) ns->start_in_new(NsKind::kIpc);
    if (config.unshare_cgroup) ns->start_in_new(NsKind::kCgroup);
    view->add_file_generator(
        [ns, d = *dir](const std::string& host, pid_t tgid) { return sysvipc_file(*ns, d, host, tgid); });
    view->add_file_generator(proc_file_generator(ns, *dir));
    readable.push_back(*dir);
    auto nsdir = out.scratch->make_subdir("ns");
    if (!nsdir) return std::unexpected(nsdir.error());
    fs::create_directories(*nsdir + "/nsfile");
    view->add_file_generator([ns, d = *nsdir](const std::string& host, pid_t tgid) {
      auto f = namespace_cgroup_file(*ns, d, host, tgid);
      return f.empty() ? namespace_file(*ns, d, host) : f;
    });
    view->set_writable_generator(
        [ns, d = *nsdir](const std::string& host) { return namespace_map_file(*ns, d, host); });
    view->set_link_answer([ns](const std::string& host) { return namespace_link(*ns, host); });
    readable.push_back(*nsdir);
    if (config.namespaces) {
      auto mounts = out.scratch->make_subdir("mounts");
      if (!mounts) return std::unexpected(mounts.error());
      view->set_runtime_dir(*mounts);
      readable.push_back(*mounts);
    }
    view->set_namespaces(ns, ns);
  }
  if (!view->is_identity() || config.cwd) {
    auto cwd = host_cwd_of(*view, config.cwd);
    if (!cwd) return std::unexpected(cwd.error());
    out.host_cwd = *cwd;
  }
  if (config.landlock && !view->is_identity()) {
    std::vector<std::string> files = readable;
    for (const auto& [host, file] : view->generated_files()) files.push_back(file);
    auto ll = make_landlock(view->table(), files);
    if (!ll) return std::unexpected(ll.error());
    if (ll->fd.fd < 0) {
      tracer::module_logger("vfs")->warn("{}: the guest's filesystem view is enforced by path "
                                         "rewriting alone (docs/threat-model.md)", ll->missing);
    }
    out.landlock = std::move(ll->fd);
  }
  out.view = std::move(view);
  return out;
}

}  // namespace cocoon::syscalls
