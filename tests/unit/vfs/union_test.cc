// Union mounts over an in-memory tree: what a guest would see of an
// overlay of /up over /lo2 over /lo1 (bwrap's --overlay-src /lo1
// --overlay-src /lo2 --overlay /up WORK /ov). Reference: overlayfs's
// lookup and readdir (Documentation/filesystems/overlayfs.rst), with the
// aufs/OCI whiteout format (union.h).
#include "cocoon/vfs/union.h"

#include <gtest/gtest.h>

#include "cocoon/vfs/resolver.h"
#include "fake_filesystem.h"

namespace cocoon::vfs {
namespace {

class UnionTest : public ::testing::Test {
 protected:
  UnionTest() : table_(HostPath("/r")) {
    fs_.dir("/r/ov");
    fs_.dir("/scratch/u0");  // the union's name
    fs_.dir("/up");
    fs_.dir("/lo2");
    fs_.dir("/lo1");
    fs_.file("/lo1/a");       // lowest only
    fs_.file("/lo1/b");
    fs_.file("/lo2/b");       // hides lo1's b
    fs_.file("/up/c");        // upper only
    fs_.file("/lo1/d/x");     // a directory in three layers: merged
    fs_.file("/lo2/d/y");
    fs_.file("/up/d/z");
    fs_.file("/lo1/gone");    // deleted: a whiteout in the upper layer
    fs_.file("/up/.wh.gone");
    fs_.file("/lo1/again");   // deleted, then made anew in the upper layer
    fs_.file("/up/.wh.again");
    fs_.dir("/up/again");
    fs_.file("/lo1/o/old");   // an opaque directory: lo1's content hidden
    fs_.file("/lo2/o/.wh..wh..opq");
    fs_.file("/lo2/o/new");
    fs_.dir("/lo1/f");        // a file over a directory hides it
    fs_.file("/lo1/f/inside");
    fs_.file("/lo2/f");
    fs_.link("/lo1/link", "d/x");
    Mount m{GuestPath("/ov"), HostPath("/scratch/u0"), MountKind::kOverlay};
    m.layers = {HostPath("/up"), HostPath("/lo2"), HostPath("/lo1")};
    m.has_upper = true;
    EXPECT_TRUE(table_.add(std::move(m)).has_value());
  }

  UnionEntry lookup(const std::string& rel) {
    auto e = union_lookup(fs_, table_.find("/ov")->layers, rel);
    EXPECT_TRUE(e.has_value()) << rel;
    return e.value_or(UnionEntry{});
  }

  std::string listing(const std::string& rel) {
    auto l = union_list(fs_, table_.find("/ov")->layers, rel);
    if (!l) return "error " + std::to_string(l.error());
    std::string out;
    for (const auto& e : *l) out += e.name + ":" + std::to_string(e.layer) + " ";
    return out;
  }

  testing::FakeFilesystem fs_;
  MountTable table_;
};

TEST_F(UnionTest, TheTopmostLayerHoldingANameAnswers) {
  EXPECT_EQ(lookup("a").layer, 2);
  EXPECT_EQ(lookup("b").layer, 1);
  EXPECT_TRUE(lookup("b").lower);   // deleting it would show lo1's
  EXPECT_FALSE(lookup("a").lower);
  EXPECT_EQ(lookup("c").layer, 0);
  EXPECT_EQ(lookup("nothing").kind, EntryKind::kMissing);
  EXPECT_EQ(lookup("link").kind, EntryKind::kSymlink);
}

TEST_F(UnionTest, DirectoriesMergeTheirLayers) {
  const UnionEntry d = lookup("d");
  EXPECT_EQ(d.kind, EntryKind::kDirectory);
  EXPECT_EQ(d.merged, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(lookup("d/x").layer, 2);
  EXPECT_EQ(lookup("d/y").layer, 1);
  EXPECT_EQ(lookup("d/z").layer, 0);
  EXPECT_EQ(listing("d"), "x:2 y:1 z:0 ");
  EXPECT_EQ(listing(""), "a:2 again:0 b:1 c:0 d:0 f:1 link:2 o:1 ");
}

TEST_F(UnionTest, AWhiteoutHidesTheNameBelowItsLayer) {
  EXPECT_EQ(lookup("gone").kind, EntryKind::kMissing);
  EXPECT_EQ(listing("").find("gone"), std::string::npos);
  // Made anew after the delete: the upper's directory, alone (not merged
  // with lo1's file, and lo1's stays hidden when it goes again).
  const UnionEntry again = lookup("again");
  EXPECT_EQ(again.kind, EntryKind::kDirectory);
  EXPECT_EQ(again.merged, (std::vector<int>{0}));
  EXPECT_FALSE(again.lower);
}

TEST_F(UnionTest, TheUnionsOwnNamesAreHidden) {
  EXPECT_EQ(lookup(".wh.gone").kind, EntryKind::kMissing);
  EXPECT_EQ(lookup("o/.wh..wh..opq").kind, EntryKind::kMissing);
  EXPECT_EQ(listing("").find(".wh."), std::string::npos);
}

TEST_F(UnionTest, AnOpaqueDirectoryStopsTheMerge) {
  EXPECT_EQ(lookup("o").merged, (std::vector<int>{1}));
  EXPECT_EQ(lookup("o/old").kind, EntryKind::kMissing);
  EXPECT_EQ(listing("o"), "new:1 ");
}

TEST_F(UnionTest, ANonDirectoryHidesADirectoryBelow) {
  EXPECT_EQ(lookup("f").kind, EntryKind::kOther);
  EXPECT_TRUE(lookup("f").lower);
  auto inside = union_lookup(fs_, table_.find("/ov")->layers, "f/inside");
  ASSERT_FALSE(inside.has_value());
  EXPECT_EQ(inside.error(), ENOTDIR);
  EXPECT_EQ(listing("f"), "error " + std::to_string(ENOTDIR));
}

TEST_F(UnionTest, TheResolverWalksTheUnionAndRealNamesTheLayer) {
  const UnionFilesystem ufs(fs_, table_);
  const Resolver resolver(table_, ufs);
  auto r = resolver.resolve(GuestPath("/ov/d/y"), GuestPath("/"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(&r->mount, table_.find("/ov"));
  EXPECT_EQ(ufs.real(r->host).str(), "/lo2/d/y");
  // A symlink in a lower layer, followed through the union.
  auto link = resolver.resolve(GuestPath("/ov/link"), GuestPath("/"));
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->guest.str(), "/ov/d/x");
  EXPECT_EQ(ufs.real(link->host).str(), "/lo1/d/x");
  // Whited out: missing, and a new one would go to the upper layer.
  auto gone = resolver.resolve(GuestPath("/ov/gone"), GuestPath("/"));
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->kind, EntryKind::kMissing);
  EXPECT_EQ(ufs.real(gone->host).str(), "/up/gone");
  EXPECT_EQ(resolver.resolve(GuestPath("/ov/gone/x"), GuestPath("/")).error(), ENOENT);
  EXPECT_EQ(resolver.resolve(GuestPath("/ov/f/inside"), GuestPath("/")).error(), ENOTDIR);
}

TEST_F(UnionTest, EveryLayerMapsBackToTheTarget) {
  EXPECT_EQ(table_.to_guest("/lo1/d/x").value().str(), "/ov/d/x");
  EXPECT_EQ(table_.to_guest("/up/d").value().str(), "/ov/d");
  EXPECT_EQ(table_.to_guest("/lo2").value().str(), "/ov");
  EXPECT_EQ(table_.to_guest("/scratch/u0/c").value().str(), "/ov/c");
}

}  // namespace
}  // namespace cocoon::vfs
