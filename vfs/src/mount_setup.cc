#include "cocoon/vfs/mount_setup.h"

#include <cerrno>
#include <cstring>

#include "cocoon/vfs/resolver.h"

namespace cocoon::vfs {
namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string reason(int err) { return std::strerror(err); }

// The target as mount(2) would see it: symlinks on the way followed in the
// guest view built so far (the last one too, as mount(2) follows it, except
// for a --symlink, which is created at the path itself).
// A missing directory on the way is fine: the table makes it synthetic.
std::expected<std::pair<std::string, EntryKind>, std::string> resolve_target(
    const MountTable& table, const Filesystem& fs, const std::string& target, bool follow) {
  const GuestPath lexical(normalize_lexically(target));
  auto r = Resolver(table, fs).resolve(lexical, GuestPath("/"), {.follow_last = follow});
  if (r) return std::pair{r->guest.str(), r->kind};
  if (r.error() == ENOENT) return std::pair{lexical.str(), EntryKind::kMissing};
  return std::unexpected("mount target " + quoted(target) + ": " + reason(r.error()));
}

// A union's layers, canonical, upper first, then the lower ones from the
// top (the last given) down.
std::expected<void, std::string> add_layers(Mount& m, const Filesystem& fs, const MountSpec& spec) {
  std::vector<std::string> given;
  if (!spec.upper.empty()) given.push_back(spec.upper);
  given.insert(given.end(), spec.lowers.rbegin(), spec.lowers.rend());
  for (const std::string& dir : given) {
    auto layer = fs.canonical(HostPath(dir));
    if (!layer) return std::unexpected("overlay source " + quoted(dir) + ": " + reason(layer.error()));
    auto k = fs.kind(*layer);
    if (!k || *k != EntryKind::kDirectory) {
      return std::unexpected("overlay source " + quoted(dir) + ": " + reason(ENOTDIR));
    }
    m.layers.push_back(std::move(*layer));
  }
  m.has_upper = !spec.upper.empty();
  if (!spec.work.empty()) {
    auto work = fs.canonical(HostPath(spec.work));
    if (!work) return std::unexpected("overlay work directory " + quoted(spec.work) + ": " + reason(work.error()));
    m.work = *work;
  }
  return {};
}

}  // namespace

std::expected<MountTable, std::string> make_mount_table(const Filesystem& fs,
                                                        const std::string& root_dir,
                                                        bool read_only) {
  auto root = fs.canonical(HostPath(root_dir));
  if (!root) return std::unexpected("root " + quoted(root_dir) + ": " + reason(root.error()));
  auto k = fs.kind(*root);
  if (!k || *k != EntryKind::kDirectory) {
    return std::unexpected("root " + quoted(root_dir) + " is not a directory");
  }
  return MountTable(*root, read_only);
}

std::expected<bool, std::string> add_mount(MountTable& table, const Filesystem& fs,
                                           const MountSpec& spec) {
  if (spec.target.empty() || spec.target.front() != '/') {
    return std::unexpected("mount target " + quoted(spec.target) + " is not an absolute path");
  }
  Mount m{GuestPath(spec.target), HostPath(), spec.kind, spec.read_only, true, spec.symlink_target};
  m.no_devices = spec.no_devices;
  if (spec.kind != MountKind::kSymlink) {
    auto source = fs.canonical(HostPath(spec.source));
    if (!source && source.error() == ENOENT && spec.optional) return false;
    if (!source) {
      return std::unexpected("mount source " + quoted(spec.source) + ": " + reason(source.error()));
    }
    auto k = fs.kind(*source);
    m.source = *source;
    m.directory = k && *k == EntryKind::kDirectory;
    // A bind of the host's /proc (PRoot's -R, `-b /proc`) is the proc
    // filesystem --proc mounts, as the kernel reports a bind of it: the
    // resolver tells its magic links apart by that.
    if (m.kind == MountKind::kBind && m.source.str() == "/proc") m.kind = MountKind::kProc;
  }
  if (spec.kind == MountKind::kOverlay) {
    if (auto layers = add_layers(m, fs, spec); !layers) return std::unexpected(layers.error());
  }
  auto target = resolve_target(table, fs, spec.target, spec.kind != MountKind::kSymlink);
  if (!target) return std::unexpected(target.error());
  const auto& [guest, existing] = *target;
  // bwrap's --symlink is symlink(2): anything already there is EEXIST
  // (bubblewrap 0.8 refuses even the same link again).
  if (spec.kind == MountKind::kSymlink && existing != EntryKind::kMissing) {
    // bubblewrap's words (setup_newroot(), bubblewrap.c).
    return std::unexpected("Can't make symlink at " + spec.target + ": " + reason(EEXIST));
  }
  if (spec.kind != MountKind::kSymlink && existing != EntryKind::kMissing &&
      (existing == EntryKind::kDirectory) != m.directory) {
    return std::unexpected("cannot mount " + quoted(spec.source) + " on " + quoted(guest) + ": " +
                           (m.directory ? "a directory over a non-directory"
                                        : "a non-directory over a directory"));
  }
  m.target = GuestPath(guest);
  if (auto added = table.add(std::move(m)); !added) return std::unexpected(added.error());
  return true;
}

}  // namespace cocoon::vfs
