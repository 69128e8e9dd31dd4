// The mailbox through which other threads have the event loop run work
// (cocoon enter): a job runs on the loop's thread; the caller is woken by
// a child's exit the loop's waitpid cannot miss; a closed mailbox runs
// nothing and releases its callers.
#include "cocoon/tracer/mailbox.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <thread>

namespace cocoon::tracer {
namespace {

// A child standing for the loop's tracees, so that waitpid(-1) blocks
// rather than failing with ECHILD, as it does with tracees in the loop.
struct Sleeper {
  pid_t pid = ::fork();
  Sleeper() {
    if (pid == 0) {
      ::pause();
      _exit(0);
    }
  }
  ~Sleeper() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

class NoRun : public RunAccess {
 public:
  std::expected<pid_t, Error> enter(EnterSpec) override { return std::unexpected(Error{ESRCH, ""}); }
  pid_t first_process() const override { return 0; }
  void for_each_task(const std::function<void(const Tracee&)>&) override {}
};

TEST(Mailbox, ClosedRunsNothing) {
  Mailbox m;
  m.close();  // the loop ended
  bool ran = false;
  EXPECT_FALSE(m.call([&](RunAccess&) { ran = true; }));
  EXPECT_FALSE(ran);
}

// A run is published a moment before its loop opens the mailbox: a call
// in between waits for the opening instead of answering "ended".
TEST(Mailbox, ACallBeforeTheOpeningWaitsForIt) {
  Mailbox m;
  NoRun run;
  Sleeper sleeper;
  std::atomic<bool> ran{false};
  std::thread caller([&] { EXPECT_TRUE(m.call([&](RunAccess&) { ran = true; })); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(ran);
  m.open();
  ASSERT_GT(::waitpid(-1, nullptr, __WALL), 0);  // the doorbell
  m.run_pending(run);
  caller.join();
  EXPECT_TRUE(ran);
}

TEST(Mailbox, AJobRunsOnTheLoopThreadWokenByWaitpid) {
  Mailbox m;
  NoRun run;
  Sleeper sleeper;
  m.open();
  std::thread::id ran_on;
  std::atomic<bool> returned{false};
  std::thread caller([&] {
    EXPECT_TRUE(m.call([&](RunAccess&) { ran_on = std::this_thread::get_id(); }));
    returned = true;
  });
  // The loop: one blocking waitpid, which the doorbell's exit ends.
  int status = 0;
  const pid_t bell = ::waitpid(-1, &status, __WALL);
  ASSERT_GT(bell, 0);
  EXPECT_NE(bell, sleeper.pid);
  EXPECT_TRUE(WIFEXITED(status));
  m.run_pending(run);
  caller.join();
  EXPECT_TRUE(returned);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  m.close();
}

TEST(Mailbox, CloseReleasesAWaitingCaller) {
  Mailbox m;
  Sleeper sleeper;
  m.open();
  std::thread caller([&] { EXPECT_FALSE(m.call([](RunAccess&) { FAIL() << "ran after close"; })); });
  ASSERT_GT(::waitpid(-1, nullptr, __WALL), 0);  // the doorbell: the job is queued
  m.close();
  caller.join();
}

}  // namespace
}  // namespace cocoon::tracer
