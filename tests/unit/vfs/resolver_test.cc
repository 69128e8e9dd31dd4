// The resolver over an in-memory tree: what a guest would observe for each
// path, root "/r" on the host. Kernel references: fs/namei.c,
// path_resolution(7).
#include "cocoon/vfs/resolver.h"

#include <gtest/gtest.h>

#include <random>

#include "fake_filesystem.h"

namespace cocoon::vfs {
namespace {

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() : table_(HostPath("/r")) {
    fs_.file("/r/etc/passwd");
    fs_.file("/r/usr/lib/libc.so");
    fs_.file("/r/usr/bin/sh");
    fs_.link("/r/lib", "usr/lib");
    fs_.link("/r/abs", "/etc");
    fs_.link("/r/esc", "../../../../etc");
    fs_.link("/r/loop1", "loop2");
    fs_.link("/r/loop2", "loop1");
    fs_.link("/r/dangling", "nowhere");
    fs_.link("/r/to_file_slash", "etc/passwd/");
    fs_.link("/r/todata", "/mnt/data/sub");
    fs_.dir("/r/home/u");
    fs_.dir("/r/mnt");
    fs_.dir("/srv/data/sub");
    fs_.link("/srv/data/up", "../../etc");
    fs_.link("/srv/data/abs", "/usr");
    fs_.file("/srv/hosts");
    fs_.file("/srv/tools/tool");
    add(Mount{GuestPath("/mnt/data"), HostPath("/srv/data")});
    add(Mount{GuestPath("/etc/hosts"), HostPath("/srv/hosts"), MountKind::kBind, true, false});
    add(Mount{GuestPath("/opt/tools/bin"), HostPath("/srv/tools"), MountKind::kBind, true});
    table_.set_placeholder(HostPath("/scratch/empty"));
  }
  void add(Mount m) { ASSERT_TRUE(table_.add(std::move(m)).has_value()); }
  std::expected<Resolved, int> resolve(const std::string& p, ResolveFlags f = {},
                                       const std::string& base = "/") {
    return Resolver(table_, fs_).resolve(GuestPath(p), GuestPath(base), f);
  }
  // "guest -> host" or "errno N", so failures print what was observed.
  std::string show(const std::string& p, ResolveFlags f = {}, const std::string& base = "/") {
    auto r = resolve(p, f, base);
    if (!r) return "errno " + std::to_string(r.error());
    return r->guest.str() + " -> " + r->host.str();
  }
  static std::string err(int e) { return "errno " + std::to_string(e); }

  testing::FakeFilesystem fs_;
  MountTable table_;
};

TEST_F(ResolverTest, AbsoluteAndRelativePathsLandInTheRoot) {
  EXPECT_EQ(show("/etc/passwd"), "/etc/passwd -> /r/etc/passwd");
  EXPECT_EQ(show("passwd", {}, "/etc"), "/etc/passwd -> /r/etc/passwd");
  EXPECT_EQ(show("/"), "/ -> /r");
  EXPECT_EQ(show("."), "/ -> /r");
  EXPECT_EQ(resolve("/etc/passwd")->kind, EntryKind::kOther);
}

TEST_F(ResolverTest, DotDotNeverClimbsAboveTheRoot) {
  EXPECT_EQ(show("/../../etc/passwd"), "/etc/passwd -> /r/etc/passwd");
  EXPECT_EQ(show("../../../..", {}, "/home/u"), "/ -> /r");
  EXPECT_EQ(show("/.."), "/ -> /r");
}

TEST_F(ResolverTest, SymlinksResolveInGuestTerms) {
  EXPECT_EQ(show("/lib/libc.so"), "/usr/lib/libc.so -> /r/usr/lib/libc.so");
  EXPECT_EQ(show("/abs/passwd"), "/etc/passwd -> /r/etc/passwd");
  // ../../../../etc from "/" clamps at the guest root, not the host's.
  EXPECT_EQ(show("/esc/passwd"), "/etc/passwd -> /r/etc/passwd");
  EXPECT_EQ(show("/todata"), "/mnt/data/sub -> /srv/data/sub");
}

TEST_F(ResolverTest, LastSymlinkFollowedUnlessNofollowButTrailingSlashForces) {
  auto r = resolve("/lib", {.follow_last = false});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, EntryKind::kSymlink);
  EXPECT_EQ(r->host.str(), "/r/lib");
  EXPECT_EQ(show("/lib/", {.follow_last = false}), "/usr/lib -> /r/usr/lib");
  EXPECT_EQ(show("/lib"), "/usr/lib -> /r/usr/lib");
}

