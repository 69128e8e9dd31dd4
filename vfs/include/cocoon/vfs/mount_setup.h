// Building the mount table from the command line's options, with the checks
// that need the filesystem. Mounts are applied in order, as bwrap and
// mount(2) do: a target is resolved in the guest view the earlier mounts
// made, so `-b /x:/lib/x` on a merged-/usr root (/lib -> usr/lib) lands on
// /usr/lib/x, where the guest will look for it.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/vfs/filesystem.h"
#include "cocoon/vfs/mount_table.h"

namespace cocoon::vfs {

struct MountSpec {
  MountKind kind = MountKind::kBind;
  std::string source;          // host path (empty for kSymlink)
  std::string target;          // guest path
  bool read_only = false;
  bool optional = false;       // --bind-try / --ro-bind-try: skip a missing source
  std::string symlink_target;  // kSymlink only
  // bwrap's --file / --bind-data / --ro-bind-data: the content of a file the
  // session writes and binds at `target` (kind kBind, source filled in).
  std::optional<std::string> data;
  // bwrap's --perms for what the session makes (a data file, a --dir or
  // --tmpfs directory); unset: bwrap's defaults.
  std::optional<unsigned> mode;
  // bwrap's --remount-ro: `target`, as the view has it so far, again but
  // read-only (source filled in by the session).
  bool remount_read_only = false;
  // bwrap's way: a --dir, a --symlink or a missing mount point whose
  // parent lies on a writable mount (a bind, a tmpfs, the root) is made
  // there, on the host, rather than only in the table; where it cannot
  // be, it is the table's as without.
  bool on_underlying_fs = false;
  // Mount::no_devices.
  bool no_devices = false;
  // kOverlay: the upper directory (empty for --ro-overlay; the session
  // makes one for --tmp-overlay), the lower ones as given (bwrap's
  // --overlay-src order: the last is the top one), and the work directory.
  // `source` is the directory that names the union (the session's).
  std::string upper;
  std::vector<std::string> lowers;
  std::string work;
};

// A table whose root is `root_dir` (canonicalized; must be a directory).
std::expected<MountTable, std::string> make_mount_table(const Filesystem& fs,
                                                        const std::string& root_dir,
                                                        bool read_only = false);

// Adds `spec`: canonicalizes the source (missing: an error, or skipped when
// optional), resolves the target in the guest view so far, refuses a
// directory over a non-directory and the reverse (mount(2)'s ENOTDIR).
// Returns false when an optional mount was skipped.
std::expected<bool, std::string> add_mount(MountTable& table, const Filesystem& fs,
                                           const MountSpec& spec);

}  // namespace cocoon::vfs
