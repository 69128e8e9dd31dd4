// The in-guest agent's tracer side (syscalls/src/agent, docs/agent.md): the
// owner table agents read, as agent.c reads it, and the code written into
// a guest (a trampoline, a site's jump), decoded.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>

#include "agent/agent_image.h"
#include "agent/owner_table.h"
#include "identity/ownership_db.h"

namespace cocoon::syscalls {
namespace {

std::string table_path() {
  return "/tmp/cocoon-agent-test." + std::to_string(::getpid()) + "." +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

FileRecord owner(std::uint32_t uid, std::uint32_t gid, std::uint32_t mode = S_IFREG | 0644) {
  FileRecord r;
  r.uid = uid;
  r.gid = gid;
  r.mode = mode;
  r.btime_sec = 1700000000;
  r.btime_nsec = 5;
  return r;
}

// Every record the database holds, and every change, is in the table, and
// only while the database holds it.
TEST(OwnerTable, FollowsTheDatabase) {
  auto t = OwnerTable::create(table_path());
  ASSERT_TRUE(t) << t.error();
  OwnershipDb db;
  ASSERT_EQ(db.put({1, 10}, owner(5, 6)), 0);  // before it observes: replayed
  db.observe(&*t);
  ASSERT_EQ(db.put({1, 11}, owner(7, 8)), 0);
  const cocoon_owner_entry* e = t->find({1, 10});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->uid, 5u);
  EXPECT_EQ(e->gid, 6u);
  EXPECT_EQ(e->btime_sec, 1700000000);
  EXPECT_EQ(e->btime_nsec, 5u);
  ASSERT_NE(t->find({1, 11}), nullptr);
  ASSERT_EQ(db.put({1, 11}, owner(9, 9)), 0);
  EXPECT_EQ(t->find({1, 11})->uid, 9u);
  ASSERT_EQ(db.erase({1, 11}), 0);
  EXPECT_EQ(t->find({1, 11}), nullptr);
  EXPECT_EQ(t->find({2, 10}), nullptr);  // another device
  ASSERT_EQ(db.put({1, 11}, owner(3, 3)), 0);  // again, over its dead entry
  EXPECT_EQ(t->find({1, 11})->uid, 3u);
  db.observe(nullptr);
}

// The table counts recorded set-group-ID directories as the database does
// (agents leave creations to the tracer while there is one).
TEST(OwnerTable, CountsSetGroupIdDirectories) {
  auto t = OwnerTable::create(table_path());
  ASSERT_TRUE(t) << t.error();
  OwnershipDb db;
  db.observe(&*t);
  ASSERT_EQ(db.put({1, 1}, owner(0, 50, S_IFDIR | S_ISGID | 0775)), 0);
  ASSERT_EQ(db.put({1, 2}, owner(0, 50, S_IFDIR | 0775)), 0);
  EXPECT_EQ(t->setgid_dirs(), db.setgid_dirs());
  EXPECT_EQ(t->setgid_dirs(), 1u);
  ASSERT_EQ(db.put({1, 2}, owner(0, 50, S_IFDIR | S_ISGID | 0775)), 0);
  EXPECT_EQ(t->setgid_dirs(), 2u);
  ASSERT_EQ(db.put({1, 1}, owner(0, 50, S_IFDIR | 0775)), 0);
  ASSERT_EQ(db.erase({1, 2}), 0);
  EXPECT_EQ(t->setgid_dirs(), 0u);
  EXPECT_EQ(db.setgid_dirs(), 0u);
  db.observe(nullptr);
}

// Past three quarters full of live records, the table says it is
// incomplete (agents then ask the tracer); dead entries are dropped first.
TEST(OwnerTable, FullMeansIncompleteNotWrong) {
  auto t = OwnerTable::create(table_path(), 64);
  ASSERT_TRUE(t) << t.error();
  for (std::uint64_t i = 0; i < 200; ++i) {  // many more than 64, each erased again
    t->changed({1, i}, nullptr);
    const FileRecord r = owner(1, 1);
    t->changed({1, i}, &r);
    t->changed({1, i}, nullptr);
  }
  EXPECT_FALSE(t->incomplete());
  for (std::uint64_t i = 0; i < 49; ++i) {  // one more than three quarters of 64
    const FileRecord r = owner(static_cast<std::uint32_t>(i), 0);
    t->changed({2, i}, &r);
  }
  EXPECT_TRUE(t->incomplete());
}

// The table's file goes with it.
TEST(OwnerTable, RemovesItsFile) {
  const std::string path = table_path();
  {
    auto t = OwnerTable::create(path);
    ASSERT_TRUE(t) << t.error();
    EXPECT_EQ(::access(path.c_str(), F_OK), 0);
    EXPECT_FALSE(OwnerTable::create(path)) << "an existing file is never taken over";
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

std::int64_t rel32_at(const std::byte* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// A trampoline decoded: below the red zone, the number, a call of the
// entry, the stack back, a jump to just past the site's syscall.
TEST(AgentCode, TrampolineAndSiteJump) {
  const std::uint64_t slot = 0x7f0000002000, entry = 0x7f0000001000, ret = 0x7f0000400007;
  const auto t = agent::trampoline(slot, 262, entry, ret);
  ASSERT_TRUE(t.ok);
  const std::byte* b = t.bytes.data();
  const unsigned char lea_down[] = {0x48, 0x8d, 0x64, 0x24, 0x80};
  EXPECT_EQ(std::memcmp(b, lea_down, 5), 0);
  EXPECT_EQ(b[5], std::byte{0xb8});
  EXPECT_EQ(rel32_at(b + 6), 262);
  EXPECT_EQ(b[10], std::byte{0xe8});
  EXPECT_EQ(slot + 15 + static_cast<std::uint64_t>(rel32_at(b + 11)), entry);
  const unsigned char lea_up[] = {0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00};
  EXPECT_EQ(std::memcmp(b + 15, lea_up, 8), 0);
  EXPECT_EQ(b[23], std::byte{0xe9});
  EXPECT_EQ(slot + 28 + static_cast<std::uint64_t>(rel32_at(b + 24)), ret);
  std::array<std::byte, 5> jmp{};
  ASSERT_TRUE(agent::jump(ret - 7, slot, jmp));
  EXPECT_EQ(jmp[0], std::byte{0xe9});
  EXPECT_EQ(ret - 7 + 5 + static_cast<std::uint64_t>(rel32_at(jmp.data() + 1)), slot);
  // Out of a rel32's reach: nothing.
  EXPECT_FALSE(agent::trampoline(slot, 262, entry, 0x400007).ok);
  EXPECT_FALSE(agent::jump(0x400000, slot, jmp));
}

// glibc's open_nocancel site: its `mov $-100,%edi` runs in the
// trampoline, %eax as the site set it before.
TEST(AgentCode, DisplacedMov) {
  const std::uint64_t slot = 0x7f0000002000, entry = 0x7f0000001000, ret = 0x7f0000400007;
  const std::array<std::byte, 5> mov{std::byte{0xbf}, std::byte{0x9c}, std::byte{0xff}, std::byte{0xff},
                                     std::byte{0xff}};
  const auto t = agent::trampoline(slot, mov, entry, ret);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(std::memcmp(t.bytes.data() + 5, mov.data(), 5), 0);
  EXPECT_EQ(t.bytes[10], std::byte{0xe8});
  const auto window = [](unsigned before, unsigned op, std::uint32_t imm) {
    std::array<std::byte, 6> w{std::byte(before), std::byte(op)};
    std::memcpy(w.data() + 2, &imm, 4);
    return w;
  };
  EXPECT_TRUE(agent::displaceable(window(0xfe, 0xb8, 262), 262));   // mov $nr,%eax
  EXPECT_FALSE(agent::displaceable(window(0xfe, 0xb8, 257), 262));  // another number
  EXPECT_TRUE(agent::displaceable(window(0xfe, 0xbf, -100u), 257)); // mov $AT_FDCWD,%edi
  EXPECT_FALSE(agent::displaceable(window(0xfe, 0xbf, 3), 257));    // another immediate
  EXPECT_FALSE(agent::displaceable(window(0x41, 0xbf, -100u), 257)); // 41 bf: mov to %r15d
  EXPECT_FALSE(agent::displaceable(window(0x66, 0xb8, 262), 262));  // an operand-size prefix
  EXPECT_FALSE(agent::displaceable(window(0xfe, 0xbe, -100u), 257)); // another register
}

// The image as built: the entry at its place, the trampolines after it,
// room for many.
TEST(AgentCode, TheImage) {
  const auto image = agent::image();
  if (image.empty()) GTEST_SKIP() << "no agent on this machine (x86-64 only)";
  EXPECT_GT(image.size(), COCOON_AGENT_CODE);
  EXPECT_EQ(image[COCOON_AGENT_CODE], std::byte{0x9c}) << "the entry starts with pushfq";
  EXPECT_GE(agent::slots_offset(), image.size());
  EXPECT_GE(agent::slot_count(), 1000u);
}

}  // namespace
}  // namespace cocoon::syscalls
