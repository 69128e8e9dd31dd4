// SECCOMP_MODE_STRICT as a filter (guard/strict_mode.h): the program's
// answers on every host's ABIs, and on this kernel the same calls live and
// die under it as under the kernel's own strict mode.
#include "guard/strict_mode.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/cbpf/filter.h"

namespace cocoon::syscalls {
namespace {

std::uint32_t answer(arch::Arch host, arch::Arch abi, long nr) {
  const auto prog = strict_mode_program(host);
  seccomp_data d{};
  d.nr = static_cast<int>(nr);
  d.arch = arch::audit_arch(abi);
  return cbpf::run(prog, d);
}

long nr_of(arch::Sys sys, arch::Arch abi) { return arch::find_syscall(sys).number(abi); }

TEST(StrictMode, ProgramAllowsStrictModesCallsOnEachAbi) {
  using arch::Sys;
  for (arch::Arch host : {arch::Arch::kX86_64, arch::Arch::kAarch64, arch::Arch::kRiscv64}) {
    EXPECT_EQ(cbpf::check(strict_mode_program(host)), 0) << arch::name(host);
    for (arch::Arch abi : arch::entry_abis(host)) {
      const Sys back = abi == arch::Arch::kI386 ? Sys::sigreturn : Sys::rt_sigreturn;
      for (Sys sys : {Sys::read, Sys::write, Sys::exit, back}) {
        EXPECT_EQ(answer(host, abi, nr_of(sys, abi)), SECCOMP_RET_ALLOW)
            << arch::name(abi) << " " << arch::find_syscall(sys).name;
      }
      for (Sys sys : {Sys::exit_group, Sys::getuid, Sys::openat, Sys::seccomp, Sys::prctl}) {
        if (!arch::find_syscall(sys).exists_on(abi)) continue;
        EXPECT_EQ(answer(host, abi, nr_of(sys, abi)), SECCOMP_RET_TRAP)
            << arch::name(abi) << " " << arch::find_syscall(sys).name;
      }
    }
  }
  // i386's strict mode has sigreturn, not rt_sigreturn (mode1_syscalls_32).
  EXPECT_EQ(answer(arch::Arch::kX86_64, arch::Arch::kI386, nr_of(arch::Sys::rt_sigreturn, arch::Arch::kI386)),
            SECCOMP_RET_TRAP);
  // Another arch's calls, and x32's (x86-64's arch, bit 30 set), trap.
  EXPECT_EQ(answer(arch::Arch::kX86_64, arch::Arch::kAarch64, 63), SECCOMP_RET_TRAP);
  EXPECT_EQ(answer(arch::Arch::kX86_64, arch::Arch::kX86_64, 0x40000000), SECCOMP_RET_TRAP);
}

// How a child that enters strict mode (the kernel's, or the program) and
// then makes `call` ends: its wait status.
int status_after(bool kernels, long (*call)()) {
  const auto prog = strict_mode_program(arch::host_arch());
  const pid_t pid = fork();
  if (pid == 0) {
    const rlimit no_core{0, 0};  // the trap's SIGSYS dumps core
    setrlimit(RLIMIT_CORE, &no_core);
    const sock_fprog fprog{static_cast<unsigned short>(prog.size()), const_cast<sock_filter*>(prog.data())};
    const long r = kernels ? syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, nullptr)
                           : (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
                              syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog));
    if (r != 0) syscall(SYS_exit, 100);
    call();
    syscall(SYS_exit, 7);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// Killed by strict mode (SIGKILL) or by the program's trap (SIGSYS, its
// default action); 7: the call returned.
std::string outcome(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGSYS)) return "killed";
  return "status " + std::to_string(status);
}

TEST(StrictMode, ProgramKillsWhatTheKernelsStrictModeKills) {
  long (*const calls[])() = {
      [] { return syscall(SYS_write, -1, "", 0); },
      [] { char c; return syscall(SYS_read, -1, &c, 1); },
      [] { return syscall(SYS_getpid); },
      [] { return syscall(SYS_getuid); },
      [] { return syscall(SYS_close, 100); },
      [] { return syscall(SYS_exit_group, 3); },
      [] { return syscall(SYS_exit, 4); },
  };
  for (auto* call : calls) {
    const std::string kernel = outcome(status_after(true, call));
    EXPECT_NE(kernel, "exit 100") << "the kernel refused strict mode";
    EXPECT_EQ(outcome(status_after(false, call)), kernel);
  }
}

}  // namespace
}  // namespace cocoon::syscalls
