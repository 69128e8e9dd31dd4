// Emulated namespaces without processes: id maps as the kernel parses and
// applies them (user_namespaces(7)), which namespace a process is in after
// unshare, clone and setns, who owns what, nested PID namespaces.
#include "namespaces/ns_state.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>


namespace cocoon::syscalls {
namespace {

// Processes followed as the tracer adds them; fork() is a birth, which
// gives the child its parent's namespaces (the registry's copy) before
// NamespaceState::clone adds what the clone flags ask.
struct Processes {
  explicit Processes(std::initializer_list<pid_t> tgids) {
    for (pid_t p : tgids) registry.add(p, p);
  }
  void fork(pid_t parent, pid_t child) {
    registry.add(child, child);
    registry.born(child, child, parent, parent);
  }
  tracer::ProcessRegistry registry;
};

TEST(IdMap, ParsesLinesOfThreeNumbers) {
  auto m = parse_id_map("0 1000 1\n1 100000 65536\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ(map_inside(*m, 1000), 0u);
  EXPECT_EQ(map_inside(*m, 100005), 6u);
  EXPECT_EQ(map_inside(*m, 5), std::nullopt);  // unmapped
  EXPECT_EQ(map_outside(*m, 6), 100005u);
  EXPECT_EQ(map_outside(*m, 70000), std::nullopt);
}

TEST(IdMap, RefusesWhatTheKernelRefuses) {
  EXPECT_FALSE(parse_id_map(""));
  EXPECT_FALSE(parse_id_map("0 1000"));          // two numbers
  EXPECT_FALSE(parse_id_map("0 1000 0"));        // an empty range
  EXPECT_FALSE(parse_id_map("0 1000 1 junk"));
  EXPECT_FALSE(parse_id_map("0 1000 10\n5 2000 1\n"));  // inside ranges overlap
  EXPECT_FALSE(parse_id_map("0 1000 10\n20 1005 1\n"));  // outside ranges overlap
  EXPECT_FALSE(parse_id_map("0 4294967295 1"));            // (uid_t)-1 is no id
  EXPECT_FALSE(parse_id_map("1 0 4294967295"));            // inside, up to it
  EXPECT_TRUE(parse_id_map("0 0 4294967295"));             // all but it: the initial map
  std::string lines;
  for (int i = 0; i < 341; ++i) lines += std::to_string(i) + " " + std::to_string(i) + " 1\n";
  EXPECT_FALSE(parse_id_map(lines));  // UID_GID_MAP_MAX_EXTENTS is 340
  EXPECT_TRUE(parse_id_map(lines.substr(lines.find('\n') + 1)));
}

// The reason named, for a front end's message (an OCI bundle's mappings).
TEST(IdMap, NamesWhatIsWrong) {
  EXPECT_EQ(id_map_problem({{0, 1000, 1}, {1, 100000, 65536}}), nullptr);
  EXPECT_STREQ(id_map_problem({}), "no mapping");
  EXPECT_STREQ(id_map_problem({{0, 1000, 0}}), "a mapping of size 0");
  EXPECT_STREQ(id_map_problem({{0, 1000, 10}, {5, 2000, 1}}), "two mappings overlap inside (containerID)");
  EXPECT_STREQ(id_map_problem({{0, 1000, 10}, {20, 1009, 1}}), "two mappings overlap outside (hostID)");
  EXPECT_STREQ(id_map_problem({{0, 4294967290u, 6}}), "a mapping reaches 4294967295, which is no id");
  EXPECT_EQ(id_map_problem({{0, 4294967290u, 5}}), nullptr);
}

// The command's own user namespace (an OCI bundle's): the maps given,
// owned by cocoon's ids, the other namespaces started after it its own.
TEST(NamespaceState, StartsInAUserNamespaceWithItsMaps) {
  Processes procs{10};
  NamespaceState ns(nullptr, procs.registry);
  ns.start_in_user_ns({{{0, 1000, 1}, {1, 100000, 65536}}, {{0, 1000, 1}}, false}, 1000, 1000);
  ns.start_in_new(NsKind::kUts);
  const auto user = ns.id_of(10, NsKind::kUser);
  ASSERT_NE(user, 0u);
  EXPECT_EQ(ns.owner_of(NsKind::kUser, user), 0u);
  EXPECT_EQ(ns.owner_of(NsKind::kUts, ns.id_of(10, NsKind::kUts)), user);
  EXPECT_EQ(ns.id_to_first(user, IdKind::kUid, 5), 100004u);
  EXPECT_EQ(ns.id_from_first(user, IdKind::kUid, 1000), 0u);
  EXPECT_EQ(ns.id_from_first(user, IdKind::kUid, 0), std::nullopt);  // real root: unmapped
  EXPECT_EQ(ns.id_to_first(user, IdKind::kGid, 5), std::nullopt);    // gid_map maps one
  EXPECT_TRUE(ns.user_ns(user)->owner_privileged);
  EXPECT_FALSE(ns.user_ns(user)->setgroups_denied);
  procs.fork(10, 11);
  ns.clone(10, 11, 0, 0, 0);
  EXPECT_EQ(ns.id_of(11, NsKind::kUser), user);
}

TEST(NamespaceState, UnshareGivesTheCallerNewOnesAndChildrenInherit) {
  Processes procs{10};
  NamespaceState ns(nullptr, procs.registry);
  EXPECT_EQ(ns.id_of(10, NsKind::kUts), 0u);  // the one cocoon started in
  ns.unshare(10, CLONE_NEWUSER | CLONE_NEWUTS, 1000, 1000);
  const auto uts = ns.id_of(10, NsKind::kUts), user = ns.id_of(10, NsKind::kUser);
  EXPECT_NE(uts, 0u);
  EXPECT_NE(user, 0u);
  EXPECT_NE(uts, user);
  EXPECT_EQ(ns.id_of(10, NsKind::kNet), 0u);  // not asked for
  procs.fork(10, 11);
  ns.clone(10, 11, 0, 0, 0);
  EXPECT_EQ(ns.id_of(11, NsKind::kUts), uts);
  // The UTS namespace belongs to the new user namespace, which belongs to
  // the initial one; a capability there covers it, not the other way.
  EXPECT_EQ(ns.owner_of(NsKind::kUts, uts), user);
  EXPECT_EQ(ns.owner_of(NsKind::kUser, user), 0u);
  EXPECT_TRUE(ns.user_ns_covers(0, user));
  EXPECT_FALSE(ns.user_ns_covers(user, 0));
  ASSERT_NE(ns.user_ns(user), nullptr);
  EXPECT_EQ(ns.user_ns(user)->owner_euid, 1000u);
}

// An id of a nested user namespace goes through its map, then its
// parent's, to the first namespace's number (make_kuid()), and back.
TEST(NamespaceState, IdsGoThroughEachMapToTheFirstNamespace) {
  Processes procs{10};
  NamespaceState ns(nullptr, procs.registry);
  ns.unshare(10, CLONE_NEWUSER, 1000, 1000);
  const auto outer = ns.id_of(10, NsKind::kUser);
  EXPECT_EQ(ns.id_to_first(outer, IdKind::kUid, 0), std::nullopt);  // no map yet
  EXPECT_EQ(ns.id_from_first(outer, IdKind::kUid, 1000), std::nullopt);
  ns.user_ns(outer)->uid_map = parse_id_map("0 1000 1\n1 100000 1000");
  procs.fork(10, 11);
  ns.clone(10, 11, CLONE_NEWUSER, 0, 0);
  const auto inner = ns.id_of(11, NsKind::kUser);
  ns.user_ns(inner)->uid_map = parse_id_map("0 5 10");
  EXPECT_EQ(ns.id_to_first(inner, IdKind::kUid, 3), 100007u);  // 3 is the outer's 8
  EXPECT_EQ(ns.id_from_first(inner, IdKind::kUid, 100007), 3u);
  EXPECT_EQ(ns.id_from_first(outer, IdKind::kUid, 1000), 0u);
  EXPECT_EQ(ns.id_from_first(inner, IdKind::kUid, 1000), std::nullopt);  // the outer's 0
  EXPECT_EQ(ns.id_to_first(inner, IdKind::kUid, 10), std::nullopt);
  EXPECT_EQ(ns.id_to_first(inner, IdKind::kGid, 3), std::nullopt);  // no gid_map
  EXPECT_EQ(ns.id_to_first(0, IdKind::kUid, 42), 42u);
  EXPECT_EQ(ns.id_to_first(0, IdKind::kUid, kNoId), std::nullopt);  // (uid_t)-1
}

TEST(NamespaceState, CloneFlagsMakeTheChildsOwn) {
  Processes procs{1};
  NamespaceState ns(nullptr, procs.registry);
  procs.fork(1, 2);
  ns.clone(1, 2, CLONE_NEWUSER | CLONE_NEWNET, 1000, 1000);
  EXPECT_NE(ns.id_of(2, NsKind::kNet), 0u);
  EXPECT_EQ(ns.id_of(1, NsKind::kNet), 0u);  // the parent keeps its own
  EXPECT_TRUE(ns.join(1, NsKind::kNet, ns.id_of(2, NsKind::kNet)));
  EXPECT_EQ(ns.id_of(1, NsKind::kNet), ns.id_of(2, NsKind::kNet));
  EXPECT_FALSE(ns.join(1, NsKind::kUts, ns.id_of(2, NsKind::kNet)));  // wrong kind
}

TEST(NamespaceState, UnsharePidPutsOnlyTheChildrenInIt) {
  auto root = std::make_shared<PidNamespace>();
  Processes procs{500};
  NamespaceState ns(root, procs.registry);
  root->member(500);
  ns.unshare(500, CLONE_NEWPID, 0, 0);
  EXPECT_EQ(ns.pid_ns(500), root);  // the caller stays
  procs.fork(500, 600);
  ns.clone(500, 600, 0, 0, 0);
  auto inner = ns.pid_ns(600);
  ASSERT_NE(inner, root);
  EXPECT_EQ(inner->parent(), root);
  EXPECT_EQ(inner->member(600), 1);       // its init
  EXPECT_EQ(root->virtual_of(600), 2);    // and a member of the outer one
  EXPECT_FALSE(inner->virtual_of(500));   // the outer is invisible inside
  // /proc shows the PID namespace whose process mounted it.
  EXPECT_EQ(ns.proc_pid_ns(600), root);
  ns.unshare(600, CLONE_NEWNS, 0, 0);
  ns.mount_proc(600);
  EXPECT_EQ(ns.proc_pid_ns(600), inner);
  EXPECT_EQ(ns.proc_pid_ns(500), root);  // the other mount namespace's
}

// A process's namespaces end with it: its number, reused, is the
// initial namespaces' again; a thread left after its leader keeps them.
TEST(NamespaceState, MembershipEndsWithTheProcessesLastTask) {
  Processes procs{10};
  NamespaceState ns(nullptr, procs.registry);
  procs.registry.add(11, 10);
  procs.registry.born(11, 10, 10, 10);  // a thread
  ns.unshare(10, CLONE_NEWUTS, 0, 0);
  const auto uts = ns.id_of(10, NsKind::kUts);
  procs.registry.died(10);
  EXPECT_EQ(ns.id_of(10, NsKind::kUts), uts);
  procs.registry.died(11);
  procs.registry.add(10, 10);
  EXPECT_EQ(ns.id_of(10, NsKind::kUts), 0u);
}

TEST(NamespaceState, UtsNamesAreCopiedIntoANewNamespace) {
  Processes procs{7};
  NamespaceState ns(nullptr, procs.registry);
  ns.uts(0, {"host", "dom"});
  ns.unshare(7, CLONE_NEWUTS, 0, 0);
  UtsNames& mine = ns.uts(ns.id_of(7, NsKind::kUts), {"?", "?"});
  EXPECT_EQ(mine.hostname, "host");
  mine.hostname = "box";
  EXPECT_EQ(ns.uts(0, {}).hostname, "host");
}

}  // namespace
}  // namespace cocoon::syscalls

namespace cocoon::syscalls {
namespace {

TEST(IdMapRules, AnUnprivilegedOwnerMapsOnlyItselfAndGidsAfterDeny) {
  UserNs u;
  u.owner_euid = 1000;
  u.owner_egid = 100;
  EXPECT_EQ(id_map_error(u, true, *parse_id_map("0 1000 1")), 0);
  EXPECT_EQ(id_map_error(u, true, *parse_id_map("0 1001 1")), EPERM);      // someone else
  EXPECT_EQ(id_map_error(u, true, *parse_id_map("0 1000 2")), EPERM);      // a range
  EXPECT_EQ(id_map_error(u, true, *parse_id_map("0 1000 1\n1 5000 1")), EPERM);
  EXPECT_EQ(id_map_error(u, false, *parse_id_map("0 100 1")), EPERM);      // setgroups first
  u.setgroups_denied = true;
  EXPECT_EQ(id_map_error(u, false, *parse_id_map("0 100 1")), 0);
  u.owner_privileged = true;
  EXPECT_EQ(id_map_error(u, true, *parse_id_map("0 100000 65536")), 0);
}

}  // namespace
}  // namespace cocoon::syscalls

namespace cocoon::syscalls {
namespace {

TEST(CgroupView, PathsAreRelativeToTheNamespacesRoots) {
  // Names longer than a short string's buffer: views must not outlive them.
  const std::string at_unshare =
      "4:memory:/process_api/c1b559da05407e968722\n1:cpu:/\n0::/user.slice/app-session.scope\n";
  const auto roots = cgroup_roots_of(at_unshare);
  EXPECT_EQ(cgroup_view(at_unshare, roots), "4:memory:/\n1:cpu:/\n0::/\n");
  EXPECT_EQ(cgroup_view("4:memory:/process_api/c1b559da05407e968722/child-cgroup-b\n"
                        "0::/user.slice/other-session.scope\n",
                        roots),
            "4:memory:/child-cgroup-b\n0::/../other-session.scope\n");
}

}  // namespace
}  // namespace cocoon::syscalls

namespace cocoon::syscalls {
namespace {

// Numbered above the kernel's (lsns sorts by number, and a new namespace of
// the kernel's comes after the host's), several at once in
// create_new_namespaces()'s order: mnt, uts, ipc, pid.
TEST(NamespaceState, NumbersComeAboveTheKernelsInItsOrder) {
  Processes procs{10};
  NamespaceState ns(nullptr, procs.registry);
  ns.unshare(10, CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWIPC, 0, 0);
  const auto mnt = ns.id_of(10, NsKind::kMnt), uts = ns.id_of(10, NsKind::kUts),
             ipc = ns.id_of(10, NsKind::kIpc);
  EXPECT_GT(mnt, 0xf0000000u);
  EXPECT_EQ(uts, mnt + 1);
  EXPECT_EQ(ipc, uts + 1);
}

// --unshare-pid's namespace gets a number of its own (not the host's 0).
TEST(NamespaceState, TheCommandsOwnPidNamespaceIsNumbered) {
  Processes procs{10};
  auto root = std::make_shared<PidNamespace>();
  NamespaceState ns(root, procs.registry);
  ns.start_in_new(NsKind::kPid);
  const auto id = ns.id_of(10, NsKind::kPid);
  EXPECT_NE(id, 0u);
  EXPECT_EQ(ns.pid_ns(10), root);
  EXPECT_EQ(ns.pid_parent(id), 0u);  // the host's above it
  // A child namespace's parent is it; the caller in the child cannot name
  // the parent (pidns_get_parent()), the caller in the parent can.
  procs.fork(10, 11);
  ns.clone(10, 11, CLONE_NEWPID, 0, 0);
  const auto child = ns.id_of(11, NsKind::kPid);
  EXPECT_EQ(ns.pid_parent(child), id);
  EXPECT_TRUE(ns.pid_ns_below(10, id));
  EXPECT_TRUE(ns.pid_ns_below(10, child));
  EXPECT_FALSE(ns.pid_ns_below(11, id));
  EXPECT_EQ(ns.pid_parent(12345), std::nullopt);  // no such PID namespace
}

// A stand-in file names its namespace by path and by inode; other files
// (and names of namespaces that do not exist) do not.
TEST(NamespaceState, StandInsAreKnownByPathAndInode) {
  Processes procs{10};
  NamespaceState ns(nullptr, procs.registry);
  char dir[] = "/tmp/cocoon-standin-test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  ns.set_stand_in_dir(dir);
  ns.unshare(10, CLONE_NEWUTS, 0, 0);
  const auto uts = ns.id_of(10, NsKind::kUts);
  EXPECT_FALSE(ns.has_stand_ins());
  const std::string file = ns.stand_in(NsKind::kUts, uts);
  EXPECT_TRUE(ns.has_stand_ins());
  EXPECT_EQ(ns.stand_in(NsKind::kUts, uts), file);  // made once
  auto named = ns.stand_in_of(file);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->kind, NsKind::kUts);
  EXPECT_EQ(named->id, uts);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  auto by_inode = ns.stand_in_of(st.st_dev, st.st_ino);
  ASSERT_TRUE(by_inode);
  EXPECT_EQ(by_inode->id, uts);
  EXPECT_FALSE(ns.stand_in_of(std::string(dir) + "/uts-1"));    // no such namespace
  EXPECT_FALSE(ns.stand_in_of(std::string(dir) + "/pid-" + std::to_string(uts)));  // another kind's
  EXPECT_FALSE(ns.stand_in_of("/etc/passwd"));
  ::unlink(file.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace cocoon::syscalls
