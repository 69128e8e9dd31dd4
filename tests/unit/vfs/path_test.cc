#include "cocoon/vfs/path.h"

#include <gtest/gtest.h>

namespace cocoon::vfs {
namespace {

TEST(NormalizeLexically, DotDotNeverClimbsAboveRoot) {
  EXPECT_EQ(normalize_lexically("/../../etc"), "/etc");
  EXPECT_EQ(normalize_lexically("/a/b/../../.."), "/");
  EXPECT_EQ(normalize_lexically("/a/./b//c/"), "/a/b/c");
  EXPECT_EQ(normalize_lexically("/"), "/");
  EXPECT_EQ(normalize_lexically("//"), "/");
}

TEST(IsWithin, ComparesWholeComponents) {
  EXPECT_TRUE(is_within("/a/b", "/a/b"));
  EXPECT_TRUE(is_within("/a/b/c", "/a/b"));
  EXPECT_FALSE(is_within("/a/bc", "/a/b"));
  EXPECT_TRUE(is_within("/anything", "/"));
  EXPECT_FALSE(is_within("relative", "/"));
}

TEST(PathTypes, GuestAndHostPathsDoNotConvert) {
  static_assert(!std::is_convertible_v<GuestPath, HostPath>);
  static_assert(!std::is_convertible_v<HostPath, GuestPath>);
  static_assert(!std::is_convertible_v<std::string, GuestPath>);
  EXPECT_TRUE(GuestPath("/x").is_absolute());
  EXPECT_FALSE(GuestPath("x").is_absolute());
}

}  // namespace
}  // namespace cocoon::vfs
