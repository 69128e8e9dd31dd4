// The emulated ptrace's status words, wait selection and options
// (syscalls/src/ptrace/ptrace_stops.h), and who owns the ptrace row.
#include "ptrace/ptrace_stops.h"

#include <gtest/gtest.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <memory>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/dispatch.h"
#include "guard/containment.h"
#include "ptrace/ptrace.h"

namespace cocoon::syscalls {
namespace {

// What a tracer's wait(2) macros read from each stop (ptrace(2), "Stopped
// states"): every stop is WIFSTOPPED, none exited or signaled.
TEST(PtraceStops, StatusWordsReadAsTheKernelsDo) {
  const int sig = stop_status(StopKind::kSignal, SIGUSR1, 0);
  EXPECT_TRUE(WIFSTOPPED(sig));
  EXPECT_FALSE(WIFEXITED(sig) || WIFSIGNALED(sig));
  EXPECT_EQ(WSTOPSIG(sig), SIGUSR1);
  EXPECT_EQ(sig >> 16, 0);
  EXPECT_EQ(sig, 0x0a7f);

  for (StopKind k : {StopKind::kSyscallEntry, StopKind::kSyscallExit}) {
    EXPECT_EQ(WSTOPSIG(stop_status(k, 0, 0)), SIGTRAP);
    EXPECT_EQ(WSTOPSIG(stop_status(k, 0, PTRACE_O_TRACESYSGOOD)), SIGTRAP | 0x80);
    EXPECT_TRUE(WIFSTOPPED(stop_status(k, 0, PTRACE_O_TRACESYSGOOD)));
  }
  const int exec = stop_status(StopKind::kExec, 0, PTRACE_O_TRACEEXEC);
  EXPECT_TRUE(WIFSTOPPED(exec));
  EXPECT_EQ(WSTOPSIG(exec), SIGTRAP);
  EXPECT_EQ(exec >> 16, PTRACE_EVENT_EXEC);
  EXPECT_EQ(exec >> 8, SIGTRAP | PTRACE_EVENT_EXEC << 8);
}

TEST(PtraceStops, WaitSelectsItsTraceeOrAny) {
  EXPECT_TRUE(wait_selects(-1, 42));
  EXPECT_TRUE(wait_selects(42, 42));
  EXPECT_FALSE(wait_selects(43, 42));
  EXPECT_TRUE(wait_selects(0, 42));  // a process group: not tracked, taken as any
}

TEST(PtraceStops, OptionsBeyondTheEmulationAreRefusedWhole) {
  EXPECT_EQ(check_options(0), 0);
  EXPECT_EQ(check_options(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL), 0);
  EXPECT_EQ(check_options(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK), EPERM);
  EXPECT_EQ(check_options(PTRACE_O_TRACESECCOMP), EPERM);
  EXPECT_EQ(check_options(PTRACE_O_SUSPEND_SECCOMP), EPERM);
  EXPECT_EQ(check_options(1u << 30), EINVAL);
}

// With the emulation the ptrace row is traced on x86-64's own ABI; on
// i386 (int 0x80) it stays Containment's EPERM, with no stop.
TEST(PtraceStops, TheEmulationOwnsPtraceOnlyOnX8664) {
  if (arch::host_arch() != arch::Arch::kX86_64) GTEST_SKIP() << "emulated on x86-64 hosts only";
  tracer::HandlerList list;
  list.push_back(std::make_unique<Containment>());
  list.push_back(std::make_unique<Ptrace>());
  const auto policy = tracer::build_policy(list, arch::Arch::kX86_64);
  ASSERT_TRUE(policy);
  const auto* row = arch::find_syscall("ptrace");
  EXPECT_EQ(policy->decide(arch::Arch::kX86_64, row->number(arch::Arch::kX86_64)).action,
            tracer::Action::kTrace);
  EXPECT_EQ(policy->decide(arch::Arch::kI386, row->number(arch::Arch::kI386)).action,
            tracer::Action::kErrno);
  for (const char* wait : {"wait4", "waitid"}) {
    const auto* w = arch::find_syscall(wait);
    EXPECT_EQ(policy->decide(arch::Arch::kX86_64, w->number(arch::Arch::kX86_64)).action,
              tracer::Action::kTrace)
        << wait;
  }
}

}  // namespace
}  // namespace cocoon::syscalls
