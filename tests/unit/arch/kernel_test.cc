// The kernel probe's decisions from made-up probe results (a 5.10 kernel, a
// 6.1 one, a 6.18 one, a riscv64 6.12 one: docs/kernels.md), and the probe
// itself against this host, whose answers are pinned by what the kernel
// does when asked directly.
#include "cocoon/arch/kernel.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace cocoon::arch {
namespace {

// What Debian 11's 5.10 kernel answers (probed under qemu: docs/cross-arch.md).
KernelFeatures linux_5_10() {
  KernelFeatures k;
  k.release = "5.10.0-46-amd64";
  k.seccomp_filter = true;
  k.user_notif = true;
  k.notif_addfd = true;
  k.pidfd_open = true;
  k.pidfd_getfd = true;
  k.openat2 = true;
  k.get_syscall_info = true;
  k.trace_seccomp = true;
  k.ptrace_probed = true;
  return k;
}

KernelFeatures linux_6_18() {
  KernelFeatures k = linux_5_10();
  k.release = "6.18.0";
  k.landlock_abi = 7;
  k.wait_killable_recv = true;
  k.pidfd_thread = true;
  k.set_syscall_info = true;
  return k;
}

bool has_line(const std::vector<std::string>& lines, const std::string& start, const std::string& part) {
  for (const auto& l : lines) {
    if (l.starts_with(start) && l.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(KernelDecisions, NotificationsNeedWaitKillableRecvAddfdAndPidfdGetfd) {
  EXPECT_TRUE(can_notify(linux_6_18()));
  EXPECT_FALSE(can_notify(linux_5_10()));  // no WAIT_KILLABLE_RECV (5.19)
  for (bool KernelFeatures::*off : {&KernelFeatures::user_notif, &KernelFeatures::notif_addfd,
                                    &KernelFeatures::pidfd_getfd, &KernelFeatures::wait_killable_recv}) {
    KernelFeatures k = linux_6_18();
    k.*off = false;
    EXPECT_FALSE(can_notify(k));
  }
}

TEST(KernelDecisions, Arg0NeedsSetSyscallInfoOnRiscv64Only) {
  KernelFeatures riscv_6_12 = linux_6_18();
  riscv_6_12.set_syscall_info = false;
  EXPECT_FALSE(can_set_arg0(riscv_6_12, Arch::kRiscv64));
  EXPECT_TRUE(can_set_arg0(linux_6_18(), Arch::kRiscv64));
  EXPECT_TRUE(can_set_arg0(riscv_6_12, Arch::kAarch64));
  EXPECT_TRUE(can_set_arg0(riscv_6_12, Arch::kX86_64));
}

TEST(KernelDecisions, RefusesWithoutGetSyscallInfoOrSeccompFilter) {
  EXPECT_FALSE(missing_for_run(linux_5_10(), true));
  KernelFeatures old = linux_5_10();
  old.get_syscall_info = false;  // 4.19
  const auto why = missing_for_run(old, false);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("PTRACE_GET_SYSCALL_INFO (Linux 5.3)"), std::string::npos) << *why;
  EXPECT_EQ(why->find('\n'), std::string::npos);
  // Not probed (ptrace refused to cocoon itself): not refused for it.
  old.ptrace_probed = false;
  EXPECT_FALSE(missing_for_run(old, false));

  KernelFeatures no_filter = linux_5_10();
  no_filter.seccomp_filter = false;
  ASSERT_TRUE(missing_for_run(no_filter, true));
  EXPECT_NE(missing_for_run(no_filter, true)->find("--no-seccomp"), std::string::npos);
  EXPECT_FALSE(missing_for_run(no_filter, false));
}

// Under a tracer that emulates ptrace without PTRACE_O_TRACESECCOMP (cocoon
// run --no-seccomp), the filter's stops would never come: runs go without
// it (session.cc), and the doctor says so; a kernel always has it.
TEST(KernelDecisions, FilterNeedsTraceSeccompFromTheTracerAbove) {
  EXPECT_TRUE(filter_stops_reported(linux_5_10()));
  EXPECT_FALSE(has_line(describe_kernel(linux_5_10(), Arch::kX86_64), "PTRACE_O_TRACESECCOMP", ""));
  KernelFeatures nested = linux_6_18();
  nested.trace_seccomp = false;
  EXPECT_FALSE(filter_stops_reported(nested));
  EXPECT_TRUE(has_line(describe_kernel(nested, Arch::kX86_64), "PTRACE_O_TRACESECCOMP", "as --no-seccomp"));
  EXPECT_FALSE(missing_for_run(nested, true));  // not refused: it runs without the filter
  nested.ptrace_probed = false;                 // unknown: the seize will say
  EXPECT_TRUE(filter_stops_reported(nested));
}

TEST(KernelDecisions, DoctorSaysWhatDegrades) {
  const auto old = describe_kernel(linux_5_10(), Arch::kX86_64);
  EXPECT_TRUE(has_line(old, "landlock ", "no   (Linux 5.13)")) << old[3];
  EXPECT_TRUE(has_line(old, "landlock ", "path rewriting alone"));
  EXPECT_TRUE(has_line(old, "seccomp user notification", "stop instead"));
  EXPECT_TRUE(has_line(old, "  WAIT_KILLABLE_RECV", "no "));
  EXPECT_TRUE(has_line(old, "PIDFD_THREAD", "no "));
  EXPECT_EQ(old.back(), "cocoon runs on this kernel.");

  const auto now = describe_kernel(linux_6_18(), Arch::kX86_64);
  EXPECT_TRUE(has_line(now, "landlock ", "yes  ABI 7"));
  EXPECT_TRUE(has_line(now, "landlock ", "scopes abstract sockets"));
  EXPECT_TRUE(has_line(now, "seccomp user notification", "without a stop"));

  KernelFeatures abi3 = linux_6_18();
  abi3.landlock_abi = 3;  // 6.2 .. 6.6
  EXPECT_TRUE(has_line(describe_kernel(abi3, Arch::kX86_64), "landlock ", "translation alone (ABI 6"));

  KernelFeatures riscv_6_12 = linux_6_18();
  riscv_6_12.set_syscall_info = false;
  const auto riscv = describe_kernel(riscv_6_12, Arch::kRiscv64);
  EXPECT_TRUE(has_line(riscv, "PTRACE_SET_SYSCALL_INFO", "written in place"));
  EXPECT_TRUE(has_line(riscv, "seccomp user notification", "not used on riscv64"));

  KernelFeatures old_4_19 = linux_5_10();
  old_4_19.get_syscall_info = false;
  EXPECT_TRUE(describe_kernel(old_4_19, Arch::kX86_64).back().starts_with("cocoon cannot run"));
}

// The probe on this host agrees with direct questions to the kernel.
TEST(KernelProbe, AgreesWithTheKernel) {
  const KernelFeatures k = probe_kernel();
  EXPECT_FALSE(k.release.empty());
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1 /* VERSION */);
  EXPECT_EQ(k.landlock_abi, abi > 0 ? abi : 0);
  const long fd = ::syscall(SYS_pidfd_open, ::getpid(), 0);
  EXPECT_EQ(k.pidfd_open, fd >= 0);
  if (fd >= 0) ::close(static_cast<int>(fd));
  // cocoon's own requirements hold wherever its tests run.
  EXPECT_TRUE(k.ptrace_probed);
  EXPECT_TRUE(k.get_syscall_info);
  EXPECT_TRUE(k.seccomp_filter);
  EXPECT_FALSE(missing_for_run(k, true));
  // Unless the tests run under a tracer that emulates ptrace without it.
  EXPECT_TRUE(k.trace_seccomp);
  // Features come in kernel order: a later one implies the earlier ones.
  if (k.wait_killable_recv) EXPECT_TRUE(k.user_notif && k.notif_addfd && k.pidfd_getfd);
  if (k.set_syscall_info) EXPECT_TRUE(k.get_syscall_info && k.pidfd_thread);
  if (k.pidfd_thread) EXPECT_TRUE(k.pidfd_getfd && k.openat2);
}

}  // namespace
}  // namespace cocoon::arch
