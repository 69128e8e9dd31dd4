// The guest's mount table, kept in userspace: the kernel never sees these
// mounts. Each entry says which host tree backs a guest path; the resolver
// (resolver.h) walks guest paths through it. Owned by the session; mounts are
// added at start-up and never removed, so `const Mount&` stays valid as long
// as the table lives. Mounts stack as mount(2)'s do (mount_namespaces(7)): a
// later mount at or above a target hides what was mounted there before,
// which stays in the table (mounts()) so that an unmount (without())
// reveals it again.
#pragma once

#include <deque>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/vfs/filesystem.h"
#include "cocoon/vfs/path.h"

namespace cocoon::vfs {

enum class MountKind {
  kRoot,       // -r DIR (default: host /)
  kBind,       // -b / --ro-bind / --bind-try / --ro-bind-try
  kTmpfs,      // --tmpfs: source is a scratch host directory the session made
  kProc,       // --proc: source is the host's /proc
  kDev,        // --dev: a directory the session made (devices are binds below)
  kDir,        // --dir: an empty directory, backed by a scratch host directory
  kSymlink,    // --symlink TARGET GUEST: a symlink that exists only in the table
  kOverlay,    // --overlay, --tmp-overlay, --ro-overlay: a union of `layers`
               // (union.h); source is an empty scratch directory that names it
  kSynthetic,  // not a mount: the directories on the way to a mount target that
               // the underlying tree lacks (see MountTable::synthetic())
};

std::string_view to_string(MountKind kind);

struct Mount {
  GuestPath target;        // absolute and normalized
  HostPath source;         // canonical host path; empty for kSymlink
  MountKind kind = MountKind::kBind;
  bool read_only = false;  // writes under it are EROFS
  bool directory = true;   // false for a file bind and for a symlink
  std::string symlink_target;  // kSymlink only: the link's body
  // PRoot's rule for absolute symlinks under this mount (its -r and -b):
  // a body naming the source or a path under it is shown and followed as
  // the same path under the target (link_in_guest_terms()). Off: bodies
  // are as stored, as a bind mount's are.
  bool links_in_guest_terms = false;
  // nodev (mount(8)): a device node under it cannot be opened (EACCES,
  // may_open_dev() in fs/namei.c). bwrap mounts all but --dev and
  // --dev-bind so.
  bool no_devices = false;
  // kOverlay only: the union's layers, canonical, the one looked at first
  // first: the upper (writable) directory when `has_upper`, then the lower
  // ones from top to bottom. `work` is where copy-ups are staged (bwrap's
  // WORKDIR; the upper's own directory when empty).
  std::vector<HostPath> layers;
  bool has_upper = false;
  HostPath work;
};

// A symlink's body as the guest sees it under `m` when the mount has
// links_in_guest_terms: an absolute body naming m's source (or a path
// under it) becomes the same path under m's target. nullopt otherwise (a
// relative body, another tree, the rule off, nothing changed).
std::optional<std::string> link_in_guest_terms(const Mount& m, std::string_view body);

class MountTable {
 public:
  // `root` must be canonical (see make_mount_table() in mount_setup.h).
  explicit MountTable(HostPath root, bool read_only = false);
  MountTable(const MountTable&) = delete;
  MountTable& operator=(const MountTable&) = delete;
  MountTable(MountTable&&) = default;

  // Lexical checks only (absolute target, nothing under a file or symlink
  // mount); the target is normalized. The error names the culprit. A mount
  // at a target already mounted goes on top; it and one above mounts hide
  // them (and those under them). add_mount() (mount_setup.h) does the
  // checks that need the filesystem.
  std::expected<void, std::string> add(Mount mount);

  const Mount& root() const { return mounts_.front(); }
  void set_root_no_devices(bool v) { mounts_.front().no_devices = v; }
  // The visible mount whose target is exactly `guest` (the top of a stack),
  // if any.
  const Mount* find(std::string_view guest) const;
  // Whether `m` (one of mounts()) is visible: no later mount hides it.
  bool is_visible(const Mount& m) const;
  // The mounts left, in order, when the visible mount at `guest` is
  // unmounted with what was mounted on or under it since (umount2(2) with
  // MNT_DETACH); the mounts it hid are visible again in a table built
  // from them. Empty when `guest` is the root or not a mount point.
  std::vector<Mount> without(std::string_view guest) const;
  // bwrap's --remount-ro of an existing mount point: that mount becomes
  // read-only. False when `guest` is not one.
  bool make_read_only(std::string_view guest);
  // The root's symlinks, and those of the binds whose sources lie outside
  // the root's, follow PRoot's rule (Mount::links_in_guest_terms), for
  // `cocoon proot`.
  void set_links_in_guest_terms();
  // The mount covering `guest`: the longest target that is a component prefix.
  const Mount& covering(std::string_view guest) const;
  // Whether `guest` lies strictly on the way to a mount target ("/a" and
  // "/a/b" for a target "/a/b/c").
  bool is_mount_ancestor(std::string_view guest) const;

  // The directories on the way to a mount target that the underlying tree
  // lacks resolve to this pseudo-mount: read-only, backed by `placeholder`,
  // an empty host directory the session provides (empty until it does).
  const Mount& synthetic() const { return synthetic_; }
  // The synthetic directory G is backed by `placeholder` + G: the session
  // creates a directory there for each of mount_ancestors().
  void set_placeholder(HostPath placeholder) { synthetic_.source = std::move(placeholder); }
  // Every guest directory strictly on the way to a mount target, sorted.
  std::vector<std::string> mount_ancestors() const { return {ancestors_.begin(), ancestors_.end()}; }

  // Names in the guest directory `guest_dir` that mounts create: targets and
  // directories on the way to targets, one level below it; sorted.
  std::vector<std::string> mount_children(std::string_view guest_dir) const;
  // The subset of mount_children() that the underlying host directory lacks:
  // what getdents must add to the host's listing.
  std::vector<std::string> synthetic_children(std::string_view guest_dir,
                                              const Filesystem& fs) const;

  // Host path -> guest path, for getcwd, readlink of /proc/PID/fd/N, ...:
  // the mount with the longest source that is a prefix of `host` and through
  // which the result is visible (not shadowed by a nested mount). When one
  // host tree is mounted twice, the shortest guest target wins, then the
  // smallest in byte order, so the answer does not depend on option order.
  // nullopt: the path is not visible in the guest.
  std::optional<GuestPath> to_guest(std::string_view host) const;

  // For `cocoon mounts`: one line per mount, sorted by guest target.
  std::string describe() const;
  // Every mount, root first, in the order added, hidden ones too (as
  // /proc/PID/mountinfo lists a stack's every mount).
  const std::deque<Mount>& mounts() const { return mounts_; }

 private:
  std::deque<Mount> mounts_;  // a deque: references survive push_back
  std::map<std::string, const Mount*, std::less<>> by_target_;  // the visible ones
  std::set<std::string, std::less<>> ancestors_;
  Mount synthetic_;
};

}  // namespace cocoon::vfs
