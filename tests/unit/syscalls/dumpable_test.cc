// The emulated PR_SET_DUMPABLE flag (guard/dumpable.h) over a registry
// fed the events the tracer reports: one flag per process, shared by its
// threads, a fork's taken at the parent's clone event, reset by execve,
// and the dumpable part of the kernel's ptrace access check.
#include "guard/dumpable.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "cocoon/tracer/registry.h"

namespace cocoon::syscalls {
namespace {

// Process 10 (leader 10, thread 11).
class DumpableTest : public testing::Test {
 protected:
  void SetUp() override {
    r_.add(10, 10);
    r_.add(11, 10);
    r_.born(11, 10, 10, 10);
  }
  // A fork of process 10 as the tracer reports it: the parent's clone
  // event, then (maybe later) the child's birth.
  void fork_event(pid_t child) {
    flags_.cloned(10, child);
    r_.add(child, child);
  }
  void fork_birth(pid_t child) {
    r_.born(child, child, 10, 10);
    flags_.born(child, child);
  }
  tracer::ProcessRegistry r_;
  DumpableFlags flags_{r_};
};

TEST_F(DumpableTest, DumpableUntilSetAndSharedByThreads) {
  EXPECT_TRUE(flags_.dumpable(10));
  flags_.set(10, false);
  EXPECT_FALSE(flags_.dumpable(10));
  EXPECT_FALSE(flags_.dumpable(11));  // the same mm
  flags_.set(10, true);
  EXPECT_TRUE(flags_.dumpable(11));
  EXPECT_TRUE(flags_.dumpable(99));  // not followed: the kernel's own
}

TEST_F(DumpableTest, AForkGetsTheParentsFlagAtItsCloneEvent) {
  flags_.set(10, false);
  fork_event(20);
  flags_.set(10, true);  // after the fork, before the child's first stop
  fork_birth(20);
  EXPECT_FALSE(flags_.dumpable(20));
  EXPECT_TRUE(flags_.dumpable(10));
  fork_event(30);  // of a dumpable parent
  fork_birth(30);
  EXPECT_TRUE(flags_.dumpable(30));
}

TEST_F(DumpableTest, ExecMakesItDumpableAgain) {
  flags_.set(10, false);
  r_.exec(10, 11);  // thread 11 execs: it takes over the leader's tid
  EXPECT_TRUE(flags_.dumpable(10));
  flags_.set(10, false);
  r_.exec(10, 10);
  EXPECT_TRUE(flags_.dumpable(10));
}

TEST_F(DumpableTest, ANumberReusedAfterAnUnbornChildStartsDumpable) {
  flags_.set(10, false);
  fork_event(20);  // dies before its birth
  flags_.set(10, true);
  fork_event(20);  // the number again, from a dumpable parent
  fork_birth(20);
  EXPECT_TRUE(flags_.dumpable(20));
}

TEST_F(DumpableTest, GuardedFromOtherProcessesOnly) {
  fork_event(20);
  fork_birth(20);
  flags_.set(20, false);
  EXPECT_TRUE(flags_.guarded(10, 20));   // another process
  EXPECT_FALSE(flags_.guarded(20, 20));  // its own (same_thread_group())
  EXPECT_FALSE(flags_.guarded(20, 10));  // a dumpable target
  EXPECT_FALSE(flags_.guarded(20, 99));  // not a guest task: other checks' business
  // This test's own process, as a caller, holds CAP_SYS_PTRACE when run
  // as root in its own user namespace, and then passes; as another user
  // it does not.
  EXPECT_EQ(flags_.may_reach(10, getpid(), 20), geteuid() == 0);
  EXPECT_TRUE(flags_.may_reach(20, getpid(), 20));
}

}  // namespace
}  // namespace cocoon::syscalls
