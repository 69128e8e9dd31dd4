// Path resolution in guest terms: what fs/namei.c does for the guest's
// kernel, done by the tracer over the userspace mount table. The guest names
// a path; the resolver follows it through the guest's root, mounts and
// symlinks and says which host path the real syscall must be given.
#pragma once

#include <expected>
#include <optional>
#include <string_view>

#include "cocoon/vfs/filesystem.h"
#include "cocoon/vfs/mount_table.h"
#include "cocoon/vfs/path.h"

namespace cocoon::vfs {

// PATH_MAX of <linux/limits.h>: a path the guest passes must fit with its NUL
// (getname() in fs/namei.c), else ENAMETOOLONG.
inline constexpr std::size_t kPathMax = 4096;
// MAXSYMLINKS of include/linux/namei.h: the 41st symlink is ELOOP.
inline constexpr int kMaxSymlinks = 40;

// What the syscall asks for; the RESOLVE_* fields are openat2(2)'s, applied
// in guest terms (the "mounts" being the mount table's).
struct ResolveFlags {
  bool follow_last = true;     // false: AT_SYMLINK_NOFOLLOW, O_NOFOLLOW, lstat...
  bool beneath = false;        // RESOLVE_BENEATH: escaping base_dir is EXDEV
  bool in_root = false;        // RESOLVE_IN_ROOT: base_dir acts as "/"
  bool no_symlinks = false;    // RESOLVE_NO_SYMLINKS: any followed symlink is ELOOP
  bool no_magiclinks = false;  // RESOLVE_NO_MAGICLINKS: a /proc magic link is ELOOP
  bool no_xdev = false;        // RESOLVE_NO_XDEV: crossing a table mount is EXDEV
  // The caller will hand a plain walk (Resolved::plain) to the kernel as it
  // is and needs not know what the last name is: with follow_last false and
  // no trailing slash, nothing about the walk depends on it, so it is not
  // looked up (Resolved::kind kUnknown). Saves one host syscall per call
  // (find: newfstatat(dirfd, name, AT_SYMLINK_NOFOLLOW) for every entry).
  bool lazy_last = false;
};

struct Resolved {
  GuestPath guest;    // canonical: absolute, no ".", "..", or followed symlink
  HostPath host;      // what to hand the host kernel
  const Mount& mount; // the mount holding the entry (ask it read_only for EROFS)
  // The entry's kind (lstat's view after the following asked for). kMissing
  // only for the last component, which creating syscalls may name; a
  // trailing slash on it is allowed (mkdir("d/")), open(O_CREAT) must say
  // EISDIR itself. kUnknown only with ResolveFlags::lazy_last.
  EntryKind kind;
  // The last component is a /proc magic link that was to be followed: `host`
  // names the link and the host kernel jumps through it (nd_jump_link()).
  bool magic_link = false;
  // The walk was the kernel's own: every name looked up in the directory
  // the walk started from (the root's source for an absolute path, the
  // base's host directory for a relative one), no symlink followed, no
  // "..", no name the mount table decides. The host kernel, handed the
  // guest's own (dirfd, path), reaches the same entry; when the start is
  // the same host directory, the tracer need not rewrite the call.
  bool plain = false;
};

// Holds references to the table and the filesystem; cheap to construct.
class Resolver {
 public:
  Resolver(const MountTable& table, const Filesystem& fs) : table_(table), fs_(fs) {}

  // Resolves `path` as the guest's kernel would. A relative `path` starts at
  // `base_dir` (the guest's cwd or a dirfd's guest path: canonical, trusted
  // to be an existing directory). An empty path is ENOENT: AT_EMPTY_PATH is
  // the caller's. Errors are the kernel's errnos.
  std::expected<Resolved, int> resolve(const GuestPath& path, const GuestPath& base_dir,
                                       ResolveFlags flags = {}) const;

 private:
  const MountTable& table_;
  const Filesystem& fs_;
};

// Whether `rel` (a path relative to a proc mount's target, like "self/fd/3")
// names a magic link: /proc/PID/{cwd,root,exe}, fd/N, map_files/*, ns/*,
// also under task/TID/. These are followed by jumping to the object, not by
// reading a path (proc_pid_get_link() -> nd_jump_link(), fs/namei.c).
bool is_proc_magic_link(std::string_view rel);

// The guest path a /proc magic link's host target stands for: `link` is the
// link's host path, `body` what readlink(2) says. PID/root reads "/", which
// is the guest's root (guests never change their real root: chroot is the
// tracer's to emulate); anything else maps through the table (nullopt: not
// visible in the guest, or not a path, like "pipe:[N]").
std::optional<GuestPath> proc_link_in_guest(const MountTable& table, std::string_view link,
                                            std::string_view body);

}  // namespace cocoon::vfs
