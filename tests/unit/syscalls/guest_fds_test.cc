// GuestFds (syscalls/src/paths/guest_fds.h): a guest's descriptor duplicated with
// pidfd_getfd(2) is the guest's open file (the same inode, the same flags,
// the same offset), a descriptor the guest does not have is EBADF, and a
// task that has died and whose tid is asked again gets a fresh pidfd.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "paths/guest_fds.h"

namespace cocoon::syscalls {
namespace {

// A child holding fd 7 on `path` (O_PATH when asked), and nothing at fd 8.
pid_t child_with_fd(const char* path, int flags) {
  int ready[2];
  if (pipe(ready) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(path, flags);
    if (fd < 0 || dup2(fd, 7) < 0) _exit(1);
    close(8);
    if (write(ready[1], "r", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char c;
  close(ready[1]);
  if (read(ready[0], &c, 1) != 1) std::abort();
  close(ready[0]);
  return pid;
}

void end(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

TEST(GuestFds, DuplicatesTheGuestsOpenFile) {
  const pid_t pid = child_with_fd("/proc/self/exe", O_RDONLY);
  GuestFds fds;
  auto dup = fds.dup(pid, pid, 7);
  ASSERT_TRUE(dup.has_value()) << "errno " << dup.error();
  struct stat mine {}, theirs {};
  ASSERT_EQ(fstat(dup->fd, &mine), 0);
  const std::string link = "/proc/" + std::to_string(pid) + "/fd/7";
  ASSERT_EQ(stat(link.c_str(), &theirs), 0);
  EXPECT_EQ(mine.st_ino, theirs.st_ino);
  EXPECT_EQ(mine.st_dev, theirs.st_dev);
  EXPECT_EQ(fcntl(dup->fd, F_GETFL) & O_ACCMODE, O_RDONLY);
  end(pid);
}

TEST(GuestFds, AnFdTheGuestHasNotIsEbadf) {
  const pid_t pid = child_with_fd("/", O_RDONLY | O_DIRECTORY);
  GuestFds fds;
  auto dup = fds.dup(pid, pid, 8);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error(), EBADF);
  EXPECT_EQ(fds.dup(pid, pid, -1).error(), EBADF);
  end(pid);
}

TEST(GuestFds, KeepsOPathFlags) {
  const pid_t pid = child_with_fd("/", O_PATH);
  GuestFds fds;
  auto dup = fds.dup(pid, pid, 7);
  ASSERT_TRUE(dup.has_value()) << "errno " << dup.error();
  // The same open file description: the guest's flags, O_PATH included.
  EXPECT_TRUE(fcntl(dup->fd, F_GETFL) & O_PATH);
  end(pid);
}

TEST(GuestFds, ADeadTasksTidGetsAFreshPidfd) {
  GuestFds fds;
  const pid_t first = child_with_fd("/", O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(fds.dup(first, first, 7).has_value());
  end(first);
  // The tracer would forget the tid at the death; without that, the stale
  // pidfd says ESRCH and is replaced: a task now holding the tid (here
  // none) is asked afresh, and a missing one is not found.
  auto gone = fds.dup(first, first, 7);
  ASSERT_FALSE(gone.has_value());
  EXPECT_NE(gone.error(), EBADF) << "a dead task is no answer about its fds";
  fds.forget(first);
}

// A thread other than the leader: its own pidfd (PIDFD_THREAD, Linux 6.9)
// or, before, no answer (ENOSYS: the caller goes through /proc).
TEST(GuestFds, AThreadIsAnsweredOrDeclined) {
  GuestFds fds;
  const int fd = open("/", O_RDONLY | O_DIRECTORY);
  pid_t self_tid = 0;
  std::thread probe([&] {
    self_tid = static_cast<pid_t>(syscall(SYS_gettid));
    auto dup = fds.dup(self_tid, getpid(), fd);
    if (dup) {
      struct stat a {}, b {};
      fstat(dup->fd, &a);
      fstat(fd, &b);
      EXPECT_EQ(a.st_ino, b.st_ino);
    } else {
      EXPECT_EQ(dup.error(), ENOSYS);
      // Only before PIDFD_THREAD.
      const int pfd = static_cast<int>(syscall(SYS_pidfd_open, self_tid, O_EXCL));
      EXPECT_LT(pfd, 0) << "this kernel has thread pidfds: the thread should have been answered";
      if (pfd >= 0) close(pfd);
    }
    fds.forget(self_tid);
  });
  probe.join();
  close(fd);
}

}  // namespace
}  // namespace cocoon::syscalls
