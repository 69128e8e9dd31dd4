#include "mount_ops.h"

#include <cerrno>
#include <filesystem>

namespace cocoon::syscalls {

namespace fs = std::filesystem;

bool path_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.starts_with(dir) && path[dir.size()] == '/');
}

std::string path_moved(const std::string& path, const std::string& from, const std::string& to) {
  const std::string rest = from == "/" ? path : path.substr(from.size());
  if (rest.empty() || rest == "/") return to;
  return to == "/" ? rest : to + rest;
}

namespace {

// The mounts strictly under `dir` that are in its tree: those added after
// the mount `dir` lies in (it hides the ones before), in order, hidden ones
// among them too (their stacks move with them).
std::vector<const vfs::Mount*> mounts_under(const vfs::MountTable& t, const std::string& dir) {
  const vfs::Mount* covering = &t.covering(dir);
  std::vector<const vfs::Mount*> out;
  bool after = false;
  for (const vfs::Mount& m : t.mounts()) {
    if (&m == covering) after = true;
    else if (after && m.target.str() != dir && path_under(m.target.str(), dir)) out.push_back(&m);
  }
  return out;
}

}  // namespace

std::expected<TablePtr, int> MountOps::build(std::vector<vfs::Mount> mounts) {
  auto t = std::make_shared<vfs::MountTable>(mounts.front().source, mounts.front().read_only);
  for (std::size_t i = 1; i < mounts.size(); ++i) {
    if (!t->add(mounts[i])) return std::unexpected(EINVAL);
  }
  const std::string placeholder = root_ + "/" + std::to_string(next_++);
  std::error_code ec;
  for (const std::string& guest : t->mount_ancestors()) fs::create_directories(placeholder + guest, ec);
  if (ec) return std::unexpected(EIO);
  t->set_placeholder(vfs::HostPath(placeholder));
  return t;
}

std::expected<TablePtr, int> MountOps::add(const vfs::MountTable& t, vfs::Mount m) {
  if (m.target.str() == "/") {
    // A new root: nothing of the old table stays reachable.
    m.kind = vfs::MountKind::kRoot;
    return build({std::move(m)});
  }
  // The table stacks it on what is there (an unmount reveals that again).
  std::vector<vfs::Mount> mounts(t.mounts().begin(), t.mounts().end());
  mounts.push_back(std::move(m));
  return build(std::move(mounts));
}

std::expected<TablePtr, int> MountOps::bind(const vfs::MountTable& t,
                                            const std::string& source_guest,
                                            const vfs::HostPath& source_host, bool source_is_dir,
                                            const std::string& target, bool recursive) {
  vfs::Mount top{vfs::GuestPath(target), source_host, vfs::MountKind::kBind, false, source_is_dir, {}};
  auto with = add(t, top);
  if (!with || !recursive) return with;
  std::vector<vfs::Mount> mounts((*with)->mounts().begin(), (*with)->mounts().end());
  for (const vfs::Mount* m : mounts_under(t, source_guest)) {
    vfs::Mount copy = *m;
    copy.target = vfs::GuestPath(path_moved(m->target.str(), source_guest, target));
    if (copy.kind == vfs::MountKind::kRoot) copy.kind = vfs::MountKind::kBind;
    mounts.push_back(copy);
  }
  return build(std::move(mounts));
}

std::expected<TablePtr, int> MountOps::remount(const vfs::MountTable& t, const std::string& target,
                                               bool read_only) {
  const vfs::Mount* top = t.find(target);
  if (top == nullptr) return std::unexpected(EINVAL);
  std::vector<vfs::Mount> mounts;
  for (const vfs::Mount& m : t.mounts()) {
    mounts.push_back(m);
    if (&m == top) mounts.back().read_only = read_only;
  }
  return build(std::move(mounts));
}

std::expected<TablePtr, int> MountOps::unmount(const vfs::MountTable& t, const std::string& target) {
  if (target == "/") return std::unexpected(EBUSY);
  if (t.find(target) == nullptr) return std::unexpected(EINVAL);
  return build(t.without(target));
}

std::expected<TablePtr, int> MountOps::pivot(const vfs::MountTable& t, const std::string& new_root,
                                             const std::string& put_old) {
  const vfs::Mount* nr = t.find(new_root);
  if (nr == nullptr || new_root == "/") return std::unexpected(EINVAL);
  if (!path_under(put_old, new_root)) return std::unexpected(EINVAL);
  std::vector<vfs::Mount> mounts{*nr};
  mounts.front().target = vfs::GuestPath("/");
  mounts.front().kind = vfs::MountKind::kRoot;
  const bool drop_old = put_old == new_root;
  const std::string old_at = path_moved(put_old, new_root, "/");
  // The new root's tree, then (unless dropped) the old root's rest at
  // put_old; the mounts nr hid stay out.
  for (const vfs::Mount* m : mounts_under(t, new_root)) {
    mounts.push_back(*m);
    mounts.back().target = vfs::GuestPath(path_moved(m->target.str(), new_root, "/"));
  }
  for (const vfs::Mount& m : t.mounts()) {
    const std::string& g = m.target.str();
    if (drop_old || path_under(g, new_root)) continue;
    vfs::Mount copy = m;
    copy.target = vfs::GuestPath(path_moved(g, "/", old_at));
    if (copy.kind == vfs::MountKind::kRoot) copy.kind = vfs::MountKind::kBind;
    mounts.push_back(copy);
  }
  return build(std::move(mounts));
}

std::expected<TablePtr, int> MountOps::rooted(const vfs::MountTable& t, const std::string& dir,
                                              const vfs::HostPath& host) {
  const vfs::Mount* at = t.find(dir);
  vfs::Mount root = at != nullptr ? *at
                                  : vfs::Mount{vfs::GuestPath(dir), host, vfs::MountKind::kBind,
                                               t.covering(dir).read_only, true, {}};
  root.target = vfs::GuestPath("/");
  root.kind = vfs::MountKind::kRoot;
  std::vector<vfs::Mount> mounts{root};
  for (const vfs::Mount* m : mounts_under(t, dir)) {
    mounts.push_back(*m);
    mounts.back().target = vfs::GuestPath(path_moved(m->target.str(), dir, "/"));
  }
  return build(std::move(mounts));
}

}  // namespace cocoon::syscalls
