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
  // The thread blocks in read(2) on a pipe until the end: always S. (A
  // usleep(1000) loop was R often enough on a loaded machine, waiting for a
  // CPU after each wake-up, that 200 samples could all see it runnable.)
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::atomic<pid_t> tid{0};
  std::thread t([&] {
    tid = static_cast<pid_t>(syscall(SYS_gettid));
    char c;
    (void)!read(p[0], &c, 1);
  });
  while (tid == 0) usleep(100);
  std::size_t n = 1;
  for (int i = 0; i < 2000 && n != 0; ++i) {
    n = Placement::runnable({tid.load()});
    if (n != 0) usleep(1000);  // not yet in read(): give it the CPU
  }
  EXPECT_EQ(n, 0u) << "a thread blocked in read() is S";
  (void)!write(p[1], "x", 1);
  t.join();
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace cocoon::tracer
