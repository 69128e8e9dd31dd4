// root_may(): generic_permission()'s capability step (fs/namei.c), which
// decides what the emulated root passes on the real user's own files
// (dac_override.h). The cases follow the kernel's comments: read and write
// always overridable, exec only with an x bit somewhere, directories read
// and searched with CAP_DAC_READ_SEARCH alone.
// OpenedDirs with a database (--db): a widened mode is explained by a
// record until it is given back, also when cocoon dies in between.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cocoon/tracer/registry.h"
#include "identity/dac_override.h"
#include "identity/file_view.h"
#include "identity/identity.h"

namespace cocoon::syscalls {
namespace {

constexpr std::uint64_t kOverride = std::uint64_t{1} << CAP_DAC_OVERRIDE;
constexpr std::uint64_t kReadSearch = std::uint64_t{1} << CAP_DAC_READ_SEARCH;

TEST(RootMay, OverrideReadsAndWritesAnyFile) {
  for (std::uint32_t mask : {R_OK, W_OK, R_OK | W_OK, 0}) {
    EXPECT_TRUE(root_may(S_IFREG | 0, mask, kOverride)) << mask;
    EXPECT_TRUE(root_may(S_IFREG | 0444, mask, kOverride)) << mask;
  }
}

TEST(RootMay, ExecNeedsSomeExecBit) {
  EXPECT_FALSE(root_may(S_IFREG | 0666, X_OK, kOverride));
  EXPECT_FALSE(root_may(S_IFREG | 0, R_OK | X_OK, kOverride | kReadSearch));
  for (std::uint32_t mode : {0100u, 0010u, 0001u}) {
    EXPECT_TRUE(root_may(S_IFREG | mode, X_OK, kOverride)) << mode;
  }
}

TEST(RootMay, ReadSearchReadsFilesOnly) {
  EXPECT_TRUE(root_may(S_IFREG | 0, R_OK, kReadSearch));
  EXPECT_FALSE(root_may(S_IFREG | 0, W_OK, kReadSearch));
  EXPECT_FALSE(root_may(S_IFREG | 0, R_OK | W_OK, kReadSearch));
  EXPECT_FALSE(root_may(S_IFREG | 0111, X_OK, kReadSearch));
}

TEST(RootMay, Directories) {
  EXPECT_TRUE(root_may(S_IFDIR | 0, R_OK | X_OK, kReadSearch));
  EXPECT_FALSE(root_may(S_IFDIR | 0, W_OK, kReadSearch));
  EXPECT_TRUE(root_may(S_IFDIR | 0, R_OK | W_OK | X_OK, kOverride));
  // A directory is searched with no x bit at all (unlike a file's exec).
  EXPECT_TRUE(root_may(S_IFDIR | 0, X_OK, kOverride));
}

TEST(RootMay, NothingWithoutTheCapabilities) {
  const std::uint64_t others = ~(kOverride | kReadSearch);
  EXPECT_FALSE(root_may(S_IFREG | 0, R_OK, others));
  EXPECT_FALSE(root_may(S_IFDIR | 0, X_OK, others));
  EXPECT_FALSE(root_may(S_IFDIR | 0, R_OK, 0));
}

// A directory of mode 0 holding a file, and a database beside it.
class ExplainedModes : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-dac-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    closed_ = dir_ + "/closed";
    ASSERT_EQ(::mkdir(closed_.c_str(), 0700), 0);
    ASSERT_EQ(::close(::creat((closed_ + "/f").c_str(), 0600)), 0);
    ASSERT_EQ(::chmod(closed_.c_str(), 0), 0);
    db_ = dir_ + "/owners.db";
  }
  void TearDown() override {
    ::chmod(closed_.c_str(), 0700);
    std::filesystem::remove_all(dir_);
  }
  std::uint32_t mode() const {
    struct stat st {};
    ::stat(closed_.c_str(), &st);
    return st.st_mode & 07777;
  }
  // The record the database holds for the closed directory.
  static const FileRecord* record(IdentityState& s, const std::string& path) {
    const auto sx = host_statx({path, true, {}, {}, {}}, STATX_BASIC_STATS | STATX_BTIME);
    return sx ? record_of(s, *sx) : nullptr;
  }
  std::string dir_, closed_, db_;
};

TEST_F(ExplainedModes, RecordedWhileWidenedThenForgotten) {
  tracer::ProcessRegistry registry;
  IdentityState s(registry);
  s.db = *OwnershipDb::open(db_);
  OpenedDirs opened = OpenedDirs::open_to(&s, "/", closed_ + "/f", S_IXUSR);
  ASSERT_FALSE(opened.empty());
  EXPECT_EQ(mode(), 0100u);
  const FileRecord* r = record(s, closed_);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->mode_faked);
  EXPECT_EQ(r->mode, S_IFDIR | 0u);
  opened.restore();
  EXPECT_EQ(mode(), 0u);
  EXPECT_EQ(record(s, closed_), nullptr);
}

TEST_F(ExplainedModes, ADeathInTheWindowLeavesTheRecord) {
  {
    tracer::ProcessRegistry registry;
    IdentityState s(registry);
    s.db = *OwnershipDb::open(db_);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // widens, then dies before giving the mode back
      OpenedDirs opened = OpenedDirs::open_to(&s, "/", closed_ + "/f", S_IXUSR);
      ::_exit(opened.empty() ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(mode(), 0100u);  // left widened on disk...
  tracer::ProcessRegistry registry;
  IdentityState s(registry);
  s.db = *OwnershipDb::open(db_);
  const FileRecord* r = record(s, closed_);
  ASSERT_NE(r, nullptr);  // ... and the next run's database says so
  EXPECT_TRUE(r->mode_faked);
  EXPECT_EQ(shown(s, *host_statx({closed_, true, {}, {}, {}}, STATX_BASIC_STATS | STATX_BTIME)).mode,
            S_IFDIR | 0u);
}

TEST_F(ExplainedModes, NoRecordWithoutADatabaseFile) {
  tracer::ProcessRegistry registry;
  IdentityState s(registry);
  OpenedDirs opened = OpenedDirs::open_to(&s, "/", closed_ + "/f", S_IXUSR);
  ASSERT_FALSE(opened.empty());
  EXPECT_EQ(s.db.size(), 0u);
}

}  // namespace
}  // namespace cocoon::syscalls
