// What mount(2), umount2(2) and pivot_root(2) do to an emulated mount
// namespace's table (mount_namespaces(7)). A table is never changed in
// place: each operation builds a new one from the old one's mounts, so a
// namespace created by copying shares its creator's until either changes.
// Errors are the kernel's errno for the case.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "cocoon/vfs/mount_table.h"

namespace cocoon::syscalls {

using TablePtr = std::shared_ptr<const vfs::MountTable>;

// Builds tables, giving each its own directory of placeholders for the
// directories on the way to mount targets (MountTable::synthetic()).
class MountOps {
 public:
  explicit MountOps(std::string placeholder_root) : root_(std::move(placeholder_root)) {}

  // `m` added, on top of what is mounted at its target (hidden until an
  // unmount of `m`; vfs::MountTable stacks mounts).
  std::expected<TablePtr, int> add(const vfs::MountTable& t, vfs::Mount m);
  // A bind of `source` (guest path, host path) at `target`; with `recursive`
  // also the mounts under `source`, at the same place under `target`.
  std::expected<TablePtr, int> bind(const vfs::MountTable& t, const std::string& source_guest,
                                    const vfs::HostPath& source_host, bool source_is_dir,
                                    const std::string& target, bool recursive);
  // MS_REMOUNT: the mount at `target` read-only or not. EINVAL when
  // `target` is not a mount point.
  std::expected<TablePtr, int> remount(const vfs::MountTable& t, const std::string& target,
                                       bool read_only);
  // umount2: the top mount at `target` and every mount on it; what it hid
  // is visible again. EINVAL when `target` is not a mount point, EBUSY
  // for the root.
  std::expected<TablePtr, int> unmount(const vfs::MountTable& t, const std::string& target);
  // pivot_root: the mount at `new_root` becomes "/", the old root goes to
  // `put_old` (a path under `new_root`). pivot_root(".", ".") stacks the
  // old root on the new one, which is then unmounted (bwrap, runc): with
  // `put_old` equal to `new_root` the old root is dropped at once. Not
  // stacked in the table, though it stacks: the caller's root is then the
  // new root's top directory, under the old root, and a walk from "/"
  // starts there without going up the stack (pivot_root(2), section
  // 'pivot_root(".", ".")': only the umount's resolution of "." moves up
  // it), while the table's "/" is what is on top. So Namespaces keeps the old root aside for that one
  // umount2(".", MNT_DETACH) instead.
  std::expected<TablePtr, int> pivot(const vfs::MountTable& t, const std::string& new_root,
                                     const std::string& put_old);
  // chroot(2): the view from directory `dir` (host path `host`): its
  // mounts and what is under it; the rest is out of reach.
  std::expected<TablePtr, int> rooted(const vfs::MountTable& t, const std::string& dir,
                                      const vfs::HostPath& host);

 private:
  std::expected<TablePtr, int> build(std::vector<vfs::Mount> mounts);

  std::string root_;
  unsigned next_ = 0;
};

// Whether `path` is `dir` or below it (both normalized guest paths).
bool path_under(const std::string& path, const std::string& dir);
// `path` (under `from`) moved under `to`.
std::string path_moved(const std::string& path, const std::string& from, const std::string& to);

}  // namespace cocoon::syscalls
