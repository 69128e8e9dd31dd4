// The kernel's seccomp user notifications as the tracer uses them
// (src/notifier.h, docs/architecture.md), against a real child: an answer
// and SECCOMP_USER_NOTIF_FLAG_CONTINUE, a second listener refused (what a
// guest sees), and a signal interrupting a call nobody received yet: EINTR
// for a handler without SA_RESTART, unless the tracer repairs the return
// value at the signal-delivery stop (arch::restart_interrupted_syscall).
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <string>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/seccomp_filter.h"
#include "notifier.h"  // tracer/src

namespace cocoon::tracer {
namespace {

long getppid_nr() { return arch::find_syscall("getppid")->number(arch::host_arch()); }

// getppid is sent to a listener; everything else runs.
std::vector<sock_filter> notify_getppid() {
  const auto nr = static_cast<std::uint32_t>(getppid_nr());
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
}

struct Child {
  pid_t pid = -1;
  int listener = -1;
};

// Forks `body` with the filter installed and its listener handed to the
// parent (pidfd_getfd, as the launcher does). `seize`: traced, as guests are.
Child start(const std::function<int()>& body, bool seize) {
  int p[2];
  if (pipe(p) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    int fd = -1;
    if (install_filter(notify_getppid(), &fd) != 0) _exit(90);
    if (write(p[1], &fd, sizeof fd) != sizeof fd) _exit(91);
    usleep(100000);  // the parent takes the descriptor meanwhile
    _exit(body());
  }
  close(p[1]);
  int number = -1;
  Child c{pid, -1};
  if (read(p[0], &number, sizeof number) == sizeof number && number >= 0) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    c.listener = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, number, 0));
    close(pidfd);
  }
  close(p[0]);
  if (seize) ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL);
  return c;
}

// ENOENT: a call queued and then interrupted still wakes a receiver, who
// finds nothing (kernel/seccomp.c, seccomp_notify_recv); the notifier
// retries the same way.
seccomp_notif receive(int listener) {
  seccomp_notif n{};
  int r = 0;
  do {
    std::memset(&n, 0, sizeof n);
    r = ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n);
  } while (r != 0 && errno == ENOENT);
  EXPECT_EQ(r, 0) << std::strerror(errno);
  return n;
}

void answer(int listener, std::uint64_t id, std::int64_t val, bool cont = false) {
  seccomp_notif_resp r{};
  r.id = id;
  r.val = val;
  r.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  EXPECT_EQ(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &r), 0) << std::strerror(errno);
}

int exit_code(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, __WALL) == pid) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    ptrace(PTRACE_CONT, pid, 0, WIFSTOPPED(status) ? WSTOPSIG(status) : 0);
  }
  return -1;
}

TEST(Notification, AnsweredOrContinuedAndTheIdIsValidUntilAnswered) {
  const Child c = start([] {
    if (syscall(SYS_getppid) != 4242) return 1;
    if (syscall(SYS_getppid) != getppid()) return 2;  // glibc caches nothing here
    return 0;
  }, false);
  ASSERT_GE(c.listener, 0);
  const seccomp_notif first = receive(c.listener);
  EXPECT_EQ(static_cast<pid_t>(first.pid), c.pid);
  EXPECT_EQ(first.data.nr, getppid_nr());
  std::uint64_t id = first.id;
  EXPECT_EQ(ioctl(c.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), 0);
  answer(c.listener, first.id, 4242);
  EXPECT_NE(ioctl(c.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), 0);  // answered: gone
  answer(c.listener, receive(c.listener).id, 0, true);
  // The second getppid() is glibc's own, which makes the raw syscall too.
  answer(c.listener, receive(c.listener).id, 0, true);
  EXPECT_EQ(exit_code(c.pid), 0);
  close(c.listener);
}

// What a guest that wants a listener of its own gets while cocoon holds
// one (docs/architecture.md): EBUSY (kernel/seccomp.c,
// has_duplicate_listener()).
TEST(Notification, ASecondListenerIsRefusedWithEbusy) {
  const Child c = start([] {
    int fd = -1;
    const int err = install_filter(notify_getppid(), &fd);
    return err == EBUSY ? 0 : 1;
  }, false);
  EXPECT_EQ(exit_code(c.pid), 0);
  if (c.listener >= 0) close(c.listener);
}

int interrupted_getppid() {
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sa.sa_flags = 0;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, nullptr);
  errno = 0;
  const long r = syscall(SYS_getppid);
  if (r == 4242) return 0;
  return r == -1 && errno == EINTR ? 4 : 5;
}

// The child waits in getppid, not yet received; a SIGUSR1 interrupts it.
// `repair`: at the signal-delivery stop, the tracer makes it restart.
int interrupt_before_receipt(bool repair) {
  const Child c = start(interrupted_getppid, true);
  if (c.listener < 0) return -1;
  pollfd p{c.listener, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 5000), 1);  // a call waits, unreceived
  kill(c.pid, SIGUSR1);
  int status = 0;
  EXPECT_EQ(waitpid(c.pid, &status, __WALL), c.pid);
  EXPECT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1);
  if (repair) {
    auto r = arch::restart_interrupted_syscall(
        c.pid, [](arch::Arch, long nr) { return nr == getppid_nr(); });
    EXPECT_TRUE(r.has_value() && *r);
  }
  ptrace(PTRACE_CONT, c.pid, 0, SIGUSR1);
  if (repair) answer(c.listener, receive(c.listener).id, 4242);  // the call, made again
  const int code = exit_code(c.pid);
  close(c.listener);
  return code;
}

