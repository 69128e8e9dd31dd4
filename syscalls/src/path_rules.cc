#include "path_rules.h"

#include <algorithm>
#include <iterator>

namespace cocoon::syscalls {
namespace {

using F = Follow;
using E = Effect;

constexpr PathArg at(int path, int dirfd, Follow f, Effect e) {
  return {static_cast<std::int8_t>(path), static_cast<std::int8_t>(dirfd), f, e};
}
constexpr PathArg cwd(int path, Follow f, Effect e) { return at(path, -1, f, e); }

constexpr PathRule one(std::string_view name, PathArg a, int flags_arg = -1,
                       bool empty_ok = false, Special s = Special::kNone) {
  return {name, {a, {}}, 1, static_cast<std::int8_t>(flags_arg), empty_ok, s};
}
constexpr PathRule two(std::string_view name, PathArg a, PathArg b, int flags_arg = -1) {
  return {name, {a, b}, 2, static_cast<std::int8_t>(flags_arg), false, Special::kTwoPaths};
}

// Sorted by name (checked by a unit test) for binary search. The raw
// syscalls' argument order (arch/syscalls.tbl), not the libc wrappers'.
constexpr PathRule kRules[] = {
    one("access", cwd(0, F::kYes, E::kRead)),
    one("chdir", cwd(0, F::kYes, E::kRead)),
    one("chmod", cwd(0, F::kYes, E::kModify)),
    one("chown", cwd(0, F::kYes, E::kModify)),
    one("creat", cwd(0, F::kYes, E::kCreate)),
    one("execve", cwd(0, F::kYes, E::kRead), -1, false, Special::kExec),
    one("execveat", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 4, true, Special::kExec),
    one("faccessat", at(1, 0, F::kYes, E::kRead)),
    one("faccessat2", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 3, true),
    one("fanotify_mark", at(4, 3, F::kFanotifyFlags, E::kRead), 1, false, Special::kNullPathIsFd),
    one("fchmodat", at(1, 0, F::kYes, E::kModify)),
    one("fchmodat2", at(1, 0, F::kUnlessNoFollowFlag, E::kModify), 3, true),
    one("fchownat", at(1, 0, F::kUnlessNoFollowFlag, E::kModify), 4, true),
    one("file_getattr", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 4, true),
    one("file_setattr", at(1, 0, F::kUnlessNoFollowFlag, E::kModify), 4, true),
    one("futimesat", at(1, 0, F::kYes, E::kModify)),
    one("getxattr", cwd(0, F::kYes, E::kRead)),
    one("getxattrat", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 2, true, Special::kNullPathIsFd),
    one("inotify_add_watch", cwd(1, F::kInotifyMask, E::kRead), 2),
    one("lchown", cwd(0, F::kNo, E::kModify)),
    one("lgetxattr", cwd(0, F::kNo, E::kRead)),
    two("link", cwd(0, F::kNo, E::kRead), cwd(1, F::kNo, E::kCreate)),
    two("linkat", at(1, 0, F::kIfFollowFlag, E::kRead), at(3, 2, F::kNo, E::kCreate), 4),
    one("listxattr", cwd(0, F::kYes, E::kRead)),
    one("listxattrat", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 2, true, Special::kNullPathIsFd),
    one("llistxattr", cwd(0, F::kNo, E::kRead)),
    one("lremovexattr", cwd(0, F::kNo, E::kModify)),
    one("lsetxattr", cwd(0, F::kNo, E::kModify)),
    one("lstat", cwd(0, F::kNo, E::kRead)),
    one("mkdir", cwd(0, F::kNo, E::kCreate)),
    one("mkdirat", at(1, 0, F::kNo, E::kCreate)),
    one("mknod", cwd(0, F::kNo, E::kCreate)),
    one("mknodat", at(1, 0, F::kNo, E::kCreate)),
    one("name_to_handle_at", at(1, 0, F::kIfFollowFlag, E::kRead), 4, true),
    one("newfstatat", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 3, true),
    one("open", cwd(0, F::kOpenFlags, E::kOpenFlags), 1),
    one("openat", at(1, 0, F::kOpenFlags, E::kOpenFlags), 2),
    one("openat2", at(1, 0, F::kOpenFlags, E::kOpenFlags), -1, false, Special::kOpenat2),
    one("readlink", cwd(0, F::kNo, E::kRead), -1, false, Special::kReadlink),
    one("readlinkat", at(1, 0, F::kNo, E::kRead), -1, true, Special::kReadlink),
    one("removexattr", cwd(0, F::kYes, E::kModify)),
    one("removexattrat", at(1, 0, F::kUnlessNoFollowFlag, E::kModify), 2, true,
        Special::kNullPathIsFd),
    two("rename", cwd(0, F::kNo, E::kModify), cwd(1, F::kNo, E::kCreate)),
    two("renameat", at(1, 0, F::kNo, E::kModify), at(3, 2, F::kNo, E::kCreate)),
    two("renameat2", at(1, 0, F::kNo, E::kModify), at(3, 2, F::kNo, E::kCreate)),
    one("rmdir", cwd(0, F::kNo, E::kModify)),
    one("setxattr", cwd(0, F::kYes, E::kModify)),
    one("setxattrat", at(1, 0, F::kUnlessNoFollowFlag, E::kModify), 2, true, Special::kNullPathIsFd),
    one("stat", cwd(0, F::kYes, E::kRead)),
    one("statfs", cwd(0, F::kYes, E::kRead)),
    one("statx", at(1, 0, F::kUnlessNoFollowFlag, E::kRead), 2, true),
    one("symlink", cwd(1, F::kNo, E::kCreate)),
    one("symlinkat", at(2, 1, F::kNo, E::kCreate)),
    one("truncate", cwd(0, F::kYes, E::kModify)),
    one("unlink", cwd(0, F::kNo, E::kModify)),
    one("unlinkat", at(1, 0, F::kNo, E::kModify)),
    one("utime", cwd(0, F::kYes, E::kModify)),
    one("utimensat", at(1, 0, F::kUnlessNoFollowFlag, E::kModify), 3, true,
        Special::kNullPathIsFd),
    one("utimes", cwd(0, F::kYes, E::kModify)),
};

}  // namespace

std::span<const PathRule> all_path_rules() { return kRules; }

const PathRule* find_path_rule(std::string_view name) {
  const auto it = std::lower_bound(std::begin(kRules), std::end(kRules), name,
                                   [](const PathRule& r, std::string_view n) { return r.name < n; });
  return it != std::end(kRules) && it->name == name ? &*it : nullptr;
}

}  // namespace cocoon::syscalls
