// signal_deliverable (tracer/src/proc_status.h) and the SignalWatch that
// uses it (tracer/src/signal_watch.h): a held wait is ended for a signal
// its task would take, never for one it blocks.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "proc_status.h"  // tracer/src: not part of the tracer's interface
#include "signal_watch.h"

namespace cocoon::tracer {
namespace {

void on_usr2(int) {}

// A child that blocks SIGUSR1, catches SIGUSR2, and is then stopped
// (SIGSTOP), so whatever is sent to it stays pending.
pid_t stopped_child() {
  const pid_t pid = fork();
  if (pid == 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGUSR2, on_usr2);
    raise(SIGSTOP);
    for (;;) pause();
  }
  int status = 0;
  waitpid(pid, &status, WUNTRACED);
  return pid;
}

void end(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// Waits (up to 5 s) for the pending mask to show `sig`: kill(2) queues it
// at once, but this keeps the test honest about what it reads.
bool pending_shows(pid_t pid, bool want) {
  for (int i = 0; i < 500; ++i) {
    if (signal_deliverable(pid).value_or(!want) == want) return true;
    usleep(10000);
  }
  return false;
}

TEST(SignalDeliverable, BlockedIsNotCaughtIs) {
  const pid_t pid = stopped_child();
  EXPECT_EQ(signal_deliverable(pid), false) << "nothing pending";
  kill(pid, SIGUSR1);
  EXPECT_EQ(signal_deliverable(pid), false) << "SIGUSR1 pending but blocked";
  kill(pid, SIGUSR2);
  EXPECT_TRUE(pending_shows(pid, true)) << "SIGUSR2 pending, caught, not blocked";
  end(pid);
  EXPECT_EQ(signal_deliverable(pid), std::nullopt) << "a task gone";
}

// The watch rings the doorbell (a child of this process that exits) once
// a watched task has a signal to take, and not for a blocked one.
TEST(SignalWatch, RingsForATakenSignalOnly) {
  const pid_t pid = stopped_child();
  SignalWatch watch;
  watch.watch(pid);
  kill(pid, SIGUSR1);  // blocked: never rings
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(SignalWatch::kPeriod);
    ASSERT_FALSE(watch.rung()) << "rang for a blocked signal";
  }
  kill(pid, SIGUSR2);
  bool rung = false;
  for (int i = 0; i < 500 && !rung; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rung = watch.rung();
  }
  EXPECT_TRUE(rung);
  // The doorbell: a child of ours that exits (vfork returns once it has
  // released our memory, maybe before it is a zombie: a blocking wait).
  int status = 0;
  const pid_t bell = waitpid(-1, &status, __WALL);
  EXPECT_GT(bell, 0);
  EXPECT_NE(bell, pid);
  watch.forget(pid);
  end(pid);
}

}  // namespace
}  // namespace cocoon::tracer