TEST_F(ResolverTest, TrailingSlashNeedsADirectory) {
  EXPECT_EQ(show("/etc/passwd/"), err(ENOTDIR));
  EXPECT_EQ(show("/etc/passwd/."), err(ENOTDIR));
  EXPECT_EQ(show("/etc/passwd/.."), err(ENOTDIR));
  EXPECT_EQ(show("/to_file_slash"), err(ENOTDIR));  // the link body's slash counts
  auto r = resolve("/etc/newdir/");                 // mkdir("newdir/") works
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, EntryKind::kMissing);
}

TEST_F(ResolverTest, MissingLastIsCreatableMissingMiddleIsNot) {
  auto r = resolve("/etc/new");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, EntryKind::kMissing);
  EXPECT_EQ(r->host.str(), "/r/etc/new");
  EXPECT_EQ(show("/etc/none/new"), err(ENOENT));
  EXPECT_EQ(show("/etc/none/../passwd"), err(ENOENT));  // the kernel looks "none" up
  EXPECT_EQ(show("/etc/passwd/x"), err(ENOTDIR));
}

TEST_F(ResolverTest, DanglingSymlinkNamesItsTarget) {
  auto r = resolve("/dangling");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, EntryKind::kMissing);  // open(O_CREAT) creates /nowhere
  EXPECT_EQ(r->guest.str(), "/nowhere");
  EXPECT_EQ(resolve("/dangling", {.follow_last = false})->kind, EntryKind::kSymlink);
}

TEST_F(ResolverTest, EmptyAndTooLongPaths) {
  EXPECT_EQ(show(""), err(ENOENT));
  EXPECT_EQ(show(std::string(4096, 'a')), err(ENAMETOOLONG));
  EXPECT_EQ(show("/" + std::string(4094, 'a')), "/" + std::string(4094, 'a') + " -> /r/" +
                                                    std::string(4094, 'a'));
}

TEST_F(ResolverTest, FortySymlinksResolveTheFortyFirstIsEloop) {
  for (int i = 0; i < 41; ++i) fs_.link("/r/c" + std::to_string(i), "c" + std::to_string(i + 1));
  fs_.file("/r/c41");
  EXPECT_EQ(show("/c1"), "/c41 -> /r/c41");   // 40 links
  EXPECT_EQ(show("/c0"), err(ELOOP));         // 41 links
  EXPECT_EQ(show("/loop1"), err(ELOOP));
  EXPECT_EQ(show("/loop1", {.follow_last = false}), "/loop1 -> /r/loop1");
}

TEST_F(ResolverTest, DotDotAtABindRootGoesToTheGuestParent) {
  EXPECT_EQ(show("/mnt/data/sub"), "/mnt/data/sub -> /srv/data/sub");
  EXPECT_EQ(show("/mnt/data/.."), "/mnt -> /r/mnt");
  EXPECT_EQ(show("/mnt/data/../../etc/passwd"), "/etc/passwd -> /r/etc/passwd");
  EXPECT_EQ(&resolve("/mnt/data/sub")->mount, table_.find("/mnt/data"));
}

TEST_F(ResolverTest, SymlinksCrossOutOfBinds) {
  EXPECT_EQ(show("/mnt/data/up/passwd"), "/etc/passwd -> /r/etc/passwd");
  EXPECT_EQ(show("/mnt/data/abs/lib/libc.so"), "/usr/lib/libc.so -> /r/usr/lib/libc.so");
}

// PRoot's rule (`cocoon proot`): absolute links naming host paths in the
// same tree are followed in guest terms; others as stored.
TEST_F(ResolverTest, LinksInGuestTerms) {
  fs_.link("/srv/data/self", "/srv/data/sub");
  fs_.link("/srv/data/root_host", "/r/usr/lib");
  fs_.link("/r/host_lib", "/r/usr/lib");
  EXPECT_EQ(show("/mnt/data/self"), err(ENOENT));  // /srv/data/sub: not in the guest
  EXPECT_EQ(show("/host_lib/libc.so"), err(ENOENT));
  table_.set_links_in_guest_terms();
  EXPECT_EQ(show("/mnt/data/self"), "/mnt/data/sub -> /srv/data/sub");
  EXPECT_EQ(show("/host_lib/libc.so"), "/usr/lib/libc.so -> /r/usr/lib/libc.so");
  // In a bind, a body in another tree (here the root's) stays a host path.
  EXPECT_EQ(show("/mnt/data/root_host/libc.so"), err(ENOENT));
  EXPECT_EQ(show("/mnt/data/abs/lib/libc.so"), "/usr/lib/libc.so -> /r/usr/lib/libc.so");
}

