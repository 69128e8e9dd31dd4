// The generated table: numbers per arch (the build already checked them
// against the kernel headers; these pin the ones cocoon's own logic relies
// on), lookups both ways, and argument roles the handlers select by.
#include "cocoon/arch/syscall_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace cocoon::arch {
namespace {

int nr(std::string_view name, Arch a) {
  const SyscallDesc* d = find_syscall(name);
  return d == nullptr ? -2 : d->number(a);
}

TEST(SyscallTable, NumbersPerArch) {
  EXPECT_EQ(nr("openat", Arch::kX86_64), 257);
  EXPECT_EQ(nr("openat", Arch::kI386), 295);
  EXPECT_EQ(nr("openat", Arch::kAarch64), 56);
  EXPECT_EQ(nr("openat", Arch::kRiscv64), 56);
  EXPECT_EQ(nr("getpid", Arch::kX86_64), 39);
  EXPECT_EQ(nr("getpid", Arch::kI386), 20);
  EXPECT_EQ(nr("getpid", Arch::kAarch64), 172);
  EXPECT_EQ(nr("riscv_flush_icache", Arch::kRiscv64), 259);
  EXPECT_EQ(nr("riscv_flush_icache", Arch::kAarch64), kAbsent);
  // The generic arches lack the legacy calls; riscv64 even lacks renameat.
  EXPECT_EQ(nr("open", Arch::kAarch64), kAbsent);
  EXPECT_EQ(nr("fork", Arch::kRiscv64), kAbsent);
  EXPECT_EQ(nr("renameat", Arch::kAarch64), 38);
  EXPECT_EQ(nr("renameat", Arch::kRiscv64), kAbsent);
  // i386 `open` is 5, which is x86-64's fstat: the reason the filter keys
  // its decisions by ABI first.
  EXPECT_EQ(nr("open", Arch::kI386), 5);
  EXPECT_EQ(nr("fstat", Arch::kX86_64), 5);
}

TEST(SyscallTable, NewerThanTheHeadersAreKnown) {
  // fchmodat2 (Linux 6.6) is past Debian 12's 6.1 headers, and issue 4
  // needs it translated: it must be a row, with the same number everywhere.
  const SyscallDesc* d = find_syscall("fchmodat2");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->since, 606);
  for (Arch a : {Arch::kX86_64, Arch::kI386, Arch::kAarch64, Arch::kRiscv64}) {
    EXPECT_EQ(d->number(a), 452) << name(a);
  }
}

TEST(SyscallTable, LookupByNumberRoundTrips) {
  std::set<std::string_view> names;
  for (const SyscallDesc& row : all_syscalls()) {
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate " << row.name;
    EXPECT_EQ(find_syscall(row.name), &row);
    bool somewhere = false;
    for (Arch a : {Arch::kX86_64, Arch::kI386, Arch::kAarch64, Arch::kRiscv64}) {
      if (!row.exists_on(a)) continue;
      somewhere = true;
      EXPECT_EQ(find_syscall(a, row.number(a)), &row) << row.name << " on " << name(a);
      EXPECT_LT(row.number(a), max_syscall_number(a));
    }
    EXPECT_TRUE(somewhere) << row.name;
  }
  EXPECT_GT(names.size(), 440u);  // the 6.1 headers alone name 450 calls
  EXPECT_EQ(find_syscall(Arch::kX86_64, -1), nullptr);
  EXPECT_EQ(find_syscall(Arch::kX86_64, 100000), nullptr);
  EXPECT_EQ(find_syscall("no_such_call"), nullptr);
}

// Sys, the generated enumeration handlers switch on, names every row, in
// table order, as the kernel names it (a keyword gets a trailing '_').
TEST(SyscallTable, SysNamesEveryRow) {
  for (const SyscallDesc& row : all_syscalls()) {
    EXPECT_EQ(&find_syscall(row.sys), &row) << row.name;
  }
  EXPECT_EQ(all_syscalls().size(), kSysCount);
  EXPECT_EQ(find_syscall(Sys::openat).name, "openat");
  EXPECT_EQ(find_syscall(Sys::openat).number(Arch::kX86_64), 257);
  EXPECT_EQ(find_syscall(Sys::break_).name, "break");  // i386's, a C++ keyword
  EXPECT_TRUE(is_any(Sys::stat, {Sys::lstat, Sys::stat}));
  EXPECT_FALSE(is_any(Sys::stat, {Sys::lstat, Sys::fstat}));
}

