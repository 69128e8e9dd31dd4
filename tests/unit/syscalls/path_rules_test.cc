// The path rules against the one source of truth, arch/syscalls.tbl: every
// rule names a real syscall, its path and dirfd indexes carry those roles,
// every path syscall of the host is either ruled or refused, and the
// read-only decisions follow the kernel's order of checks.
#include "path_rules.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/vfs/mount_table.h"
#include "path_effects.h"
#include "paths.h"

namespace cocoon::syscalls {
namespace {

TEST(PathRules, SortedAndFoundByName) {
  const auto rules = all_path_rules();
  EXPECT_TRUE(std::is_sorted(rules.begin(), rules.end(),
                             [](const PathRule& a, const PathRule& b) { return a.name < b.name; }));
  for (const PathRule& r : rules) EXPECT_EQ(find_path_rule(r.name), &r);
  EXPECT_EQ(find_path_rule("mount"), nullptr);
  EXPECT_EQ(find_path_rule("zzz"), nullptr);
}

TEST(PathRules, AgreeWithTheTablesRoles) {
  for (const PathRule& r : all_path_rules()) {
    const arch::SyscallDesc* row = arch::find_syscall(r.name);
    ASSERT_NE(row, nullptr) << r.name;
    for (int i = 0; i < r.count; ++i) {
      const PathArg& a = r.paths[static_cast<std::size_t>(i)];
      ASSERT_LT(a.path, row->arg_count) << r.name;
      EXPECT_EQ(row->args[static_cast<std::size_t>(a.path)], arch::ArgRole::kPath) << r.name;
      if (a.dirfd >= 0) {
        EXPECT_EQ(row->args[static_cast<std::size_t>(a.dirfd)], arch::ArgRole::kDirfd) << r.name;
      }
    }
    if (r.flags_arg >= 0) {
      EXPECT_LT(r.flags_arg, row->arg_count) << r.name;
    }
  }
}

// With a view that translates, every path syscall of the host's ABI is
// traced (ruled, or chroot, answered by the tracer) or answered ENOSYS
// unless another handler emulates it: none is let through untranslated,
// and the i386 entry gets ENOSYS for all of them.
TEST(Paths, NoPathSyscallPassesUntranslated) {
  auto table = vfs::MountTable(vfs::HostPath("/srv/root"));
  const Paths paths(std::make_shared<GuestView>(std::move(table)));
  int traced = 0;
  for (const auto& row : arch::all_syscalls()) {
    const bool has_path = row.has_role(arch::ArgRole::kPath);
    for (arch::Arch abi : arch::entry_abis(arch::host_arch())) {
      if (!row.exists_on(abi)) continue;
      const auto d = paths.decision(row, abi);
      const bool host = abi == arch::host_arch();
      if (!has_path && row.name != "getcwd") {
        EXPECT_EQ(d, tracer::Decision::allow()) << row.name;
      } else if (host && find_path_rule(row.name)) {
        EXPECT_EQ(d, tracer::Decision::trace().in(tracer::Phase::kTranslate)) << row.name;
        ++traced;
      } else if (host && row.name == "getcwd") {
        EXPECT_EQ(d, tracer::Decision::trace()) << row.name;  // emulated
      } else if (host && row.name == "chroot") {
        EXPECT_EQ(d, tracer::Decision::trace().unless_owned()) << row.name;
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
  EXPECT_EQ(effect_error(Effect::kRead, 0, at(ro_, K::kOther), false), 0);
  EXPECT_EQ(effect_error(Effect::kModify, 0, at(ro_, K::kOther), false), EROFS);
  EXPECT_EQ(effect_error(Effect::kModify, 0, at(ro_, K::kMissing), false), ENOENT);
  EXPECT_EQ(effect_error(Effect::kCreate, 0, at(ro_, K::kMissing), false), EROFS);
  EXPECT_EQ(effect_error(Effect::kCreate, 0, at(ro_, K::kDirectory), false), EEXIST);
  EXPECT_EQ(effect_error(Effect::kCreate, 0, at(ro_, K::kOther), true), EROFS);  // rename over
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY, at(ro_, K::kOther), false), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY, at(ro_, K::kOther), false), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY | O_TRUNC, at(ro_, K::kOther), false), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY | O_CREAT, at(ro_, K::kOther), false), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_WRONLY | O_CREAT, at(ro_, K::kMissing), false), EROFS);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDONLY, at(ro_, K::kMissing), false), 0);  // ENOENT
  EXPECT_EQ(effect_error(Effect::kModify, 0, at(rw_, K::kOther), false), 0);
  EXPECT_EQ(effect_error(Effect::kOpenFlags, O_RDWR | O_CREAT, at(rw_, K::kMissing), false), 0);
}

}  // namespace
}  // namespace cocoon::syscalls
