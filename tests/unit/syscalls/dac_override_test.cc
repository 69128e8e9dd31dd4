// root_may(): generic_permission()'s capability step (fs/namei.c), which
// decides what the emulated root passes on the real user's own files
// (dac_override.h). The cases follow the kernel's comments: read and write
// always overridable, exec only with an x bit somewhere, directories read
// and searched with CAP_DAC_READ_SEARCH alone.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity/dac_override.h"

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

}  // namespace
}  // namespace cocoon::syscalls