TEST(SyscallTable, ArgumentRoles) {
  const SyscallDesc* openat = find_syscall("openat");
  ASSERT_NE(openat, nullptr);
  EXPECT_EQ(openat->arg_count, 4);
  EXPECT_EQ(openat->args[0], ArgRole::kDirfd);
  EXPECT_EQ(openat->args[1], ArgRole::kPath);
  EXPECT_EQ(openat->ret, RetRole::kFd);
  EXPECT_EQ(find_syscall("fchownat")->arg_index(ArgRole::kAtFlags), 4);
  EXPECT_EQ(find_syscall("fchownat")->arg_index(ArgRole::kUid), 2);
  EXPECT_EQ(find_syscall("fchownat")->arg_index(ArgRole::kGid), 3);
  EXPECT_EQ(find_syscall("execve")->arg_index(ArgRole::kPath), 0);
  EXPECT_EQ(find_syscall("kill")->arg_index(ArgRole::kPid), 0);
  EXPECT_EQ(find_syscall("pipe2")->arg_index(ArgRole::kFdOut), 0);
  EXPECT_EQ(find_syscall("connect")->arg_index(ArgRole::kSockaddr), 1);
  EXPECT_EQ(find_syscall("read")->arg_index(ArgRole::kFdIn), 0);
  EXPECT_EQ(find_syscall("getuid")->ret, RetRole::kUid);
  EXPECT_EQ(find_syscall("getpid")->arg_count, 0);
  // renameat2 and linkat carry two paths, each with its own dirfd.
  const SyscallDesc* r2 = find_syscall("renameat2");
  EXPECT_EQ(r2->args[0], ArgRole::kDirfd);
  EXPECT_EQ(r2->args[1], ArgRole::kPath);
  EXPECT_EQ(r2->args[2], ArgRole::kDirfd);
  EXPECT_EQ(r2->args[3], ArgRole::kPath);
}

// Every syscall that takes a dirfd resolves a path against it, so the VFS,
// which selects syscalls by role, cannot miss one.
TEST(SyscallTable, EveryDirfdComesWithAPath) {
  for (const SyscallDesc& row : all_syscalls()) {
    if (row.has_role(ArgRole::kDirfd)) {
      EXPECT_TRUE(row.has_role(ArgRole::kPath)) << row.name;
    }
    EXPECT_LE(row.arg_count, kMaxArgs);
    for (int i = 0; i < row.arg_count; ++i) {
      EXPECT_FALSE(row.arg_names[static_cast<std::size_t>(i)].empty()) << row.name << " arg " << i;
    }
  }
}

TEST(SyscallTable, PathSyscallsTheVfsMustSee) {
  for (const char* n : {"open", "openat", "openat2", "stat", "lstat", "newfstatat", "statx",
                        "access", "faccessat", "faccessat2", "execve", "execveat", "chdir",
                        "mkdir", "mkdirat", "mknodat", "rename", "renameat2", "link", "linkat",
                        "symlink", "symlinkat", "unlink", "unlinkat", "rmdir", "readlink",
                        "readlinkat", "chmod", "fchmodat", "chown", "lchown", "fchownat",
                        "truncate", "utimensat", "setxattr", "lgetxattr", "statfs",
                        "inotify_add_watch", "fanotify_mark", "name_to_handle_at", "chroot"}) {
    const SyscallDesc* d = find_syscall(n);
    ASSERT_NE(d, nullptr) << n;
    EXPECT_TRUE(d->has_role(ArgRole::kPath)) << n;
  }
}

}  // namespace
}  // namespace cocoon::arch
