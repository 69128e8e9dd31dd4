#include "cocoon/vfs/union.h"

#include <cerrno>
#include <map>
#include <set>

namespace cocoon::vfs {
namespace {

// The next name of `rel` from `at` (advanced past it and its '/').
std::string_view next_name(std::string_view rel, std::size_t& at) {
  const std::size_t end = std::min(rel.find('/', at), rel.size());
  const std::string_view name = rel.substr(at, end - at);
  at = end + 1;
  return name;
}

std::string join(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return std::string(dir) + "/" + std::string(name);
}

bool exists(const Filesystem& fs, const HostPath& p) {
  auto k = fs.kind(p);
  return k && *k != EntryKind::kMissing;
}

// `name` in directory `dir` (relative to the union's root), which merges
// `merged`: overlayfs's ovl_lookup() over the layers, with aufs-style
// whiteouts (union.h).
std::expected<UnionEntry, int> lookup_name(const Filesystem& fs, std::span<const HostPath> layers,
                                           const std::vector<int>& merged, std::string_view dir,
                                           std::string_view name) {
  UnionEntry e;
  if (is_union_private(name)) return e;
  const std::string rel = join(dir, name);
  bool merging = true;
  for (const int l : merged) {
    const HostPath at = layer_path(layers[static_cast<std::size_t>(l)], rel);
    auto k = fs.kind(at);
    if (!k) return std::unexpected(k.error());
    if (*k != EntryKind::kMissing) {
      if (e.layer < 0) {
        e.layer = l;
        e.kind = *k;
      } else {
        e.lower = true;
      }
      if (e.kind != EntryKind::kDirectory) merging = false;
      if (merging && *k == EntryKind::kDirectory) {
        e.merged.push_back(l);
        if (exists(fs, layer_path(layers[static_cast<std::size_t>(l)], join(rel, kOpaqueMarker)))) {
          merging = false;
        }
      }
      if (e.lower && !merging) break;  // all there is to know
    }
    // A whiteout hides the name in the layers below this one.
    const std::string wh = join(dir, whiteout_name(name));
    if (exists(fs, layer_path(layers[static_cast<std::size_t>(l)], wh))) break;
  }
  return e;
}

}  // namespace

bool is_union_private(std::string_view name) { return name.starts_with(kWhiteoutPrefix); }

std::string whiteout_name(std::string_view name) {
  return std::string(kWhiteoutPrefix) + std::string(name);
}

HostPath layer_path(const HostPath& layer, std::string_view rel) {
  if (rel.empty()) return layer;
  return host_child(layer, rel);
}

std::expected<UnionEntry, int> union_lookup(const Filesystem& fs, std::span<const HostPath> layers,
                                            std::string_view rel) {
  UnionEntry e;
  e.kind = EntryKind::kDirectory;
  e.layer = 0;
  for (int l = 0; l < static_cast<int>(layers.size()); ++l) e.merged.push_back(l);
  std::size_t at = 0;
  while (at < rel.size()) {
    if (e.kind == EntryKind::kMissing) return UnionEntry{};
    if (e.kind != EntryKind::kDirectory) return std::unexpected(ENOTDIR);
    const std::string_view dir = rel.substr(0, at == 0 ? 0 : at - 1);
    const std::string_view name = next_name(rel, at);
    auto next = lookup_name(fs, layers, e.merged, dir, name);
    if (!next) return next;
    e = std::move(*next);
  }
  return e;
}

std::expected<std::vector<UnionDirEntry>, int> union_list(const Filesystem& fs,
                                                          std::span<const HostPath> layers,
                                                          std::string_view rel) {
  auto dir = union_lookup(fs, layers, rel);
  if (!dir) return std::unexpected(dir.error());
  if (dir->kind == EntryKind::kMissing) return std::unexpected(ENOENT);
  if (dir->kind != EntryKind::kDirectory) return std::unexpected(ENOTDIR);
  std::map<std::string, UnionDirEntry, std::less<>> names;
  std::set<std::string, std::less<>> hidden;  // whited out by a layer above
  for (const int l : dir->merged) {
    auto entries = fs.list(layer_path(layers[static_cast<std::size_t>(l)], rel));
    if (!entries) return std::unexpected(entries.error());
    std::vector<std::string> whiteouts;
    for (DirEntry& d : *entries) {
      if (is_union_private(d.name)) {
        if (d.name != kOpaqueMarker) whiteouts.push_back(d.name.substr(kWhiteoutPrefix.size()));
        continue;
      }
      if (hidden.contains(d.name) || names.contains(d.name)) continue;
      std::string name = d.name;
      names.emplace(std::move(name), UnionDirEntry{std::move(d.name), d.kind, l});
    }
    hidden.insert(whiteouts.begin(), whiteouts.end());
  }
  std::vector<UnionDirEntry> out;
  out.reserve(names.size());
  for (auto& [name, e] : names) out.push_back(std::move(e));
  return out;
}

UnionFilesystem::UnionFilesystem(const Filesystem& inner, const MountTable& table) : inner_(inner) {
  for (const Mount& m : table.mounts()) {
    if (m.kind == MountKind::kOverlay) unions_.push_back(&m);
  }
}

std::optional<UnionFilesystem::Place> UnionFilesystem::place(std::string_view path) const {
  for (const Mount* m : unions_) {
    const std::string& src = m->source.str();
    if (!is_within(path, src)) continue;
    std::string_view rel = path.substr(src.size());
    while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
    return Place{m, std::string(rel)};
  }
  return std::nullopt;
}

HostPath UnionFilesystem::real(const HostPath& path) const {
  auto p = place(path.str());
  if (!p) return path;
  const std::vector<HostPath>& layers = p->mount->layers;
  auto e = union_lookup(inner_, layers, p->rel);
  const int layer = e && e->layer >= 0 ? e->layer : 0;
  return layer_path(layers[static_cast<std::size_t>(layer)], p->rel);
}

std::expected<EntryKind, int> UnionFilesystem::kind(const HostPath& path) const {
  auto p = place(path.str());
  if (!p) return inner_.kind(path);
  auto e = union_lookup(inner_, p->mount->layers, p->rel);
  if (!e) return std::unexpected(e.error());
  return e->kind;
}

std::expected<std::string, int> UnionFilesystem::readlink(const HostPath& path) const {
  return inner_.readlink(real(path));
}

std::expected<HostPath, int> UnionFilesystem::canonical(const HostPath& path) const {
  return inner_.canonical(path);
}

// Under a union, the reference walk: one union lookup per name.
std::expected<WalkStep, int> UnionFilesystem::walk(const HostPath& dir,
                                                   std::span<const std::string_view> names) const {
  if (place(dir.str())) return Filesystem::walk(dir, names);
  return inner_.walk(dir, names);
}

// The kernel, handed a path under a union's source, would walk the empty
// directory that names it: never its own walk.
Filesystem::PlainWalk UnionFilesystem::plain_walk(const HostPath& dir,
                                                  std::span<const std::string_view> names,
                                                  bool follow_last) const {
  if (place(dir.str())) return PlainWalk::kUnsure;
  return inner_.plain_walk(dir, names, follow_last);
}

std::expected<std::vector<DirEntry>, int> UnionFilesystem::list(const HostPath& dir) const {
  auto p = place(dir.str());
  if (!p) return inner_.list(dir);
  auto merged = union_list(inner_, p->mount->layers, p->rel);
  if (!merged) return std::unexpected(merged.error());
  std::vector<DirEntry> out;
  out.reserve(merged->size());
  for (UnionDirEntry& e : *merged) out.push_back(DirEntry{std::move(e.name), e.kind});
  return out;
}

}  // namespace cocoon::vfs
