// What the resolver needs to know about the host's filesystem, behind an
// interface so the resolver is pure code: unit tests inject an in-memory
// tree, the tracer injects HostFilesystem (or a decorator of it, e.g. one that
// maps the tracer's /proc/self to the tracee's).
#pragma once

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/vfs/path.h"

namespace cocoon::vfs {

// The kind of a directory entry as lstat(2) reports it (symlinks not followed).
// kUnknown: not asked (ResolveFlags::lazy_last); no Filesystem returns it.
enum class EntryKind { kMissing, kDirectory, kSymlink, kOther, kUnknown };

// One name in a directory, as readdir(3) lists it ("." and ".." left out).
struct DirEntry {
  std::string name;
  EntryKind kind;
};

// How far a walk down plain names got: `dirs` leading names are directories;
// if dirs < names.size(), `stop` is the kind of names[dirs] (a symlink, a
// non-directory, or a missing last name).
struct WalkStep {
  std::size_t dirs = 0;
  EntryKind stop = EntryKind::kDirectory;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  // lstat(2): ENOENT is not an error but kMissing; other errnos (EACCES,
  // ENAMETOOLONG, ENOTDIR...) are returned as they are.
  virtual std::expected<EntryKind, int> kind(const HostPath& path) const = 0;

  // readlink(2) of a symlink: its body, unchanged.
  virtual std::expected<std::string, int> readlink(const HostPath& path) const = 0;

  // realpath(3): used when mounts are set up, so that the sources of the
  // table are canonical and reverse translation can match kernel-made paths
  // (/proc/PID/fd/N, getcwd) by prefix.
  virtual std::expected<HostPath, int> canonical(const HostPath& path) const = 0;

  // Walks `names` (plain names: no "", "." or "..") down from the directory
  // `dir`, following no symlink. Errors, as the kernel reports them walking
  // left to right: ENOENT if a name before the last is missing, ENOTDIR if a
  // name before the last is neither a directory nor a symlink. The default
  // calls kind() once per name; HostFilesystem does it in a few syscalls.
  virtual std::expected<WalkStep, int> walk(const HostPath& dir,
                                            std::span<const std::string_view> names) const;

  // Whether the kernel walks `names` down from `dir` without meeting a
  // symlink (the last name's own only counts when `follow_last`): kExists,
  // and the entry exists; kMissing, a name on the way (maybe the last) is
  // missing; kUnsure, a symlink or a non-directory is on the way, or the
  // kernel cannot say. The default asks kind() per name; HostFilesystem
  // asks openat2(2) once.
  enum class PlainWalk { kExists, kMissing, kUnsure };
  virtual PlainWalk plain_walk(const HostPath& dir, std::span<const std::string_view> names,
                               bool follow_last) const;

  // The names in directory `dir`, in no particular order, without "." and
  // "..": what a union mount's listing merges (union.h). The default says
  // ENOSYS: only the filesystems under a union need it.
  virtual std::expected<std::vector<DirEntry>, int> list(const HostPath& dir) const;
};

// The real host filesystem. `fast_walk` selects the openat2(2) walk (see
// host_filesystem.cc); off, walk() is one lstat per name (the benchmark and
// the tests compare both). Stateless, so safe to share between threads.
class HostFilesystem final : public Filesystem {
 public:
  explicit HostFilesystem(bool fast_walk = true) : fast_walk_(fast_walk) {}

  std::expected<EntryKind, int> kind(const HostPath& path) const override;
  std::expected<std::string, int> readlink(const HostPath& path) const override;
  std::expected<HostPath, int> canonical(const HostPath& path) const override;
  std::expected<WalkStep, int> walk(const HostPath& dir,
                                    std::span<const std::string_view> names) const override;
  PlainWalk plain_walk(const HostPath& dir, std::span<const std::string_view> names,
                       bool follow_last) const override;
  std::expected<std::vector<DirEntry>, int> list(const HostPath& dir) const override;

 private:
  bool fast_walk_;
};

// Joins a host directory and a name ("/" + "a" is "/a", not "//a").
HostPath host_child(const HostPath& dir, std::string_view name);

}  // namespace cocoon::vfs