TEST_F(ResolverTest, NestedBindsLongestPrefixWins) {
  fs_.dir("/srv/inner/x");
  add(Mount{GuestPath("/mnt/data/sub/in"), HostPath("/srv/inner")});
  EXPECT_EQ(show("/mnt/data/sub/in/x"), "/mnt/data/sub/in/x -> /srv/inner/x");
  EXPECT_EQ(show("/mnt/data/sub/in/x/../.."), "/mnt/data/sub -> /srv/data/sub");
}

TEST_F(ResolverTest, FileBind) {
  auto r = resolve("/etc/hosts");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host.str(), "/srv/hosts");
  EXPECT_EQ(r->kind, EntryKind::kOther);
  EXPECT_TRUE(r->mount.read_only);
  EXPECT_EQ(show("/etc/hosts/"), err(ENOTDIR));
  EXPECT_FALSE(resolve("/etc/passwd")->mount.read_only);
}

TEST_F(ResolverTest, BindOntoAPathTheRootLacks) {
  EXPECT_EQ(show("/opt/tools/bin/tool"), "/opt/tools/bin/tool -> /srv/tools/tool");
  auto opt = resolve("/opt");
  ASSERT_TRUE(opt);
  EXPECT_EQ(opt->kind, EntryKind::kDirectory);
  EXPECT_EQ(opt->mount.kind, MountKind::kSynthetic);
  EXPECT_TRUE(opt->mount.read_only);
  // Each synthetic directory has its own place in the placeholder tree,
  // and maps back to its guest path.
  EXPECT_EQ(opt->host.str(), "/scratch/empty/opt");
  EXPECT_EQ(show("/opt/other"), "/opt/other -> /scratch/empty/opt/other");
  EXPECT_EQ(table_.to_guest("/scratch/empty/opt"), GuestPath("/opt"));
  EXPECT_EQ(table_.to_guest("/scratch/empty"), GuestPath("/"));
  EXPECT_EQ(table_.to_guest("/scratch/empty/opt/other"), std::nullopt);
  EXPECT_EQ(table_.mount_ancestors(),
            (std::vector<std::string>{"/", "/etc", "/mnt", "/opt", "/opt/tools"}));
  EXPECT_TRUE(resolve("/opt/other")->mount.read_only);  // creation: EROFS
  EXPECT_EQ(show("/opt/tools/../tools/bin/tool"), "/opt/tools/bin/tool -> /srv/tools/tool");
  EXPECT_EQ(table_.synthetic_children("/", fs_), std::vector<std::string>{"opt"});
  EXPECT_EQ(table_.synthetic_children("/opt", fs_), std::vector<std::string>{"tools"});
}

TEST_F(ResolverTest, ReadOnlyBindCoversCreation) {
  add(Mount{GuestPath("/home/u/ro"), HostPath("/srv/data"), MountKind::kBind, true});
  auto r = resolve("/home/u/ro/sub/newfile");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, EntryKind::kMissing);
  EXPECT_TRUE(r->mount.read_only);
  EXPECT_FALSE(resolve("/home/u/newfile")->mount.read_only);
}

TEST_F(ResolverTest, SymlinkMount) {
  add(Mount{GuestPath("/run/lock"), HostPath(), MountKind::kSymlink, false, false, "/home/u"});
  EXPECT_EQ(show("/run/lock"), "/home/u -> /r/home/u");
  EXPECT_EQ(resolve("/run/lock", {.follow_last = false})->kind, EntryKind::kSymlink);
}

