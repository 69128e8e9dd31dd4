// Placement::runnable, the sample behind CPU placement (tracer/src/
// placement.h): a task counts when its /proc/TID/stat state is R (running or
// waiting for a CPU), not when it sleeps, as a shell blocked in wait4 or on
// a pipe does.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "placement.h"  // tracer/src: not part of the tracer's interface

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

// A child's state once it has settled (R for a busy loop, S for pause()).
char state_of(pid_t pid) {
  char path[40], buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return '?';
  const size_t got = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[got] = '\0';
  const char* paren = std::strrchr(buf, ')');
  return paren != nullptr ? paren[2] : '?';
}

void settle(pid_t pid, char want) {
  for (int i = 0; i < 2000 && state_of(pid) != want; ++i) usleep(1000);
}

TEST(Placement, RunnableCountsBusyTasksNotSleepingOnes) {
  const pid_t sleeper = spawn(false);
  const pid_t busy = spawn(true);
  settle(sleeper, 'S');
  settle(busy, 'R');
  TraceeTable table;
  table.add(sleeper, sleeper);
  EXPECT_EQ(Placement::runnable(table), 0u) << "a task in pause() is S";
  table.add(busy, busy);
  EXPECT_EQ(Placement::runnable(table), 1u) << "a busy loop is R";
  // This test itself is running: R.
  const auto self = static_cast<pid_t>(syscall(SYS_gettid));
  table.add(self, getpid());
  EXPECT_EQ(Placement::runnable(table), 2u);
  // A task that is gone counts for nothing.
  kill(busy, SIGKILL);
  waitpid(busy, nullptr, 0);
  EXPECT_EQ(Placement::runnable(table), 1u);
  kill(sleeper, SIGKILL);
  waitpid(sleeper, nullptr, 0);
}

}  // namespace
}  // namespace cocoon::tracer
