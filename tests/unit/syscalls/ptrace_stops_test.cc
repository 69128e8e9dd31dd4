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
  const int sig = stop_status(StopKind::kSignal, SIGUSR1, 0, false);
  EXPECT_TRUE(WIFSTOPPED(sig));
  EXPECT_FALSE(WIFEXITED(sig) || WIFSIGNALED(sig));
  EXPECT_EQ(WSTOPSIG(sig), SIGUSR1);
  EXPECT_EQ(sig >> 16, 0);
  EXPECT_EQ(sig, 0x0a7f);

  for (StopKind k : {StopKind::kSyscallEntry, StopKind::kSyscallExit}) {
    EXPECT_EQ(WSTOPSIG(stop_status(k, 0, 0, false)), SIGTRAP);
    EXPECT_EQ(WSTOPSIG(stop_status(k, 0, PTRACE_O_TRACESYSGOOD, true)), SIGTRAP | 0x80);
    EXPECT_TRUE(WIFSTOPPED(stop_status(k, 0, PTRACE_O_TRACESYSGOOD, true)));
  }
  const int exec = stop_status(StopKind::kEvent, PTRACE_EVENT_EXEC, PTRACE_O_TRACEEXEC, false);
  EXPECT_TRUE(WIFSTOPPED(exec));
  EXPECT_EQ(WSTOPSIG(exec), SIGTRAP);
  EXPECT_EQ(exec >> 16, PTRACE_EVENT_EXEC);
  EXPECT_EQ(exec >> 8, SIGTRAP | PTRACE_EVENT_EXEC << 8);
}

// The words strace -d prints natively for the same stops (wait(0x...)):
// the fork family's and exit's events, and PTRACE_EVENT_STOP, which only
// a seizing tracer sees (ptrace(2), "Group-stop").
TEST(PtraceStops, EventWordsAreTheKernels) {
  EXPECT_EQ(stop_status(StopKind::kEvent, PTRACE_EVENT_FORK, 0, true), 0x1057f);
  EXPECT_EQ(stop_status(StopKind::kEvent, PTRACE_EVENT_VFORK, 0, true), 0x2057f);
  EXPECT_EQ(stop_status(StopKind::kEvent, PTRACE_EVENT_CLONE, 0, false), 0x3057f);
  EXPECT_EQ(stop_status(StopKind::kEvent, PTRACE_EVENT_EXIT, 0, true), 0x6057f);
  // A seized tracee's group-stop and interrupt-stop (a new child's first).
  EXPECT_EQ(stop_status(StopKind::kEventStop, SIGSTOP, 0, true), 0x80137f);
  EXPECT_EQ(stop_status(StopKind::kEventStop, SIGTRAP, 0, true), 0x80057f);
  // The same group-stop under PTRACE_ATTACH or TRACEME: the bare signal.
  const int group = stop_status(StopKind::kEventStop, SIGTSTP, 0, false);
  EXPECT_TRUE(WIFSTOPPED(group));
  EXPECT_EQ(WSTOPSIG(group), SIGTSTP);
  EXPECT_EQ(group >> 16, 0);
  // A death is its own wait status, exit or signal.
  const int exited = stop_status(StopKind::kDeath, 3 << 8, 0, true);
  EXPECT_TRUE(WIFEXITED(exited));
  EXPECT_EQ(WEXITSTATUS(exited), 3);
  const int killed = stop_status(StopKind::kDeath, SIGSEGV | WCOREFLAG, 0, true);
  EXPECT_TRUE(WIFSIGNALED(killed));
  EXPECT_EQ(WTERMSIG(killed), SIGSEGV);
  EXPECT_TRUE(WCOREDUMP(killed));
}

TEST(PtraceStops, EachEventHasItsOption) {
  EXPECT_EQ(option_of_event(PTRACE_EVENT_FORK), PTRACE_O_TRACEFORK);
  EXPECT_EQ(option_of_event(PTRACE_EVENT_VFORK), PTRACE_O_TRACEVFORK);
  EXPECT_EQ(option_of_event(PTRACE_EVENT_CLONE), PTRACE_O_TRACECLONE);
  EXPECT_EQ(option_of_event(PTRACE_EVENT_EXIT), PTRACE_O_TRACEEXIT);
  EXPECT_EQ(option_of_event(PTRACE_EVENT_STOP), 0u);
}

