// The path specs arch/syscalls.tbl gives each path argument (follow mode,
// effect, dirfd, flags argument, empty and NULL paths) and what Paths does
// with them: every path syscall of a 64-bit ABI is translated or refused on
// purpose, the specs agree with the man pages for a sample of calls, and the
// read-only decisions follow the kernel's order of checks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/vfs/mount_table.h"
#include "paths/path_effects.h"
#include "paths/paths.h"

namespace cocoon::syscalls {
namespace {

using arch::ArgRole;
using arch::Effect;
using arch::Follow;
using arch::Sys;

const arch::PathSpec& spec(Sys sys, int i = 0) {
  const arch::SyscallDesc& row = arch::find_syscall(sys);
  EXPECT_LT(i, row.path_count) << row.name;
  return row.paths[static_cast<std::size_t>(i)];
}

// The path calls cocoon does not translate: it refuses them (ENOSYS) or a
// handler owns them (mount and its kin with --namespaces, chroot). A new
// path row lands here only on purpose; otherwise it needs its specs.
const std::set<Sys> kUntranslated = {
    Sys::mount,  Sys::umount,   Sys::umount2,  Sys::pivot_root,     Sys::chroot,
    Sys::acct,   Sys::swapon,   Sys::swapoff,  Sys::quotactl,       Sys::uselib,
    Sys::open_tree, Sys::open_tree_attr, Sys::move_mount, Sys::fspick, Sys::mount_setattr,
};

TEST(PathSpecs, EveryPathOfA64BitAbiHasOneUnlessRefusedOnPurpose) {
  int translated = 0;
  for (const arch::SyscallDesc& row : arch::all_syscalls()) {
    if (!row.has_role(ArgRole::kPath)) {
      EXPECT_EQ(row.path_count, 0) << row.name;
      continue;
    }
    const bool on_64bit = row.exists_on(arch::Arch::kX86_64) ||
                          row.exists_on(arch::Arch::kAarch64) ||
                          row.exists_on(arch::Arch::kRiscv64);
    if (!on_64bit || kUntranslated.contains(row.sys)) {
      EXPECT_EQ(row.path_count, 0) << row.name;
      continue;
    }
    int paths = 0;
    for (int i = 0; i < row.arg_count; ++i) paths += row.args[static_cast<std::size_t>(i)] == ArgRole::kPath;
    EXPECT_EQ(row.path_count, paths) << row.name << ": every path argument needs its spec";
    ++translated;
  }
  EXPECT_GT(translated, 55);
}

TEST(PathSpecs, AgreeWithTheRowsRoles) {
  for (const arch::SyscallDesc& row : arch::all_syscalls()) {
    for (const arch::PathSpec& p : row.path_specs()) {
      ASSERT_LT(p.path, row.arg_count) << row.name;
      EXPECT_EQ(row.args[static_cast<std::size_t>(p.path)], ArgRole::kPath) << row.name;
      if (p.dirfd >= 0) {
        EXPECT_EQ(p.dirfd, p.path - 1) << row.name;
        EXPECT_EQ(row.args[static_cast<std::size_t>(p.dirfd)], ArgRole::kDirfd) << row.name;
      }
      const bool needs_at = p.follow == Follow::kUnlessAtNoFollow || p.follow == Follow::kIfAtFollow;
      if (needs_at) {
        ASSERT_GE(row.flags_arg, 0) << row.name;
        EXPECT_EQ(row.args[static_cast<std::size_t>(row.flags_arg)], ArgRole::kAtFlags) << row.name;
      }
    }
  }
}

// open(2), stat(2), fstatat(2), linkat(2), rename(2), unlink(2), mkdir(2),
// readlink(2), utimensat(2), execveat(2), inotify_add_watch(2), chown(2),
// symlink(2), fchmodat(2) (the raw syscall has no flags), xattr(7).
TEST(PathSpecs, AgreeWithTheManPages) {
  const arch::SyscallDesc& openat = arch::find_syscall(Sys::openat);
  EXPECT_EQ(openat.paths[0].path, 1);
  EXPECT_EQ(openat.paths[0].dirfd, 0);
  EXPECT_EQ(openat.paths[0].follow, Follow::kOpenFlags);
  EXPECT_EQ(openat.paths[0].effect, Effect::kOpenFlags);
  EXPECT_EQ(openat.flags_arg, 2);
  EXPECT_EQ(arch::find_syscall(Sys::openat2).args[2], ArgRole::kOpenHow);
  EXPECT_EQ(spec(Sys::stat).follow, Follow::kYes);
  EXPECT_EQ(spec(Sys::lstat).follow, Follow::kNo);
  EXPECT_EQ(spec(Sys::newfstatat).follow, Follow::kUnlessAtNoFollow);
  EXPECT_TRUE(spec(Sys::newfstatat).empty_ok);
  EXPECT_EQ(arch::find_syscall(Sys::newfstatat).flags_arg, 3);
  // linkat does not follow oldpath unless AT_SYMLINK_FOLLOW; both ends on one mount.
  EXPECT_EQ(spec(Sys::linkat, 0).follow, Follow::kIfAtFollow);
  EXPECT_EQ(spec(Sys::linkat, 1).effect, Effect::kCreate);
  EXPECT_EQ(spec(Sys::linkat, 1).dirfd, 2);
  EXPECT_TRUE(spec(Sys::linkat, 1).same_mount);
  // rename's new name may exist: replaced, not EEXIST.
  EXPECT_EQ(spec(Sys::renameat2, 0).effect, Effect::kModify);
  EXPECT_EQ(spec(Sys::renameat2, 1).effect, Effect::kReplace);
  EXPECT_TRUE(spec(Sys::renameat2, 1).same_mount);
  EXPECT_FALSE(spec(Sys::renameat2, 0).same_mount);
  EXPECT_EQ(spec(Sys::unlinkat).follow, Follow::kNo);
  EXPECT_EQ(spec(Sys::unlinkat).effect, Effect::kModify);
  EXPECT_EQ(spec(Sys::mkdirat).follow, Follow::kNo);
  EXPECT_EQ(spec(Sys::mkdirat).effect, Effect::kCreate);
  // readlinkat: an empty path is the dirfd's own link (Linux 2.6.39), no flag needed.
  EXPECT_TRUE(spec(Sys::readlinkat).empty_ok);
  EXPECT_EQ(arch::find_syscall(Sys::readlinkat).flags_arg, -1);
  EXPECT_FALSE(spec(Sys::readlink).empty_ok);
  EXPECT_TRUE(spec(Sys::utimensat).null_ok);
  EXPECT_FALSE(spec(Sys::newfstatat).null_ok);
  EXPECT_EQ(spec(Sys::execveat).follow, Follow::kUnlessAtNoFollow);
  EXPECT_TRUE(spec(Sys::execveat).empty_ok);
  EXPECT_EQ(spec(Sys::inotify_add_watch).follow, Follow::kInotifyMask);
  EXPECT_EQ(arch::find_syscall(Sys::inotify_add_watch).flags_arg, 2);
  EXPECT_EQ(spec(Sys::lchown).follow, Follow::kNo);
  EXPECT_EQ(spec(Sys::chown).follow, Follow::kYes);
  EXPECT_EQ(spec(Sys::symlinkat).path, 2);  // the target (arg 0) is never resolved
  EXPECT_EQ(spec(Sys::symlinkat).effect, Effect::kCreate);
  EXPECT_EQ(spec(Sys::fchmodat).follow, Follow::kYes);
  EXPECT_EQ(arch::find_syscall(Sys::fchmodat).flags_arg, -1);
  for (Sys s : {Sys::getxattr, Sys::listxattr, Sys::setxattr, Sys::removexattr}) {
    EXPECT_EQ(spec(s).follow, Follow::kYes) << arch::find_syscall(s).name;
  }
  for (Sys s : {Sys::lgetxattr, Sys::llistxattr, Sys::lsetxattr, Sys::lremovexattr}) {
    EXPECT_EQ(spec(s).follow, Follow::kNo) << arch::find_syscall(s).name;
  }
  for (Sys s : {Sys::getxattrat, Sys::listxattrat, Sys::setxattrat, Sys::removexattrat}) {
    EXPECT_EQ(spec(s).follow, Follow::kUnlessAtNoFollow) << arch::find_syscall(s).name;
    EXPECT_TRUE(spec(s).empty_ok && spec(s).null_ok) << arch::find_syscall(s).name;
  }
}

TEST(PathSpecs, FollowAndEmptyPathReadTheFlags) {
  const arch::SyscallDesc& openat = arch::find_syscall(Sys::openat);
  EXPECT_TRUE(arch::follows_last(openat.paths[0], O_RDONLY));
  EXPECT_FALSE(arch::follows_last(openat.paths[0], O_RDONLY | O_NOFOLLOW));
  EXPECT_TRUE(arch::follows_last(openat.paths[0], O_WRONLY | O_CREAT));
  EXPECT_FALSE(arch::follows_last(openat.paths[0], O_WRONLY | O_CREAT | O_EXCL));
  EXPECT_TRUE(arch::follows_last(spec(Sys::statx), 0));
  EXPECT_FALSE(arch::follows_last(spec(Sys::statx), AT_SYMLINK_NOFOLLOW));
  EXPECT_FALSE(arch::follows_last(spec(Sys::linkat), 0));
  EXPECT_TRUE(arch::follows_last(spec(Sys::linkat), AT_SYMLINK_FOLLOW));
  const arch::SyscallDesc& statx = arch::find_syscall(Sys::statx);
  EXPECT_FALSE(arch::empty_names_dirfd(statx, statx.paths[0], 0));
  EXPECT_TRUE(arch::empty_names_dirfd(statx, statx.paths[0], AT_EMPTY_PATH));
  const arch::SyscallDesc& readlinkat = arch::find_syscall(Sys::readlinkat);
  EXPECT_TRUE(arch::empty_names_dirfd(readlinkat, readlinkat.paths[0], 0));
  const arch::SyscallDesc& fchmodat = arch::find_syscall(Sys::fchmodat);
  EXPECT_FALSE(arch::empty_names_dirfd(fchmodat, fchmodat.paths[0], AT_EMPTY_PATH));
}

// `cocoon syscalls` shows a row as the table spells it.
TEST(PathSpecs, SignatureSpellsTheTablesSyntax) {
  EXPECT_EQ(arch::signature(arch::find_syscall(Sys::openat)),
            "(dirfd:dfd, path[O_NOFOLLOW,open]:filename, oflags:flags, mode:mode) -> fd");
  EXPECT_EQ(arch::signature(arch::find_syscall(Sys::renameat)),
            "(dirfd:olddfd, path[nofollow,modify]:oldname, dirfd:newdfd, "
            "path[nofollow,replace,exdev]:newname)");
  EXPECT_EQ(arch::signature(arch::find_syscall(Sys::mount)),
            "(path:dev_name, path:dir_name, type, flags, data)");
  EXPECT_EQ(arch::signature(arch::find_syscall(Sys::getpid)), "() -> pid");
}

// With a view that translates, every path syscall of the host's ABI is
// traced (it has specs, or is chroot, answered by the tracer) or answered
// ENOSYS unless another handler emulates it: none is let through
// untranslated, and the i386 entry gets ENOSYS for all of them.
TEST(Paths, NoPathSyscallPassesUntranslated) {
  auto table = vfs::MountTable(vfs::HostPath("/srv/root"));
  tracer::ProcessRegistry registry;
  const Paths paths(std::make_shared<GuestView>(std::move(table)), registry);
  int traced = 0;
  for (const auto& row : arch::all_syscalls()) {
    const bool has_path = row.has_role(ArgRole::kPath);
    for (arch::Arch abi : arch::entry_abis(arch::host_arch())) {
      if (!row.exists_on(abi)) continue;
      const auto d = paths.decision(row, abi);
      const bool host = abi == arch::host_arch();
      if (arch::is_any(row.sys, {Sys::open_by_handle_at, Sys::fsopen, Sys::statmount, Sys::listmount})) {
        // Files reached with no path to translate, and the host's mount
        // table: refused in a view.
        EXPECT_EQ(d, tracer::Decision::fail(ENOSYS)) << row.name;
      } else if (!has_path && row.sys != Sys::getcwd) {
        EXPECT_EQ(d, tracer::Decision::allow()) << row.name;
      } else if (host && row.sys == Sys::getcwd) {
        EXPECT_EQ(d, tracer::Decision::trace()) << row.name;  // emulated
      } else if (host && row.sys == Sys::chroot) {
        EXPECT_EQ(d, tracer::Decision::trace().unless_owned()) << row.name;
      } else if (host && row.path_count > 0) {
        EXPECT_EQ(d, tracer::Decision::trace().in(tracer::Phase::kTranslate)) << row.name;
        ++traced;
      } else if (host) {
        // mount(2) and the rest: refused, unless a handler emulates them.
        EXPECT_EQ(d, tracer::Decision::fail(ENOSYS).unless_owned()) << row.name;
      } else {
        EXPECT_EQ(d, tracer::Decision::fail(ENOSYS)) << row.name << " on " << arch::name(abi);
      }
    }
  }
  EXPECT_GT(traced, 30);
}

class Effects : public testing::Test {
 protected:
  vfs::Mount ro_{vfs::GuestPath("/ro"), vfs::HostPath("/x"), vfs::MountKind::kBind, true};
  vfs::Mount rw_{vfs::GuestPath("/rw"), vfs::HostPath("/y"), vfs::MountKind::kBind, false};
  vfs::Resolved at(const vfs::Mount& m, vfs::EntryKind k) {
    return {vfs::GuestPath("/g"), vfs::HostPath("/h"), m, k};
  }
};

TEST_F(Effects, ReadOnlyMountsRefuseChangesInTheKernelsOrder) {
  using K = vfs::EntryKind;
  EXPECT_EQ(effect_error(Effect::kRead, 0, at(ro_, K::kOther)), 0);
  EXPECT_EQ(effect_error(Effect::kModify, 0, at(ro_, K::kOther)), EROFS);
  EXPECT_EQ(effect_error(Effect::kModify, 0, at(ro_, K::kMissing)), ENOENT);
  EXPECT_EQ(effect_error(Effect::kCreate, 0, at(ro_, K::kMissing)), EROFS);
  EXPECT_EQ(effect_error(Effect::kCreate, 0, at(ro_, K::kDirectory)), EEXIST);
  EXPECT_EQ(effect_error(Effect::kReplace, 0, at(ro_, K::kOther)), EROFS);  // rename over
  EXPECT_EQ(effect_error(Effect::kReplace, 0, at(ro_, K::kMissing)), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY, at(ro_, K::kOther)), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY, at(ro_, K::kOther)), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY | O_TRUNC, at(ro_, K::kOther)), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY | O_CREAT, at(ro_, K::kOther)), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY | O_CREAT, at(ro_, K::kMissing)), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY, at(ro_, K::kMissing)), 0);  // ENOENT
  EXPECT_EQ(effect_error(Effect::kModify, 0, at(rw_, K::kOther)), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDWR | O_CREAT, at(rw_, K::kMissing)), 0);
}

