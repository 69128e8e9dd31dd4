// Union mounts (bwrap's --overlay, --tmp-overlay, --ro-overlay), looked up
// as overlayfs would (Documentation/filesystems/overlayfs.rst) but over
// plain host directories: a Mount of kind kOverlay lists its layers, upper
// first, then the lower ones top to bottom (Mount::layers).
//
// Lookup takes a name from the first layer that has it; a directory found
// there merges with the same name's directories in the layers below, until
// a layer says the name goes no further (a whiteout) or the directory is
// opaque. A non-directory hides everything below it.
//
// Whiteouts. overlayfs marks a deleted lower name with a 0/0 character
// device in the upper directory, which an unprivileged process cannot
// create (mknod(2) needs CAP_MKNOD), so cocoon uses the format aufs and OCI
// image layers use (image-spec layer.md, "Whiteouts"): an entry named
// ".wh.NAME" in a layer hides NAME in the layers below it (not in its own:
// a new NAME made after a delete sits next to its whiteout, and so is
// opaque without a marker), and ".wh..wh..opq" in a directory makes it
// opaque. Names starting with ".wh." belong to the union: the guest never
// sees them and cannot create them.
//
// All of it pure code over a Filesystem; the host side (copy-up, making
// whiteouts) is syscalls/src/paths/union_writes.*.
#pragma once

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/vfs/filesystem.h"
#include "cocoon/vfs/mount_table.h"
#include "cocoon/vfs/path.h"

namespace cocoon::vfs {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// Whether `name` is the union's own (a whiteout, the opaque marker, a
// copy-up in progress): hidden from the guest.
bool is_union_private(std::string_view name);
// ".wh.NAME".
std::string whiteout_name(std::string_view name);

// One name in a union, as lookup found it.
struct UnionEntry {
  EntryKind kind = EntryKind::kMissing;
  int layer = -1;           // index in Mount::layers of the visible entry; -1: missing
  std::vector<int> merged;  // a directory: the layers whose directories it merges, top first
  bool lower = false;       // a layer below `layer` has the name too, not whited out:
                            // deleting the entry needs a whiteout
};

// `rel`: a path relative to the union's root ("" for the root itself, else
// names joined by '/', no "." or ".."). Errors: ENOTDIR for a non-directory
// on the way, the filesystem's own; a missing name on the way is kMissing.
std::expected<UnionEntry, int> union_lookup(const Filesystem& fs, std::span<const HostPath> layers,
                                            std::string_view rel);

// The merged listing of directory `rel` (an existing one): names from every
// layer it merges, the highest layer's entry for each, whiteouts applied
// and union-private names left out; sorted by name.
struct UnionDirEntry {
  std::string name;
  EntryKind kind;
  int layer;
};
std::expected<std::vector<UnionDirEntry>, int> union_list(const Filesystem& fs,
                                                          std::span<const HostPath> layers,
                                                          std::string_view rel);

// `layer` + "/" + `rel` ("" names the layer itself).
HostPath layer_path(const HostPath& layer, std::string_view rel);

// A Filesystem in which the union mounts' sources (Mount::source, a
// directory that only names the union) stand for their merged trees, so the
// resolver walks a union as any tree: kind() and readlink() of
// "SOURCE/rel" answer for the entry lookup finds. Everything else goes to
// `inner`. The resolver's results under a union then name SOURCE/rel, which
// real() turns into the host path of the layer holding the entry.
class UnionFilesystem final : public Filesystem {
 public:
  UnionFilesystem(const Filesystem& inner, const MountTable& table);

  // The union `path` lies in, and its path relative to the union's root.
  struct Place {
    const Mount* mount;
    std::string rel;
  };
  std::optional<Place> place(std::string_view path) const;
  // The host path the kernel must be given for `path` (one under a union's
  // source): the visible entry's layer, or for a missing one the first
  // layer (the upper one, where it would be created; the top lower one of
  // a read-only union, where the kernel says ENOENT).
  // Other paths are returned as they are.
  HostPath real(const HostPath& path) const;

  std::expected<EntryKind, int> kind(const HostPath& path) const override;
  std::expected<std::string, int> readlink(const HostPath& path) const override;
  std::expected<HostPath, int> canonical(const HostPath& path) const override;
  std::expected<WalkStep, int> walk(const HostPath& dir,
                                    std::span<const std::string_view> names) const override;
  PlainWalk plain_walk(const HostPath& dir, std::span<const std::string_view> names,
                       bool follow_last) const override;
  std::expected<std::vector<DirEntry>, int> list(const HostPath& dir) const override;

 private:
  const Filesystem& inner_;
  std::vector<const Mount*> unions_;
};

}  // namespace cocoon::vfs