// Received, the call waits killably (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
// which install_filter() asks for): a signal waits for the answer, so
// nothing cocoon acted on is aborted and made again.
TEST(Notification, OnceReceivedASignalDoesNotInterruptTheCall) {
  const Child c = start(interrupted_getppid, false);
  ASSERT_GE(c.listener, 0);
  const seccomp_notif n = receive(c.listener);
  kill(c.pid, SIGUSR1);
  usleep(50000);
  std::uint64_t id = n.id;
  EXPECT_EQ(ioctl(c.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), 0);  // still waiting
  answer(c.listener, n.id, 4242);
  EXPECT_EQ(exit_code(c.pid), 0);
  close(c.listener);
}

TEST(Notification, AnInterruptedCallFailsWithEintrUnlessRestarted) {
  EXPECT_EQ(interrupt_before_receipt(false), 4);  // the kernel's EINTR
  if (!arch::can_restart_interrupted_syscalls()) GTEST_SKIP() << "x86-64 only";
  EXPECT_EQ(interrupt_before_receipt(true), 0);
}

// Answered at the signal-delivery stop instead, the call is over: its
// result is the answer, it is not queued again (the listener stays empty),
// and the handler still runs (the child's SIGUSR1 handler is installed).
TEST(Notification, AnInterruptedCallAnsweredAtTheSignalStopIsOver) {
  if (!arch::can_restart_interrupted_syscalls()) GTEST_SKIP() << "x86-64 only";
  const Child c = start(interrupted_getppid, true);
  ASSERT_GE(c.listener, 0);
  pollfd p{c.listener, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  kill(c.pid, SIGUSR1);
  int status = 0;
  ASSERT_EQ(waitpid(c.pid, &status, __WALL), c.pid);
  ASSERT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1);
  long seen_nr = -1;
  auto r = arch::settle_interrupted_syscall(c.pid, [&](const arch::SyscallRegs& call) {
    seen_nr = call.nr();
    return std::optional<std::int64_t>(4242);
  });
  EXPECT_TRUE(r.has_value() && *r);
  EXPECT_EQ(seen_nr, getppid_nr());
  ptrace(PTRACE_CONT, c.pid, 0, SIGUSR1);
  EXPECT_EQ(exit_code(c.pid), 0);  // getppid returned 4242
  p.revents = 0;
  poll(&p, 1, 0);
  EXPECT_FALSE(p.revents & POLLIN);  // nothing was queued again (POLLHUP: the child is gone)
  close(c.listener);
}

// Once every task under the filter has exited, the listener hangs up
// (seccomp_notify_poll(): POLLHUP) and a receive fails at once with ENOENT
// instead of waiting (recv_wait_event(), Linux 6.6): the notifier must not
// retry then, or it spins.
TEST(Notification, OnceTheGuestIsGoneTheListenerHangsUpAndReceivesFailAtOnce) {
  if (!arch::kernel_at_least(6, 6)) {
    GTEST_SKIP() << "before 6.6 a receive waits for good (no signal comes)";
  }
  const Child c = start([] { return 0; }, false);
  ASSERT_GE(c.listener, 0);
  EXPECT_EQ(exit_code(c.pid), 0);
  pollfd p{c.listener, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 1000), 1);
  EXPECT_TRUE(p.revents & POLLHUP);
  seccomp_notif n{};
  EXPECT_NE(ioctl(c.listener, SECCOMP_IOCTL_NOTIF_RECV, &n), 0);
  EXPECT_EQ(errno, ENOENT);
  close(c.listener);
}

// The Notifier's thread ends by itself when the guest is gone: it neither
// waits for the destructor's signal nor loops on those failures meanwhile.
TEST(Notification, TheNotifierThreadEndsWhenTheGuestIsGone) {
  if (!arch::kernel_at_least(6, 6)) {
    GTEST_SKIP() << "before 6.6 the destructor's signal ends the receive";
  }
  const Child c = start([] { return syscall(SYS_getppid) == 4242 ? 0 : 1; }, false);
  ASSERT_GE(c.listener, 0);
  Notifier notifier(c.listener, [](const seccomp_notif&, int, std::uint64_t) {
    return Verdict::skip(4242);
  });
  EXPECT_EQ(exit_code(c.pid), 0);
  const std::string task = "/proc/self/task/" + std::to_string(notifier.tid());
  bool gone = false;
  for (int i = 0; i < 2000 && !gone; ++i) {
    gone = access(task.c_str(), F_OK) != 0;
    if (!gone) usleep(1000);
  }
  EXPECT_TRUE(gone) << "the notifier thread still runs 2 s after the guest exited";
}

}  // namespace
}  // namespace cocoon::tracer