// What decides an open is the file's type, read from the host: only a
// regular file asks the mount for write access (do_dentry_open()), a
// directory opened for writing is the kernel's EISDIR, a device on a nodev
// mount is EACCES for any access (may_open_dev()).
TEST_F(Effects, OpenDependsOnTheFilesTypeAsTheKernelsDoes) {
  char dir_template[] = "/tmp/effects-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string fifo = dir + "/fifo", file = dir + "/file";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  ::close(::creat(file.c_str(), 0666));
  auto on = [](const vfs::Mount& m, const std::string& host, vfs::EntryKind k) {
    return vfs::Resolved{vfs::GuestPath("/g"), vfs::HostPath(host), m, k};
  };
  using K = vfs::EntryKind;
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY, on(ro_, fifo, K::kOther)), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY | O_TRUNC, on(ro_, fifo, K::kUnknown)), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY, on(ro_, file, K::kOther)), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY | O_CREAT, on(ro_, dir, K::kDirectory)), 0);
  vfs::Mount nodev = rw_;
  nodev.no_devices = true;
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY, on(nodev, "/dev/null", K::kOther)), EACCES);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY, on(nodev, "/dev/null", K::kUnknown)), EACCES);
  EXPECT_EQ(effect_error(Effect::kRead, 0, on(nodev, "/dev/null", K::kOther)), 0);  // stat
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDWR, on(nodev, fifo, K::kOther)), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY, on(rw_, "/dev/null", K::kOther)), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cocoon::syscalls