// Resolved::plain: the kernel, handed the guest's own path from the same
// start, walks to the same entry, so the tracer passes the call untouched.
TEST_F(ResolverTest, PlainWalksAreThoseTheKernelWouldMakeItself) {
  EXPECT_TRUE(resolve("/usr/bin/sh")->plain);
  EXPECT_TRUE(resolve("passwd", {}, "/etc")->plain);
  EXPECT_TRUE(resolve("sub/../sub", {}, "/mnt/data")->plain);  // ".." inside one mount
  EXPECT_TRUE(resolve("../usr/bin/sh", {}, "/usr")->plain);     // ".." to the root's top
  EXPECT_FALSE(resolve("../etc/passwd", {}, "/usr")->plain);    // /etc holds a bind
  EXPECT_FALSE(resolve("/lib/libc.so")->plain);                  // a symlink followed
  EXPECT_TRUE(resolve("/lib", {.follow_last = false})->plain);  // ... or not
  EXPECT_FALSE(resolve("/mnt/data/sub")->plain);                 // a mount crossed
  EXPECT_FALSE(resolve("..", {}, "/mnt/data")->plain);           // ".." out of a bind
  EXPECT_FALSE(resolve("/..")->plain);                           // ".." clamped at the root
  EXPECT_FALSE(resolve("/etc/hosts")->plain);                    // a file bind
  EXPECT_FALSE(resolve("/opt")->plain);                          // a synthetic directory
}

// ResolveFlags::lazy_last: a lone name not followed costs no host call; a
// longer plain run, one (plain_walk); a symlink on the way falls back to the
// full walk, which then finds what a lazy walk would have got wrong.
TEST_F(ResolverTest, LazyLastLooksUpNothingItNeedNot) {
  const ResolveFlags lazy_nofollow{.follow_last = false, .lazy_last = true};
  fs_.kind_calls = 0;
  auto r = resolve("sh", lazy_nofollow, "/usr/bin");
  ASSERT_TRUE(r);
  EXPECT_EQ(fs_.kind_calls, 0);
  EXPECT_EQ(r->kind, EntryKind::kUnknown);
  EXPECT_TRUE(r->plain);
  EXPECT_EQ(r->host.str(), "/r/usr/bin/sh");
  fs_.kind_calls = 0;
  EXPECT_TRUE(resolve("bin/sh", lazy_nofollow, "/usr")->plain);
  EXPECT_EQ(fs_.kind_calls, 2);  // the default plain_walk: kind() per name (the host: one openat2)
  // Missing: the kernel's ENOENT to give, so no error here.
  EXPECT_EQ(show("nope/x", {.lazy_last = true}, "/etc"), "/etc/nope/x -> /r/etc/nope/x");
  // A symlink on the way: the full walk's answer, not plain.
  auto via_link = resolve("/lib/libc.so", {.lazy_last = true});
  ASSERT_TRUE(via_link);
  EXPECT_FALSE(via_link->plain);
  EXPECT_EQ(via_link->host.str(), "/r/usr/lib/libc.so");
  EXPECT_EQ(via_link->kind, EntryKind::kOther);
  // A followed last symlink is looked at; a trailing slash too.
  EXPECT_EQ(show("/abs", {.lazy_last = true}), "/etc -> /r/etc");
  EXPECT_EQ(resolve("/etc/", {.follow_last = false, .lazy_last = true})->kind,
            EntryKind::kDirectory);
}

// Containment: whatever the path, a result's host path lies in the root's
// or a mount source's tree, and its guest path is canonical.
TEST_F(ResolverTest, RandomPathsNeverLeaveTheMountedTrees) {
  const std::vector<std::string> words{"..", ".", "", "etc", "lib", "abs", "esc", "mnt", "data",
                                       "up", "sub", "opt", "tools", "bin", "todata", "passwd",
                                       "hosts", "loop1", "x"};
  const std::vector<std::string> trees{"/r", "/srv/data", "/srv/hosts", "/srv/tools",
                                       "/scratch/empty"};
  std::mt19937 rng(4);
  int resolved = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string p = rng() % 2 ? "/" : "";
    for (int n = 1 + rng() % 8; n > 0; --n) p += words[rng() % words.size()] + "/";
    if (rng() % 2) p.pop_back();
    auto r = resolve(p.empty() ? "." : p, {.follow_last = rng() % 2 == 0}, "/mnt/data/sub");
    if (!r) continue;
    ++resolved;
    EXPECT_EQ(normalize_lexically(r->guest.str()), r->guest.str()) << p;
    bool inside = false;
    for (const auto& t : trees) inside = inside || is_within(r->host.str(), t);
    EXPECT_TRUE(inside) << p << " -> " << r->host.str();
  }
  EXPECT_GT(resolved, 1000);
}

}  // namespace
}  // namespace cocoon::vfs
