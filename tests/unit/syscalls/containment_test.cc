// The routes around the tracer that the policy closes by itself
// (docs/threat-model.md, "Around the tracer"): the decisions on every ABI,
// the filter they compile to on this kernel, and the /proc entries of
// processes outside the guest.
#include "guard/containment.h"

#include <gtest/gtest.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/seccomp_filter.h"
#include "guard/process_guard.h"
#include "guard/proc_outsiders.h"

namespace cocoon::syscalls {
namespace {

using tracer::Decision;

Decision decision_of(const char* name, arch::Arch abi) {
  return Containment().decision(*arch::find_syscall(name), abi);
}

TEST(Containment, RefusesTheFlagsAndCallsThatLeaveTheTracerOnEveryAbi) {
  for (arch::Arch host : {arch::Arch::kX86_64, arch::Arch::kAarch64, arch::Arch::kRiscv64}) {
    for (arch::Arch abi : arch::entry_abis(host)) {
      EXPECT_EQ(decision_of("clone", abi), Decision::refuse_if_any(0, CLONE_UNTRACED, EPERM))
          << arch::name(abi);
      EXPECT_EQ(decision_of("seccomp", abi),
                Decision::refuse_if_any(1, SECCOMP_FILTER_FLAG_NEW_LISTENER, EBUSY))
          << arch::name(abi);
      EXPECT_EQ(decision_of("ptrace", abi), Decision::fail(EPERM).unless_owned()) << arch::name(abi);
      EXPECT_EQ(decision_of("ioctl", abi), Decision::allow().refusing_values(1, {TIOCSTI, TIOCLINUX}, EPERM))
          << arch::name(abi);
    }
  }
}

// The errno `call` gets in a child under the filter compiled from
// Containment alone (the child's exit status; 0: it succeeded).
int errno_under_filter(int (*call)()) {
  tracer::HandlerList list;
  list.push_back(std::make_unique<Containment>());
  const auto prog = tracer::build_filter(*tracer::build_policy(list));
  const pid_t pid = fork();
  if (pid == 0) {
    if (tracer::install_filter(prog) != 0) _exit(255);
    _exit(call());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int result(long r) { return r < 0 ? errno : 0; }

int clone_untraced() {
  const long r = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (r == 0) _exit(0);
  if (r > 0) waitpid(static_cast<pid_t>(r), nullptr, 0);
  return result(r);
}

int clone_plain() {
  const long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (r == 0) _exit(0);
  if (r > 0) waitpid(static_cast<pid_t>(r), nullptr, 0);
  return result(r);
}

int new_listener() {
  sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog prog{1, &allow};
  return result(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

int plain_filter() {
  sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog prog{1, &allow};
  return result(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}

int traceme() { return result(ptrace(PTRACE_TRACEME, 0, 0, 0)); }

// TIOCSTI on a descriptor that is no terminal: ENOTTY from the kernel when
// the call runs, EPERM when the filter refuses it, whatever the high half
// of the command (an unsigned int to the kernel).
int tiocsti() {
  char c = 'x';
  return result(syscall(SYS_ioctl, STDIN_FILENO == 0 ? open("/dev/null", O_RDONLY) : -1, TIOCSTI, &c));
}
int tiocsti_high() {
  char c = 'x';
  return result(syscall(SYS_ioctl, open("/dev/null", O_RDONLY), TIOCSTI | 1UL << 40, &c));
}
int fionread() {
  int n = 0;
  return result(syscall(SYS_ioctl, open("/dev/null", O_RDONLY), TIOCOUTQ, &n));
}

TEST(Containment, TheKernelRefusesThemUnderTheFilter) {
  EXPECT_EQ(errno_under_filter(clone_untraced), EPERM);
  EXPECT_EQ(errno_under_filter(clone_plain), 0);
  EXPECT_EQ(errno_under_filter(new_listener), EBUSY);
  EXPECT_EQ(errno_under_filter(plain_filter), 0);  // the guest's own filters still go on
  EXPECT_EQ(errno_under_filter(traceme), EPERM);
  EXPECT_EQ(tiocsti(), ENOTTY);  // the control: the kernel runs it
  EXPECT_EQ(errno_under_filter(tiocsti), EPERM);
  EXPECT_EQ(errno_under_filter(tiocsti_high), EPERM);
  EXPECT_EQ(errno_under_filter(fionread), ENOTTY);  // other commands still run
}

// prctl stops for PR_SET_DUMPABLE and PR_GET_DUMPABLE only (emulated:
// guard/dumpable.h), every other option runs without a stop; kcmp stops
// (a guest process not dumpable is refused to the others).
TEST(ProcessGuard, OnlyTheDumpableOptionsOfPrctlStop) {
  tracer::ProcessRegistry registry;
  const ProcessGuard guard(false, std::make_shared<DumpableFlags>(registry));
  for (arch::Arch abi : arch::entry_abis(arch::host_arch())) {
    EXPECT_EQ(guard.decision(*arch::find_syscall("prctl"), abi),
              Decision::allow().tracing_values(0, {PR_GET_DUMPABLE, PR_SET_DUMPABLE}))
        << arch::name(abi);
    EXPECT_EQ(guard.decision(*arch::find_syscall("kcmp"), abi), Decision::trace()) << arch::name(abi);
  }
}

// A profiler of itself (pid 0) costs no stop; any other pid is checked.
TEST(ProcessGuard, PerfEventOpenStopsOnlyForAnotherTask) {
  tracer::ProcessRegistry registry;
  const ProcessGuard guard(false, std::make_shared<DumpableFlags>(registry));
  for (arch::Arch abi : arch::entry_abis(arch::host_arch())) {
    EXPECT_EQ(guard.decision(*arch::find_syscall("perf_event_open"), abi), Decision::trace_if_nonzero(1))
        << arch::name(abi);
  }
}

TEST(ProcOutsiders, OnlyTheSummariesOfAProcessThisOneDoesNotTrace) {
  // pid 1 is nobody's tracee here.
  EXPECT_TRUE(private_to_an_outsider("/proc/1/environ"));
  EXPECT_TRUE(private_to_an_outsider("/proc/1/mem"));
  EXPECT_TRUE(private_to_an_outsider("/proc/1/fd/0"));
  EXPECT_TRUE(private_to_an_outsider("/proc/1/fd"));
  EXPECT_TRUE(private_to_an_outsider("/proc/1/cwd"));
  EXPECT_TRUE(private_to_an_outsider("/proc/1/root/etc/passwd"));
  EXPECT_TRUE(private_to_an_outsider("/proc/1/task/1/environ"));
  EXPECT_FALSE(private_to_an_outsider("/proc/1"));
  EXPECT_FALSE(private_to_an_outsider("/proc/1/stat"));
  EXPECT_FALSE(private_to_an_outsider("/proc/1/cmdline"));
  EXPECT_FALSE(private_to_an_outsider("/proc/1/task"));
  EXPECT_FALSE(private_to_an_outsider("/proc/1/task/1/status"));
  EXPECT_FALSE(private_to_an_outsider("/proc/meminfo"));
  EXPECT_FALSE(private_to_an_outsider("/proc/self/environ"));  // resolved before: never a host path
  EXPECT_FALSE(private_to_an_outsider("/srv/proc/1/environ"));
  // The process whose private entry it is, whoever traces it (a guest
  // process not dumpable keeps them from the guest's others).
  EXPECT_EQ(private_entry_of("/proc/1/environ"), 1);
  EXPECT_EQ(private_entry_of("/proc/42/task/43/cwd"), 42);
  EXPECT_EQ(private_entry_of("/proc/42/fd/3"), 42);
  EXPECT_EQ(private_entry_of("/proc/42/status"), std::nullopt);
  EXPECT_EQ(private_entry_of("/proc/42/task"), std::nullopt);
  EXPECT_EQ(private_entry_of("/proc/42"), std::nullopt);
  EXPECT_EQ(private_entry_of("/proc/self/environ"), std::nullopt);
  // A tracee of this process is the guest's.
  const pid_t child = fork();
  if (child == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  const std::string mine = "/proc/" + std::to_string(child);
  EXPECT_FALSE(private_to_an_outsider(mine + "/environ"));
  EXPECT_FALSE(private_to_an_outsider(mine + "/fd/0"));
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
}

}  // namespace
}  // namespace cocoon::syscalls
