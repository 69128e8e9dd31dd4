#include "guest_fds.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "cocoon/arch/kernel.h"

namespace cocoon::syscalls {
namespace {

// PIDFD_THREAD (include/uapi/linux/pidfd.h, Linux 6.9) is O_EXCL: a pidfd
// of the thread itself, whose files pidfd_getfd() then takes
// (kernel/pid.c, pidfd_getfd -> __pidfd_fget(task, fd)).
constexpr unsigned kPidfdThread = O_EXCL;

int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

}  // namespace

int GuestFds::pidfd(pid_t tid, pid_t tgid) {
  if (auto it = pidfds_.find(tid); it != pidfds_.end()) return it->second.fd;
  // Before 6.9 only a leader has a pidfd, and its fd table is the one a
  // thread uses only when it shares it: a thread goes through /proc.
  errno = EINVAL;
  int fd = arch::kernel_features().pidfd_thread ? pidfd_open(tid, kPidfdThread) : -1;
  if (fd < 0 && errno == EINVAL && tid == tgid) fd = pidfd_open(tid, 0);
  // Remembered: a pidfd, or a refusal that will not change for this task
  // (EINVAL: no thread pidfds; ENOSYS, EPERM). Not a passing failure
  // (EMFILE, ENOMEM; ESRCH: the task is going).
  if (fd < 0 && errno != EINVAL && errno != ENOSYS && errno != EPERM) return -1;
  if (pidfds_.size() >= kMaxCached) pidfds_.clear();
  return pidfds_.insert_or_assign(tid, OwnedFd(fd)).first->second.fd;
}

std::expected<OwnedFd, int> GuestFds::dup(pid_t tid, pid_t tgid, int fd) {
  if (fd < 0) return std::unexpected(EBADF);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int pfd = pidfd(tid, tgid);
    if (pfd < 0) return std::unexpected(ENOSYS);
    const int got = static_cast<int>(::syscall(SYS_pidfd_getfd, pfd, fd, 0));
    if (got >= 0) return OwnedFd(got);
    if (errno == EBADF) return std::unexpected(EBADF);
    // EPERM: pidfd_getfd asks for ptrace attach rights (PTRACE_MODE_ATTACH_
    // REALCREDS), more than /proc's fd links: it will not change.
    if (errno == EPERM) {
      pidfds_.insert_or_assign(tid, OwnedFd(-1));
      return std::unexpected(ENOSYS);
    }
    // ESRCH: the pidfd's task is gone although the tid is in a call (a
    // tid the tracer has not yet heard died, reused): take a new pidfd.
    if (errno != ESRCH) return std::unexpected(ENOSYS);
    forget(tid);
  }
  return std::unexpected(ENOSYS);
}

}  // namespace cocoon::syscalls
