// SyscallRegs against a real tracee on this host: pins the kernel facts the
// tracer relies on (docs/kernel-facts.md, "Stops and resuming") — reading a
// stop with PTRACE_GET_SYSCALL_INFO, skipping a call by number -1 plus a
// result, rewriting an argument at a seccomp stop, rewriting a result at
// exit — and the seccomp facts the filter relies on: no exit stop after
// PTRACE_CONT, a rewritten call filtered again, ENOSYS without a tracer, a
// constant 0 answered without running the call, ERRNO before TRACE; and
// where a signal-delivery stop finds a task whose call restarts (stop_context).
#include "cocoon/arch/regs_io.h"

#include <elf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>

#include "cocoon/arch/regs.h"
#include "cocoon/arch/syscall_table.h"
#include "trace_one_syscall.h"

namespace cocoon::arch {
namespace {

// Makes the calling (child) process stop at every getppid through seccomp.
void trace_getppid_with_seccomp() {
  const auto nr = static_cast<std::uint32_t>(find_syscall("getppid")->number(host_arch()));
  if (!testing::trace_one_syscall(nr)) _exit(100);
}

long host_nr(const char* name) { return find_syscall(name)->number(host_arch()); }

// Stacks a filter on the calling (child) process answering `action` to
// syscall `name` and allowing every other one (no_new_privs is already set).
void filter_one_syscall(const char* name, std::uint32_t action) {
  sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(host_nr(name)), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, action),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog fprog{static_cast<unsigned short>(std::size(prog)), prog};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) _exit(101);
}

// Forks `body` under PTRACE_SEIZE with TRACESECCOMP; calls `on_seccomp` at
// each seccomp stop (it chooses CONT or SYSCALL and may act at the exit
// stop through `on_exit`); returns the child's exit code.
int run_traced(const std::function<void()>& body,
               const std::function<bool(pid_t, SyscallRegs&)>& on_seccomp,
               const std::function<void(pid_t, SyscallRegs&)>& on_exit = {}) {
  int go[2];
  if (pipe(go) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    char c;
    if (read(go[0], &c, 1) != 1) _exit(102);
    trace_getppid_with_seccomp();
    body();
    _exit(0);
  }
  ptrace(PTRACE_SEIZE, pid, 0,
         PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD);
  (void)!write(go[1], "x", 1);
  int status = 0;
  while (waitpid(pid, &status, __WALL) == pid) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    int sig = 0;
    __ptrace_request request = PTRACE_CONT;
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
      auto regs = SyscallRegs::load(pid);
      EXPECT_TRUE(regs.has_value());
      if (regs) {
        if (on_seccomp(pid, *regs)) request = PTRACE_SYSCALL;
        EXPECT_TRUE(regs->store(pid).has_value());
      }
    } else if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
      auto regs = SyscallRegs::load(pid);
      EXPECT_TRUE(regs.has_value());
      if (regs) {
        if (on_exit) on_exit(pid, *regs);
        EXPECT_TRUE(regs->store(pid).has_value());
      }
    } else if (status >> 16 == 0) {
      sig = WSTOPSIG(status);
    }
    ptrace(request, pid, 0, sig);
  }
  return -1;
}

TEST(SyscallRegsLive, LoadsNumberArgumentsAndAbiAtASeccompStop) {
  bool seen = false;
  const int code = run_traced(
      [] { syscall(SYS_getppid, 11, 22, 33, 44, 55, 66); },
      [&](pid_t pid, SyscallRegs& r) {
        seen = true;
        EXPECT_TRUE(r.at_entry());
        EXPECT_EQ(r.abi(), host_arch());
        EXPECT_EQ(r.nr(), find_syscall("getppid")->number(host_arch()));
        for (int i = 0; i < 6; ++i) EXPECT_EQ(r.arg(i), 11u * static_cast<unsigned>(i + 1));
        EXPECT_NE(r.ip(), 0u);
        EXPECT_NE(r.sp(), 0u);
#if defined(__x86_64__)
        // The same stop through the raw regset and the pure decoder.
        std::array<std::byte, X86_64Regs::kSize> image;
        iovec iov{image.data(), image.size()};
        EXPECT_EQ(ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov), 0);
        const auto decoded = X86_64Regs::from_bytes(image);
        EXPECT_EQ(decoded.nr(), r.nr());
        for (int i = 0; i < 6; ++i) EXPECT_EQ(decoded.arg(i), r.arg(i));
        EXPECT_EQ(decoded.ip(), r.ip());
        EXPECT_EQ(decoded.sp(), r.sp());
#else
        (void)pid;
#endif
        return false;
      });
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(seen);
}

