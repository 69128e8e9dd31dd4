// Placement::runnable, the sample behind CPU placement (tracer/src/
// placement.h): a task counts when its state in /proc (read_state) is R (running or
// waiting for a CPU), not when it sleeps, as a shell blocked in wait4 or on
// a pipe does.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "placement.h"  // tracer/src: not part of the tracer's interface
#include "proc_status.h"

namespace cocoon::tracer {
namespace {

pid_t spawn(bool busy) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (busy) {
      for (;;) asm volatile("" ::: "memory");
    }
    pause();
    _exit(0);
  }
  return pid;
}

void settle(pid_t pid, char want) {
  for (int i = 0; i < 2000 && read_state(pid) != want; ++i) usleep(1000);
}

TEST(Placement, RunnableCountsBusyTasksNotSleepingOnes) {
  const pid_t sleeper = spawn(false);
  const pid_t busy = spawn(true);
  settle(sleeper, 'S');
  settle(busy, 'R');
  EXPECT_EQ(Placement::runnable({sleeper}), 0u) << "a task in pause() is S";
  EXPECT_EQ(Placement::runnable({sleeper, busy}), 1u) << "a busy loop is R";
  // This test's own thread is running: R.
  const auto self = static_cast<pid_t>(syscall(SYS_gettid));
  EXPECT_EQ(Placement::runnable({sleeper, busy, self}), 2u);
  EXPECT_EQ(Placement::runnable({busy, self, sleeper}, 1), 1u) << "counting stops at `enough`";
  // A task that is gone counts for nothing.
  kill(busy, SIGKILL);
  waitpid(busy, nullptr, 0);
  EXPECT_EQ(Placement::runnable({sleeper, busy, self}), 1u);
  kill(sleeper, SIGKILL);
  waitpid(sleeper, nullptr, 0);
}

// A sleeping thread of this (running) process is S: the state is the
// thread's own.
TEST(Placement, RunnableSeesASleepingThreadOfARunningProcess) {
  std::atomic<pid_t> tid{0};
  std::atomic<bool> done{false};
  std::thread t([&] {
    tid = static_cast<pid_t>(syscall(SYS_gettid));
    while (!done) usleep(1000);
  });
  while (tid == 0) usleep(100);
  usleep(20000);
  std::size_t n = 1;
  for (int i = 0; i < 200 && n != 0; ++i) n = Placement::runnable({tid.load()});
  EXPECT_EQ(n, 0u) << "a thread in usleep() is S";
  done = true;
  t.join();
}

}  // namespace
}  // namespace cocoon::tracer
