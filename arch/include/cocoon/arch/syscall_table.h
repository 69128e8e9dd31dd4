// The one table of Linux system calls cocoon knows, generated at build time
// from arch/syscalls.tbl and checked against each arch's kernel headers:
// numbers per arch, what each argument means (roles), and how each path
// argument is looked up (PathSpec). Handlers switch on Sys, never on names.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/sys.h"  // generated: enum class Sys

namespace cocoon::arch {

// What an argument means to cocoon; handlers and the filter select syscalls by
// role, and the roles say where a handler finds what it decodes.
enum class ArgRole : std::uint8_t {
  kOther = 0,    // nothing cocoon interprets
  kPath,         // const char* path name in guest memory
  kDirfd,        // directory fd the kPath after it is resolved against
  kAtFlags,      // AT_* flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH...)
  kOpenFlags,    // open(2) flags (O_CREAT, O_NOFOLLOW, O_ACCMODE...)
  kOpenHow,      // struct open_how* (openat2: flags, mode and RESOLVE_*)
  kLookupFlags,  // flags word a path's follow mode reads (IN_*, FAN_MARK_*)
  kPid,          // a process or thread id
  kUid,          // a user id
  kGid,          // a group id
  kFdIn,         // an fd the call uses
  kFdOut,        // pointer to fds the kernel writes (pipe2, socketpair)
  kSockaddr,     // const struct sockaddr* (AF_UNIX names are paths)
  kMode,         // file mode: permission bits, and the type for mknod
  kDev,          // device number (mknod)
  kStatBuf,      // struct stat* the kernel fills (this arch's layout)
  kStatxBuf,     // struct statx* the kernel fills
  kXattrName,    // const char* name of an extended attribute
  kXattrArgs,    // struct xattr_args* (value, size, flags: the *xattrat calls)
  kXattrList,    // buffer the kernel fills with attribute names; size follows
};

// What the result means.
enum class RetRole : std::uint8_t { kOther = 0, kFd, kPid, kUid, kGid, kAddr };

// How a path argument's last component is looked up: whether a symlink
// there is followed, and which flag changes that (path_resolution(7);
// each call's man page).
enum class Follow : std::uint8_t {
  kYes,
  kNo,
  kUnlessAtNoFollow,  // AT_SYMLINK_NOFOLLOW in the atflags argument turns it off
  kIfAtFollow,        // AT_SYMLINK_FOLLOW turns it on (linkat, name_to_handle_at)
  kOpenFlags,         // not with O_NOFOLLOW, nor with O_CREAT|O_EXCL (open(2))
  kInotifyMask,       // not with IN_DONT_FOLLOW in the mask
  kFanotifyFlags,     // not with FAN_MARK_DONT_FOLLOW in the flags
};

// What the call does to the entry a path names.
enum class Effect : std::uint8_t {
  kRead,       // looks only
  kModify,     // changes an existing entry (chmod, truncate, unlink...)
  kCreate,     // creates the entry (mkdir, mknod, symlink, link's new name)
  kReplace,    // creates it or replaces an existing one (rename's new name)
  kOpenFlags,  // open: O_WRONLY/O_RDWR/O_TRUNC modify, O_CREAT may create
};

// A path argument cocoon translates, as its row in arch/syscalls.tbl
// describes it ("path[follow-mode,effect,...]").
struct PathSpec {
  std::int8_t path = -1;   // argument index of the path
  std::int8_t dirfd = -1;  // argument index of its dirfd; -1: relative to the cwd
  Follow follow = Follow::kYes;
  Effect effect = Effect::kRead;
  // An empty path names the dirfd itself: with AT_EMPTY_PATH in the row's
  // atflags argument, or always when the row has no flags argument
  // (readlinkat).
  bool empty_ok = false;
  bool null_ok = false;  // a NULL path names the dirfd itself (utimensat, *xattrat)
  // EXDEV unless on the same mount as the row's first path (rename, link).
  bool same_mount = false;
};

inline constexpr int kMaxArgs = 6;
inline constexpr int kMaxPaths = 2;
inline constexpr std::int16_t kAbsent = -1;

struct SyscallDesc {
  std::string_view name;
  Sys sys;
  std::array<std::int16_t, kArchCount> nr;  // kAbsent where the arch lacks it
  std::array<ArgRole, kMaxArgs> args;
  std::array<std::string_view, kMaxArgs> arg_names;  // the kernel's parameter names
  std::uint8_t arg_count;
  RetRole ret;
  // The kernel version that added it, as major*100+minor, when newer than the
  // headers the table was checked against (0 otherwise).
  std::uint16_t since;
  // The path arguments cocoon translates, in argument order; none for a row
  // whose paths the table gives no lookup rules (refused when paths are
  // translated, unless a handler owns the call: mount, chroot...).
  std::array<PathSpec, kMaxPaths> paths;
  std::uint8_t path_count;
  // Index of the argument the paths' follow mode and empty_ok read (role
  // kAtFlags, kOpenFlags, kOpenHow or kLookupFlags), or -1.
  std::int8_t flags_arg;

  int number(Arch a) const { return nr[static_cast<std::size_t>(a)]; }
  bool exists_on(Arch a) const { return number(a) != kAbsent; }
  bool has_role(ArgRole role) const;
  // Index of the first argument with `role`, or -1.
  int arg_index(ArgRole role) const;
  std::span<const PathSpec> path_specs() const { return std::span(paths).first(path_count); }
};

// Whether path `p` follows a symlink in its last component, given the value
// of its row's flags argument (for openat2, struct open_how's flags).
bool follows_last(const PathSpec& p, std::uint64_t flags);
// Whether an empty path `p` names its dirfd itself (PathSpec::empty_ok).
bool empty_names_dirfd(const SyscallDesc& row, const PathSpec& p, std::uint64_t flags);

// Whether `s` is one of `list`.
constexpr bool is_any(Sys s, std::initializer_list<Sys> list) {
  for (Sys x : list) {
    if (x == s) return true;
  }
  return false;
}

// Every row, in table order.
std::span<const SyscallDesc> all_syscalls();
// Every row has a Sys: this lookup cannot fail.
const SyscallDesc& find_syscall(Sys sys);
// nullptr when unknown (user input: -e trace=NAME, cocoon syscalls).
const SyscallDesc* find_syscall(std::string_view name);
const SyscallDesc* find_syscall(Arch a, long nr);
// One past the largest number any row has on `a` (sizes per-arch lookup tables).
int max_syscall_number(Arch a);

// The calls SECCOMP_MODE_STRICT lets a task of `abi` make: read, write,
// exit and the signal return (mode1_syscalls, kernel/seccomp.c; on i386
// sigreturn, __NR_seccomp_sigreturn_32). Any other kills the thread.
bool strict_mode_allows(Arch abi, long nr);

std::string_view role_name(ArgRole r);
std::string_view ret_role_name(RetRole r);
// The table's words for them: "AT_SYMLINK_NOFOLLOW", "modify"...
std::string_view follow_name(Follow f);
std::string_view effect_name(Effect e);
// "(dirfd:dfd, path[O_NOFOLLOW,open]:filename, oflags:flags, mode:mode) -> fd",
// the row as arch/syscalls.tbl spells it.
std::string signature(const SyscallDesc& row);

}  // namespace cocoon::arch