TEST(SyscallRegsLive, NumberMinusOneSkipsTheCallWithTheGivenResult) {
  const int code = run_traced(
      [] {
        errno = 0;
        const long r = syscall(SYS_getppid);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
      },
      [](pid_t, SyscallRegs& r) {
        r.skip_with(-EPERM);
        return false;  // no exit stop: the result must survive PTRACE_CONT
      });
  EXPECT_EQ(code, 0);
}

// getppid turned into write(fd, "he", 2) by number and arguments: what runs
// is the rewritten call (and the kernel filters it again, since 4.8).
TEST(SyscallRegsLive, NumberAndArgumentsCanBeRewrittenAtEntry) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  static const char kText[] = "hello";
  const int code = run_traced(
      [&] {
        const long r = syscall(SYS_getppid, 0, 0, 0);
        _exit(r == 2 ? 0 : 1);
      },
      [&](pid_t, SyscallRegs& r) {
        r.set_nr(find_syscall("write")->number(host_arch()));
        r.set_arg(0, static_cast<std::uint64_t>(fds[1]));
        r.set_arg(1, reinterpret_cast<std::uint64_t>(kText));  // same address in the child
        r.set_arg(2, 2);
        return false;
      });
  EXPECT_EQ(code, 0);
  close(fds[1]);
  char buf[8] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "he");
  close(fds[0]);
}

// The route of a call run again (tracer/src/rerun.cc, riscv64 before
// 6.16): getppid skipped at its seccomp stop, then at the skip's exit stop
// rewound onto its instruction as write(fd, "he", 2), the number and arg0
// only in the registers the instruction reads, args 1-2 set at the entry.
// What runs is the write (not traced: the filter lets it through), and its
// result is what the guest's getppid returns.
TEST(SyscallRegsLive, ASkippedCallRewoundRunsAgainWithNewNumberAndArg0) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  static const char kText[] = "hello";
  int exits = 0;
  const int code = run_traced(
      [&] {
        const long r = syscall(SYS_getppid, 0, 0, 0);
        _exit(r == 2 ? 0 : 1);
      },
      [&](pid_t, SyscallRegs& r) {
        r.set_arg(1, reinterpret_cast<std::uint64_t>(kText));  // same address in the child
        r.set_arg(2, 2);
        r.skip_with(0);
        return true;  // the skip's exit stop
      },
      [&](pid_t pid, SyscallRegs& r) {
        ++exits;
        EXPECT_TRUE(SyscallRegs::rerun_call(pid, r.abi(), host_nr("write"),
                                            static_cast<std::uint64_t>(fds[1]))
                        .has_value());
      });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(exits, 1);  // resumed with PTRACE_CONT after the rewind
  close(fds[1]);
  char buf[8] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "he");
  close(fds[0]);
}

TEST(SyscallRegsLive, ResultCanBeRewrittenAtTheExitStop) {
  bool exit_seen = false;
  const int code = run_traced(
      [] { _exit(syscall(SYS_getppid) == 4242 ? 0 : 1); },
      [](pid_t, SyscallRegs&) { return true; },  // ask for the exit stop
      [&](pid_t, SyscallRegs& r) {
        exit_seen = true;
        EXPECT_FALSE(r.at_entry());
        EXPECT_EQ(r.result(), getpid());  // the child's parent is this process
        r.set_result(4242);
      });
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(exit_seen);
}

TEST(SyscallRegsLive, LoadFailsWithEsrchForAVanishedTracee) {
  auto r = SyscallRegs::load(999999999);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), ESRCH);
}

// Resumed with PTRACE_CONT from a seccomp stop, a call gives no exit stop
// (ptrace(2)): a handler that needs none costs one stop.
TEST(SeccompLive, ContinuedFromASeccompStopACallGivesNoExitStop) {
  int seccomp_stops = 0, exit_stops = 0;
  const int code = run_traced(
      [] { _exit(syscall(SYS_getppid) == getppid() ? 0 : 1); },
      [&](pid_t, SyscallRegs&) {
        ++seccomp_stops;
        return false;  // PTRACE_CONT
      },
      [&](pid_t, SyscallRegs&) { ++exit_stops; });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(seccomp_stops, 2);  // syscall(SYS_getppid), then getppid()
  EXPECT_EQ(exit_stops, 0);
}

