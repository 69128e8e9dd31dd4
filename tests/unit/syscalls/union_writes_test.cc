// The host side of union mounts on real directories: what copy-up,
// delete and rename leave in the layers (overlayfs's rules,
// Documentation/filesystems/overlayfs.rst, with cocoon's .wh.NAME
// whiteouts, vfs/union.h), and what the merged view then shows.
#include "paths/union_writes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cocoon/vfs/union.h"

namespace cocoon::syscalls {
namespace {

namespace fs = std::filesystem;

class UnionWritesTest : public ::testing::Test {
 protected:
  UnionWritesTest() {
    char tmpl[] = "/tmp/cocoon-union-test.XXXXXX";
    root_ = ::mkdtemp(tmpl);
    for (const char* d : {"up", "lo", "work", "lo/d", "lo/merged", "up/merged"}) fs::create_directory(root_ / d);
    write("lo/file", "lower\n");
    ::chmod((root_ / "lo/file").c_str(), 0640);
    const timespec old[2] = {{1577934245, 0}, {1577934245, 0}};
    ::utimensat(AT_FDCWD, (root_ / "lo/file").c_str(), old, 0);
    write("lo/d/inside", "x");
    write("lo/merged/low", "l");
    write("up/merged/high", "h");
    write("lo/both", "lower both");
    write("up/both", "upper both");
    m_.kind = vfs::MountKind::kOverlay;
    m_.layers = {vfs::HostPath((root_ / "up").string()), vfs::HostPath((root_ / "lo").string())};
    m_.has_upper = true;
    m_.work = vfs::HostPath((root_ / "work").string());
  }
  ~UnionWritesTest() override { fs::remove_all(root_); }

  void write(const std::string& rel, const std::string& text) { std::ofstream(root_ / rel) << text; }
  std::string read(const std::string& rel) {
    std::ifstream in(root_ / rel);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool exists(const std::string& rel) { return fs::exists(fs::symlink_status(root_ / rel)); }
  vfs::EntryKind seen(const std::string& rel) {
    return vfs::union_lookup(host_, m_.layers, rel).value().kind;
  }

  fs::path root_;
  vfs::Mount m_;
  vfs::HostFilesystem host_;
};

TEST_F(UnionWritesTest, CopyUpKeepsDataModeAndTimesAndLeavesTheLowerFile) {
  ASSERT_EQ(union_copy_up(m_, "file"), 0);
  EXPECT_EQ(read("up/file"), "lower\n");
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "up/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1577934245);
  EXPECT_EQ(read("lo/file"), "lower\n");
  EXPECT_TRUE(fs::is_empty(root_ / "work"));  // staged there, renamed away
  // A second copy-up leaves the upper copy alone.
  write("up/file", "changed\n");
  ASSERT_EQ(union_copy_up(m_, "file"), 0);
  EXPECT_EQ(read("up/file"), "changed\n");
}

TEST_F(UnionWritesTest, CopyUpOfANestedEntryMakesItsDirectories) {
  ASSERT_EQ(union_copy_up(m_, "d/inside"), 0);
  EXPECT_TRUE(fs::is_directory(root_ / "up/d"));
  EXPECT_EQ(read("up/d/inside"), "x");
}

TEST_F(UnionWritesTest, DeletingALowerNameLeavesAWhiteout) {
  ASSERT_EQ(union_remove(m_, "file", false), 0);
  EXPECT_TRUE(exists("up/.wh.file"));
  EXPECT_TRUE(exists("lo/file"));
  EXPECT_EQ(seen("file"), vfs::EntryKind::kMissing);
  // Made again: the new one shows, the lower one stays hidden after it goes.
  write("up/file", "new");
  EXPECT_EQ(seen("file"), vfs::EntryKind::kOther);
  ASSERT_EQ(union_remove(m_, "file", false), 0);
  EXPECT_EQ(seen("file"), vfs::EntryKind::kMissing);
}

TEST_F(UnionWritesTest, DeletingAnEntryInBothLayers) {
  ASSERT_EQ(union_remove(m_, "both", false), 0);
  EXPECT_FALSE(exists("up/both"));
  EXPECT_TRUE(exists("up/.wh.both"));
  EXPECT_EQ(read("lo/both"), "lower both");
  EXPECT_EQ(seen("both"), vfs::EntryKind::kMissing);
}

TEST_F(UnionWritesTest, RemoveAsTheKernelAnswers) {
  EXPECT_EQ(union_remove(m_, "merged", true), ENOTEMPTY);
  EXPECT_EQ(union_remove(m_, "merged", false), EISDIR);
  EXPECT_EQ(union_remove(m_, "file", true), ENOTDIR);
  EXPECT_EQ(union_remove(m_, "nothing", false), ENOENT);
  // Emptied in the view, a merged directory goes, whiteouts and all.
  ASSERT_EQ(union_remove(m_, "merged/low", false), 0);
  ASSERT_EQ(union_remove(m_, "merged/high", false), 0);
  ASSERT_EQ(union_remove(m_, "merged", true), 0);
  EXPECT_FALSE(exists("up/merged"));
  EXPECT_TRUE(exists("up/.wh.merged"));
  EXPECT_TRUE(exists("lo/merged/low"));
}

TEST_F(UnionWritesTest, RenameCopiesUpAFileAndRefusesALowerDirectory) {
  ASSERT_EQ(union_rename(m_, "file", "moved", 0), 0);
  EXPECT_EQ(read("up/moved"), "lower\n");
  EXPECT_EQ(seen("file"), vfs::EntryKind::kMissing);
  EXPECT_TRUE(exists("lo/file"));
  EXPECT_EQ(union_rename(m_, "d", "d2", 0), EXDEV);
  EXPECT_EQ(union_rename(m_, "merged", "m2", 0), EXDEV);
  EXPECT_EQ(union_rename(m_, "both", "d", 0), EXDEV);  // onto a lower directory
  EXPECT_EQ(union_rename(m_, "both", "moved", RENAME_NOREPLACE), EEXIST);
  // A directory of the upper layer's own moves.
  fs::create_directory(root_ / "up/own");
  EXPECT_EQ(union_rename(m_, "own", "own2", 0), 0);
}

}  // namespace
}  // namespace cocoon::syscalls
