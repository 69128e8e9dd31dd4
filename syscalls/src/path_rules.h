// How each path-taking syscall uses its paths: which argument is the path and
// which its dirfd, whether the last component's symlink is followed, and
// whether the call writes (EROFS under a read-only bind). The syscall table
// (arch/syscalls.tbl) says which arguments are paths; these are the
// semantics the table's roles cannot express, per syscall, from the man
// pages and fs/namei.c.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace cocoon::syscalls {

// Whether the last component's symlink is followed.
enum class Follow : std::uint8_t {
  kYes,
  kNo,
  kUnlessNoFollowFlag,  // AT_SYMLINK_NOFOLLOW in the flags argument turns it off
  kIfFollowFlag,        // AT_SYMLINK_FOLLOW turns it on (linkat, name_to_handle_at)
  kOpenFlags,           // not with O_NOFOLLOW, nor with O_CREAT|O_EXCL
  kInotifyMask,         // not with IN_DONT_FOLLOW in the mask
  kFanotifyFlags,       // not with FAN_MARK_DONT_FOLLOW in the flags
};

// What the call does to the entry the path names.
enum class Effect : std::uint8_t {
  kRead,       // looks only
  kModify,     // changes an existing entry (chmod, truncate, unlink...)
  kCreate,     // creates the entry (mkdir, mknod, symlink, link's new name)
  kOpenFlags,  // open: O_WRONLY/O_RDWR/O_TRUNC modify, O_CREAT may create
};

struct PathArg {
  std::int8_t path = -1;   // argument index of the path
  std::int8_t dirfd = -1;  // argument index of its dirfd; -1: relative to the cwd
  Follow follow = Follow::kYes;
  Effect effect = Effect::kRead;
};

// What the handler does beyond translating the paths.
enum class Special : std::uint8_t {
  kNone,
  kReadlink,  // back-translate /proc magic link bodies (readlink, readlinkat)
  kOpenat2,   // flags and RESOLVE_* live in struct open_how
  kTwoPaths,  // rename/link: both ends on one mount, or EXDEV
  kNullPathIsFd,  // utimensat: a NULL path acts on the dirfd itself
  kExec,     // execve/execveat: "#!" interpreters are found in the guest
};

struct PathRule {
  std::string_view name;
  std::array<PathArg, 2> paths{};
  std::int8_t count = 1;
  std::int8_t flags_arg = -1;  // AT_* flags, open flags or inotify mask
  bool empty_path_ok = false;  // AT_EMPTY_PATH is honoured
  Special special = Special::kNone;
};

// The rule of a syscall by name, or nullptr: a path syscall without a rule
// is refused (ENOSYS) when paths are translated, never let through raw.
const PathRule* find_path_rule(std::string_view syscall_name);
// Every rule, sorted by name.
std::span<const PathRule> all_path_rules();

}  // namespace cocoon::syscalls