// A call the tracer rewrote at a seccomp stop goes through the filters
// again (seccomp(2), Linux 4.8): getppid turned into a getpid that a
// filter refuses is refused.
TEST(SeccompLive, ARewrittenCallIsFilteredAgain) {
  const int code = run_traced(
      [] {
        filter_one_syscall("getpid", SECCOMP_RET_ERRNO | EACCES);
        errno = 0;
        const long r = syscall(SYS_getppid);
        _exit(r == -1 && errno == EACCES ? 0 : 1);
      },
      [](pid_t, SyscallRegs& r) {
        r.set_nr(host_nr("getpid"));
        return false;
      });
  EXPECT_EQ(code, 0);
}

// SECCOMP_RET_TRACE with no tracer fails the call with ENOSYS (seccomp(2)):
// a task that escaped tracing (CLONE_UNTRACED) cannot run a traced call.
TEST(SeccompLive, ATracedCallWithoutATracerFailsWithEnosys) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    trace_getppid_with_seccomp();
    errno = 0;
    const long r = syscall(SYS_getppid);
    _exit(r == -1 && errno == ENOSYS ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// SECCOMP_RET_ERRNO with data 0 returns 0 without running the call
// (seccomp(2); kernel/seccomp.c): the fd a refused close names stays open.
TEST(SeccompLive, ErrnoZeroReturnsZeroWithoutRunningTheCall) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fds[2];
    if (pipe(fds) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(2);
    filter_one_syscall("close", SECCOMP_RET_ERRNO | 0);
    const long r = syscall(SYS_close, fds[0]);
    _exit(r == 0 && fcntl(fds[0], F_GETFD) != -1 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// Of stacked filters the strongest action wins, ERRNO over TRACE
// (seccomp(2), kernel/seccomp.c): a guest's own filter refusing a call that
// cocoon traces refuses it, with no stop.
TEST(SeccompLive, AnErrnoOfAnotherFilterWinsOverTrace) {
  int seccomp_stops = 0;
  const int code = run_traced(
      [] {
        filter_one_syscall("getppid", SECCOMP_RET_ERRNO | EACCES);
        errno = 0;
        const long r = syscall(SYS_getppid);
        _exit(r == -1 && errno == EACCES ? 0 : 1);
      },
      [&](pid_t, SyscallRegs&) {
        ++seccomp_stops;
        return false;
      });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(seccomp_stops, 0);
}

}  // namespace
}  // namespace cocoon::arch

namespace cocoon::arch {
namespace {

volatile sig_atomic_t g_usr1 = 0;

// Where a signal-delivery stop finds a task (stop_context), and the state a
// restart leaves pending: a read blocked on a pipe is interrupted by
// SIGUSR1 (SA_RESTART), whose handler sends SIGUSR1 again; the kernel has
// moved the context back onto the call instruction before running the
// handler (handle_signal() on x86-64, do_signal() on arm64 and riscv64), so
// the second stop, right after sigreturn, finds ip syscall_insn_size bytes
// before the first one's, on the same stack: the shape a storm of signals
// over a restarted call shows (tracer/src/storm.h).
TEST(StopContextLive, ARestartPendingAfterSigreturnIsOneCallInstructionBack) {
  int data[2], ready[2];
  ASSERT_EQ(pipe(data), 0);
  ASSERT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    struct sigaction sa {};
    sa.sa_handler = [](int) {
      if (++g_usr1 == 1) syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    };
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, nullptr);
    (void)!write(ready[1], "x", 1);
    char c;
    const ssize_t n = read(data[0], &c, 1);  // interrupted, restarted twice
    _exit(n == 1 && g_usr1 == 2 ? 0 : 1);
  }
  ASSERT_EQ(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL), 0);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  // In the read: its wait channel is pipe_read (state S).
  for (int i = 0; i < 2000; ++i) {
    char state = 0;
    if (FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r")) {
      (void)!std::fscanf(f, "%*d %*s %c", &state);
      std::fclose(f);
    }
    if (state == 'S') break;
    usleep(1000);
  }
  kill(pid, SIGUSR1);
  std::vector<StopContext> at;
  int status = 0;
  while (waitpid(pid, &status, __WALL) == pid && WIFSTOPPED(status)) {
    const int sig = WSTOPSIG(status);
    if (sig == SIGUSR1) {
      auto here = stop_context(pid);
      ASSERT_TRUE(here.has_value());
      at.push_back(*here);
      if (at.size() == 2) (void)!write(data[1], "x", 1);  // the restarted read returns
    }
    ptrace(PTRACE_CONT, pid, 0, sig == SIGUSR1 ? sig : 0);
  }
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0].abi, host_arch());
  EXPECT_EQ(at[1].sp, at[0].sp);
  EXPECT_EQ(at[1].ip + syscall_insn_size(host_arch()), at[0].ip);
}

}  // namespace
}  // namespace cocoon::arch