// GETEVENTMSG's message is a pid (translated into the tracer's PID
// namespace) for the fork family, VFORK_DONE and EXEC; a wait status for
// EXIT, the filter's data for SECCOMP.
TEST(PtraceStops, EventMessagesThatArePids) {
  for (int e : {PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE,
                PTRACE_EVENT_VFORK_DONE, PTRACE_EVENT_EXEC}) {
    EXPECT_TRUE(event_message_is_pid(e)) << e;
  }
  for (int e : {PTRACE_EVENT_EXIT, PTRACE_EVENT_SECCOMP, PTRACE_EVENT_STOP}) {
    EXPECT_FALSE(event_message_is_pid(e)) << e;
  }
}

// __ptrace_may_access() and Yama, on the facts /proc gives.
TEST(PtraceStops, AttachFollowsTheKernelsRules) {
  AttachFacts same;
  same.caller_uid = same.caller_gid = 1000;
  for (int i = 0; i < 3; ++i) same.target_uids[i] = same.target_gids[i] = 1000;
  EXPECT_EQ(may_attach(same), 0);

  AttachFacts setuid = same;  // a set-user-id program's saved id differs
  setuid.target_uids[2] = 0;
  EXPECT_EQ(may_attach(setuid), EPERM);
  setuid.caller_cap_over_memory = true;  // not the check of ids
  EXPECT_EQ(may_attach(setuid), EPERM);
  setuid.caller_cap_over_creds = true;
  EXPECT_EQ(may_attach(setuid), 0);

  AttachFacts other_group = same;
  other_group.target_gids[1] = 5;
  EXPECT_EQ(may_attach(other_group), EPERM);

  AttachFacts undumpable = same;
  undumpable.target_dumpable = false;
  EXPECT_EQ(may_attach(undumpable), EPERM);
  undumpable.caller_cap_over_creds = true;  // a namespace of the caller's own
  EXPECT_EQ(may_attach(undumpable), EPERM);
  undumpable.caller_cap_over_memory = true;
  EXPECT_EQ(may_attach(undumpable), 0);

  AttachFacts other_namespace = same;  // a caller inside `unshare -r`, or a target with more caps
  other_namespace.caps_cover = false;
  EXPECT_EQ(may_attach(other_namespace), EPERM);
  other_namespace.caller_cap_over_creds = true;  // its namespace's owner, from the parent
  EXPECT_EQ(may_attach(other_namespace), 0);

  AttachFacts yama = same;
  yama.yama_scope = 1;
  EXPECT_EQ(may_attach(yama), EPERM);  // not a descendant
  yama.target_descends = true;
  EXPECT_EQ(may_attach(yama), 0);
  yama.yama_scope = 2;
  EXPECT_EQ(may_attach(yama), EPERM);  // CAP_SYS_PTRACE only
  yama.caller_cap_over_creds = true;
  EXPECT_EQ(may_attach(yama), 0);
  yama.yama_scope = 3;
  EXPECT_EQ(may_attach(yama), EPERM);  // no attaching at all
}

TEST(PtraceStops, WaitSelectsItsTraceeOrAny) {
  EXPECT_TRUE(wait_selects(-1, 42));
  EXPECT_TRUE(wait_selects(42, 42));
  EXPECT_FALSE(wait_selects(43, 42));
  EXPECT_TRUE(wait_selects(0, 42));  // a process group: not tracked, taken as any
}

TEST(PtraceStops, OptionsBeyondTheEmulationAreRefusedWhole) {
  EXPECT_EQ(check_options(0, EINVAL), 0);
  EXPECT_EQ(check_options(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL, EINVAL), 0);
  // strace -f's (0x5f).
  EXPECT_EQ(check_options(0x5f, EIO), 0);
  // gdb's (0x10003f): TRACEVFORKDONE and EXITKILL besides.
  EXPECT_EQ(check_options(0x10003f, EINVAL), 0);
  // strace --seccomp-bpf's (0xdf: TRACESECCOMP besides strace -f's), in
  // every run (Tracee::judge_entries where calls are notified).
  EXPECT_EQ(check_options(0xdf, EIO), 0);
  EXPECT_EQ(check_options(PTRACE_O_SUSPEND_SECCOMP, EINVAL), EPERM);
  EXPECT_EQ(check_options(1u << 30, EINVAL), EINVAL);
  EXPECT_EQ(check_options(1u << 30, EIO), EIO);  // PTRACE_SEIZE's answer
  EXPECT_EQ(option_of_event(PTRACE_EVENT_VFORK_DONE), PTRACE_O_TRACEVFORKDONE);
  EXPECT_EQ(option_of_event(PTRACE_EVENT_SECCOMP), PTRACE_O_TRACESECCOMP);
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
