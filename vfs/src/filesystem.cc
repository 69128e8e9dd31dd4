#include "cocoon/vfs/filesystem.h"

#include <cerrno>

namespace cocoon::vfs {

HostPath host_child(const HostPath& dir, std::string_view name) {
  std::string out = dir.str();
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return HostPath(std::move(out));
}

// The reference walk: one kind() per name, stopping at the first name that is
// not a directory, with the kernel's errors for the names before the last
// (link_path_walk() in fs/namei.c: ENOENT for a missing component, ENOTDIR
// for a component that cannot be searched).
std::expected<WalkStep, int> Filesystem::walk(const HostPath& dir,
                                              std::span<const std::string_view> names) const {
  HostPath cur = dir;
  for (std::size_t i = 0; i < names.size(); ++i) {
    cur = host_child(cur, names[i]);
    auto k = kind(cur);
    if (!k) return std::unexpected(k.error());
    if (*k == EntryKind::kDirectory) continue;
    const bool last = i + 1 == names.size();
    if (*k == EntryKind::kMissing && !last) return std::unexpected(ENOENT);
    if (*k == EntryKind::kOther && !last) return std::unexpected(ENOTDIR);
    return WalkStep{i, *k};
  }
  return WalkStep{names.size(), EntryKind::kDirectory};
}

Filesystem::PlainWalk Filesystem::plain_walk(const HostPath& dir,
                                             std::span<const std::string_view> names,
                                             bool follow_last) const {
  HostPath cur = dir;
  for (std::size_t i = 0; i < names.size(); ++i) {
    cur = host_child(cur, names[i]);
    auto k = kind(cur);
    if (!k) return PlainWalk::kUnsure;
    const bool last = i + 1 == names.size();
    switch (*k) {
      case EntryKind::kDirectory: break;
      case EntryKind::kMissing: return PlainWalk::kMissing;
      case EntryKind::kSymlink:
        return last && !follow_last ? PlainWalk::kExists : PlainWalk::kUnsure;
      case EntryKind::kOther:
      case EntryKind::kUnknown:
        return last ? PlainWalk::kExists : PlainWalk::kUnsure;
    }
  }
  return PlainWalk::kExists;
}

std::expected<std::vector<DirEntry>, int> Filesystem::list(const HostPath&) const {
  return std::unexpected(ENOSYS);
}

}  // namespace cocoon::vfs
