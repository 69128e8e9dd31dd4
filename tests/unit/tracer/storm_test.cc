// Signals held back under a storm (src/storm.h): which signals may be,
// when a stop finds a task where the last signal left it, and, against a
// real child, what the kernel does with a signal the tracer blocks at its
// delivery stop: it queues it again, siginfo and all, and delivers it once
// the tracer puts the mask back at the task's next system call.
#include <gtest/gtest.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "storm.h"  // tracer/src

namespace cocoon::tracer {
namespace {

TEST(SignalStorms, HoldsBackOnlyStandardAsynchronousSignals) {
  for (int s : {SIGALRM, SIGUSR1, SIGUSR2, SIGCHLD, SIGPROF, SIGVTALRM, SIGWINCH, SIGIO, SIGTERM,
                SIGINT, SIGHUP, SIGPIPE}) {
    EXPECT_TRUE(may_hold_back(s)) << s;
  }
  // Never blocked; forced faults (blocked, they kill); job control.
  for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGCONT,
                SIGTSTP, SIGTTIN, SIGTTOU}) {
    EXPECT_FALSE(may_hold_back(s)) << s;
  }
  // Real-time signals keep their order: never queued again.
  EXPECT_FALSE(may_hold_back(32));
  EXPECT_FALSE(may_hold_back(SIGRTMIN));
  EXPECT_FALSE(may_hold_back(SIGRTMAX));
  EXPECT_FALSE(may_hold_back(0));
}

// After the handler (sigreturn), the task is where the signal found it;
// a call the kernel restarts goes back onto its instruction: 2 bytes on
// x86-64 (handle_signal()), 4 on aarch64 and riscv64 (do_signal()).
TEST(SignalStorms, SameContextIsTheSameIpAndSpOrItsRestart) {
  EXPECT_TRUE(same_context(0x401002, 0x7ff0, 0x401002, 0x7ff0, 2));
  EXPECT_TRUE(same_context(0x401000, 0x7ff0, 0x401002, 0x7ff0, 2));   // x86-64 restart
  EXPECT_TRUE(same_context(0x401000, 0x7ff0, 0x401004, 0x7ff0, 4));   // aarch64, riscv64
  EXPECT_FALSE(same_context(0x401002, 0x7fe0, 0x401002, 0x7ff0, 2));  // another frame
  EXPECT_FALSE(same_context(0x401004, 0x7ff0, 0x401002, 0x7ff0, 2));  // its code ran on
  EXPECT_FALSE(same_context(0x401000, 0x7ff0, 0x401004, 0x7ff0, 2));
}

volatile sig_atomic_t g_count = 0;
volatile sig_atomic_t g_code = 0, g_pid = 0;

// The first delivery sends the signal again from the handler, where it
// is blocked: it is pending at sigreturn, the storm's shape, and its stop
// finds the task where the first one did.
void on_usr1(int, siginfo_t* info, void*) {
  g_count = g_count + 1;
  g_code = info->si_code;
  g_pid = info->si_pid;
  if (g_count == 1) syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
}

// Exit 0: the second signal waited while the child's own code ran (it
// saw one delivery before its next call, two after it), with its siginfo
// (SI_TKILL from the child itself), and the child's mask is its own again.
int storm_child(int ready) {
  char c;
  if (read(ready, &c, 1) != 1) return 50;  // the parent's seize is in place
  struct sigaction sa {};
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, nullptr);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
  const int before = g_count;  // no system call since the first handler
  syscall(SYS_getppid);
  const int after = g_count;
  sigset_t now;
  sigprocmask(SIG_SETMASK, nullptr, &now);
  if (before != 1) return 10 + before;
  if (after != 2) return 20 + after;
  if (g_code != SI_TKILL || g_pid != getpid()) return 30;
  if (sigismember(&now, SIGUSR1)) return 40;
  return 0;
}

// A child running `body`, seized with EXITKILL and TRACESYSGOOD before it
// starts (it waits for a byte on a pipe); -1 on failure.
pid_t start_seized(int (*body)(int ready)) {
  int p[2];
  if (pipe(p) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) _exit(body(p[0]));
  const bool seized = ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) == 0;
  const bool started = write(p[1], "x", 1) == 1;
  close(p[0]);
  close(p[1]);
  return seized && started ? pid : -1;
}

TEST(SignalStorms, HeldSignalIsQueuedAgainAndDeliveredAfterTheNextCall) {
  const pid_t pid = start_seized(storm_child);
  ASSERT_GT(pid, 0);
  SignalStorms storms;
  int held = 0, delivered = 0, status = 0;
  while (waitpid(pid, &status, __WALL) == pid && WIFSTOPPED(status)) {
    const int sig = WSTOPSIG(status);
    const bool syscall_stop = sig == (SIGTRAP | 0x80);
    const bool event_stop = (status >> 16) != 0;
    int pass = 0;
    if (syscall_stop || event_stop) {
      storms.on_stop(pid, syscall_stop, false);
    } else if (sig == SIGUSR1) {
      storms.on_signal_stop(pid, sig, false);
      held += storms.holding(pid) ? 1 : 0;
      delivered += storms.holding(pid) ? 0 : 1;
      pass = sig;
    } else {
      pass = sig;
    }
    ptrace(storms.holding(pid) ? PTRACE_SYSCALL : PTRACE_CONT, pid, 0, pass);
  }
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(held, 1);
  EXPECT_EQ(delivered, 2);
  EXPECT_EQ(storms.next_deadline(), SignalStorms::Clock::time_point::max());
}

// A loop sending itself a signal from one place: every signal finds it at
// the same ip and sp, but it made calls in between (its own code ran):
// nothing is held back.
int loop_child(int ready) {
  char c;
  if (read(ready, &c, 1) != 1) return 50;
  signal(SIGUSR2, [](int) {});
  for (int i = 0; i < 3; ++i) syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
  return 0;
}

TEST(SignalStorms, LoopMakingCallsIsNoStorm) {
  const pid_t pid = start_seized(loop_child);
  ASSERT_GT(pid, 0);
  SignalStorms storms;
  int held = 0, delivered = 0, status = 0;
  while (waitpid(pid, &status, __WALL) == pid && WIFSTOPPED(status)) {
    const int sig = WSTOPSIG(status);
    int pass = 0;
    if (sig == (SIGTRAP | 0x80)) {
      auto regs = arch::SyscallRegs::load(pid);
      if (regs && regs->at_entry()) {
        const arch::SyscallDesc* row = arch::find_syscall(regs->abi(), regs->nr());
        storms.on_call(pid, row != nullptr && row->sys == arch::Sys::rt_sigreturn);
      }
      storms.on_stop(pid, regs && regs->at_entry(), false);
    } else if (sig == SIGUSR2) {
      storms.on_signal_stop(pid, sig, false);
      (storms.holding(pid) ? held : delivered)++;
      pass = sig;
    } else if ((status >> 16) == 0) {
      pass = sig;
    }
    ptrace(PTRACE_SYSCALL, pid, 0, pass);
  }
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(held, 0);
  EXPECT_EQ(delivered, 3);
}

}  // namespace
}  // namespace cocoon::tracer
