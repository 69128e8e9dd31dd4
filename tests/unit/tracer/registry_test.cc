// The process registry (tracer/registry.h) without processes: what each
// slot rule gives a new process, a new thread, an execve'd image (by the
// leader or by another thread) and what a death leaves, in the order the
// tracer reports those events.
#include "cocoon/tracer/registry.h"

#include <gtest/gtest.h>

#include <string>

namespace cocoon::tracer {
namespace {

// Process 10 (leader 10); a fork makes process 20, a clone(CLONE_THREAD)
// thread 11.
class RegistryTest : public testing::Test {
 protected:
  void SetUp() override { r_.add(10, 10); }
  void fork_child() {
    r_.add(20, 20);  // the fork event
    r_.born(20, 20, 10, 10);
  }
  void thread_child() {
    r_.add(11, 10);
    r_.born(11, 10, 10, 10);
  }
  ProcessRegistry r_;
};

TEST_F(RegistryTest, AThreadSlotIsCopiedOrFreshAsItsRuleSays) {
  ThreadSlot<int> both(r_, OnClone::kCopy, OnClone::kCopy, OnExec::kKeep);
  ThreadSlot<int> neither(r_, OnClone::kFresh, OnClone::kFresh, OnExec::kKeep);
  ThreadSlot<int> forks_only(r_, OnClone::kCopy, OnClone::kFresh, OnExec::kKeep);
  both.set(10, 1);
  neither.set(10, 2);
  forks_only.set(10, 3);
  fork_child();
  thread_child();
  ASSERT_NE(both.find(20), nullptr);
  EXPECT_EQ(*both.find(20), 1);
  ASSERT_NE(both.find(11), nullptr);
  EXPECT_EQ(*both.find(11), 1);
  EXPECT_EQ(neither.find(20), nullptr);
  EXPECT_EQ(neither.find(11), nullptr);
  ASSERT_NE(forks_only.find(20), nullptr);
  EXPECT_EQ(forks_only.find(11), nullptr);
  // A copy, not a share: the child's change stays its own.
  *both.find(20) = 5;
  EXPECT_EQ(*both.find(10), 1);
}

TEST_F(RegistryTest, AProcessSlotIsSharedByThreadsAndCopiedOrFreshAtFork) {
  ProcessSlot<std::string> copied(r_, OnClone::kCopy, OnExec::kKeep);
  ProcessSlot<std::string> fresh(r_, OnClone::kFresh, OnExec::kKeep);
  copied.set(10, "creds");
  fresh.set(10, "pending");
  thread_child();
  fork_child();
  *copied.find(10) = "changed by thread 11";  // the group's one value
  ASSERT_NE(copied.find(20), nullptr);
  EXPECT_EQ(*copied.find(20), "creds");  // copied at the fork, before the change
  EXPECT_EQ(fresh.find(20), nullptr);
  std::size_t holders = 0;
  copied.for_each([&](pid_t, const std::string&) { ++holders; });
  EXPECT_EQ(holders, 2u);  // processes 10 and 20, not thread 11
}

TEST_F(RegistryTest, ATasksProcessIsItsThreadGroup) {
  thread_child();
  fork_child();
  EXPECT_EQ(r_.process_of(10), 10);
  EXPECT_EQ(r_.process_of(11), 10);
  EXPECT_EQ(r_.process_of(20), 20);
  EXPECT_EQ(r_.process_of(99), 0);  // not followed
  r_.died(11);
  EXPECT_EQ(r_.process_of(11), 0);
}

TEST_F(RegistryTest, ExecKeepsOrResets) {
  ThreadSlot<int> kept(r_, OnClone::kCopy, OnClone::kCopy, OnExec::kKeep);
  ThreadSlot<int> reset(r_, OnClone::kCopy, OnClone::kCopy, OnExec::kReset);
  ProcessSlot<int> pkept(r_, OnClone::kCopy, OnExec::kKeep);
  ProcessSlot<int> preset(r_, OnClone::kCopy, OnExec::kReset);
  kept.set(10, 1);
  reset.set(10, 2);
  pkept.set(10, 3);
  preset.set(10, 4);
  r_.exec(10, 10);
  EXPECT_NE(kept.find(10), nullptr);
  EXPECT_EQ(reset.find(10), nullptr);
  EXPECT_NE(pkept.find(10), nullptr);
  EXPECT_EQ(preset.find(10), nullptr);
}

// de_thread(): the execing thread takes the leader's tid, whose own task
// is gone without a death report.
TEST_F(RegistryTest, ANonLeadersExecMovesItsValuesToTheLeadersTid) {
  ThreadSlot<int> mine(r_, OnClone::kFresh, OnClone::kFresh, OnExec::kKeep);
  CallSlot<int> call(r_);
  ProcessSlot<int> group(r_, OnClone::kCopy, OnExec::kKeep);
  thread_child();
  mine.set(10, 100);
  mine.set(11, 111);
  call.set(11, 7);  // the execve's own entry -> exit data
  group.set(10, 5);
  r_.exec(10, 11);
  EXPECT_FALSE(r_.follows(11));
  ASSERT_NE(mine.find(10), nullptr);
  EXPECT_EQ(*mine.find(10), 111);
  ASSERT_NE(call.find(10), nullptr);
  EXPECT_EQ(*call.find(10), 7);
  ASSERT_NE(group.find(10), nullptr);  // one task left in the group
  r_.died(10);
  EXPECT_EQ(group.find(10), nullptr);
  EXPECT_EQ(r_.process_count(), 0u);
}

TEST_F(RegistryTest, DeathDropsATasksValuesAndTheGroupsWithItsLastTask) {
  ThreadSlot<int> mine(r_, OnClone::kFresh, OnClone::kFresh, OnExec::kKeep);
  ProcessSlot<int> group(r_, OnClone::kCopy, OnExec::kKeep);
  thread_child();
  mine.set(10, 1);
  group.set(10, 2);
  r_.died(10);  // the leader exits; thread 11 goes on
  EXPECT_EQ(mine.find(10), nullptr);
  ASSERT_NE(group.find(10), nullptr);
  r_.died(11);
  EXPECT_EQ(group.find(10), nullptr);
  // A reused number starts clean, and nothing is kept for a task not followed.
  r_.add(10, 10);
  EXPECT_EQ(mine.find(10), nullptr);
  EXPECT_EQ(group.find(10), nullptr);
  EXPECT_EQ(mine.set(99, 1), nullptr);
  EXPECT_EQ(group.set(99, 1), nullptr);
}

TEST_F(RegistryTest, ACallSlotLastsFromEntryToExitAndIsNeverInherited) {
  CallSlot<int> call(r_);
  call.set(10, 1);
  fork_child();
  thread_child();
  EXPECT_EQ(call.find(20), nullptr);
  EXPECT_EQ(call.find(11), nullptr);
  ASSERT_NE(call.find(10), nullptr);
  r_.end_call(11);  // another task's call ending changes nothing
  ASSERT_NE(call.find(10), nullptr);
  r_.end_call(10);
  EXPECT_EQ(call.find(10), nullptr);
  call.set(11, 2);
  r_.died(11);
  EXPECT_EQ(call.find(11), nullptr);
}

// A new task whose parent's value was written for it before its birth (the
// parent's clone exit stop came first) keeps it where the rule is kFresh;
// a parent that died before the birth passes nothing on.
TEST_F(RegistryTest, BirthKeepsWhatWasWrittenForTheChildAndNeedsNoLiveParent) {
  ThreadSlot<int> for_child(r_, OnClone::kFresh, OnClone::kFresh, OnExec::kKeep);
  ThreadSlot<int> copied(r_, OnClone::kCopy, OnClone::kCopy, OnExec::kKeep);
  ProcessSlot<int> group(r_, OnClone::kCopy, OnExec::kKeep);
  copied.set(10, 1);
  group.set(10, 2);
  r_.add(20, 20);
  for_child.set(20, 3);
  r_.born(20, 20, 10, 10);
  EXPECT_EQ(*for_child.find(20), 3);
  EXPECT_EQ(*copied.find(20), 1);
  r_.add(30, 0);  // its first stop before its parent's event
  r_.died(10);
  r_.born(30, 30, 10, 10);
  EXPECT_EQ(copied.find(30), nullptr);
  EXPECT_EQ(group.find(30), nullptr);
  EXPECT_EQ(r_.process_count(), 2u);  // 20 and 30
}

}  // namespace
}  // namespace cocoon::tracer
