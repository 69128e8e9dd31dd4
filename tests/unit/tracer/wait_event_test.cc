// Status words as waitpid(2) reports them (include/uapi/linux/wait.h layout,
// ptrace(2) for event stops), decoded without any process.
#include "cocoon/tracer/wait_event.h"

#include <gtest/gtest.h>
#include <sys/ptrace.h>

#include <csignal>

namespace cocoon::tracer {
namespace {

constexpr int stopped(int sig, int event = 0) { return (event << 16) | (sig << 8) | 0x7f; }

TEST(WaitEvent, ExitAndDeath) {
  auto e = decode_wait_status(10, 3 << 8);
  EXPECT_EQ(e.kind, EventKind::kExited);
  EXPECT_EQ(e.code, 3);
  e = decode_wait_status(10, SIGSEGV | 0x80);
  EXPECT_EQ(e.kind, EventKind::kKilled);
  EXPECT_EQ(e.signal, SIGSEGV);
  EXPECT_TRUE(e.core_dumped);
  EXPECT_EQ(decode_wait_status(10, SIGKILL).signal, SIGKILL);
}

TEST(WaitEvent, SyscallAndSeccompStops) {
  EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP | 0x80)).kind, EventKind::kSyscallStop);
  auto e = decode_wait_status(1, stopped(SIGTRAP, PTRACE_EVENT_SECCOMP));
  EXPECT_EQ(e.kind, EventKind::kSeccompStop);
  EXPECT_EQ(e.ptrace_event, PTRACE_EVENT_SECCOMP);
}

TEST(WaitEvent, CloneFamilyAndExec) {
  for (int ev : {PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE}) {
    EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP, ev)).kind, EventKind::kCloneEvent);
  }
  EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP, PTRACE_EVENT_EXEC)).kind, EventKind::kExecEvent);
  EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP, PTRACE_EVENT_VFORK_DONE)).kind,
            EventKind::kVforkDoneEvent);
  EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP, PTRACE_EVENT_EXIT)).kind, EventKind::kExitEvent);
}

TEST(WaitEvent, GroupStopIsAnEventStopWithAStopSignal) {
  for (int sig : {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}) {
    auto e = decode_wait_status(1, stopped(sig, PTRACE_EVENT_STOP));
    EXPECT_EQ(e.kind, EventKind::kGroupStop);
    EXPECT_EQ(e.signal, sig);
  }
  // A new child's first stop, PTRACE_INTERRUPT, or the end of a LISTEN.
  EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP, PTRACE_EVENT_STOP)).kind,
            EventKind::kInterruptStop);
}

TEST(WaitEvent, PlainSignalsAreDeliveryStops) {
  for (int sig : {SIGTRAP, SIGSTOP, SIGCHLD, SIGUSR1, SIGSEGV}) {
    auto e = decode_wait_status(1, stopped(sig));
    EXPECT_EQ(e.kind, EventKind::kSignalStop);
    EXPECT_EQ(e.signal, sig);
  }
}

TEST(WaitEvent, UnknownEventIsNotMistakenForAnother) {
  EXPECT_EQ(decode_wait_status(1, stopped(SIGTRAP, 99)).kind, EventKind::kUnknown);
  EXPECT_EQ(decode_wait_status(1, 0xffff).kind, EventKind::kUnknown);  // WIFCONTINUED
}

}  // namespace
}  // namespace cocoon::tracer
