// Register decoding of all three arches checked against images captured on
// real kernels (x86-64 natively, aarch64 and riscv64 under qemu-system) by
// capture/regcapture.c: the decoded number, arguments, ip, sp and result
// must agree with what the kernel itself reported through
// PTRACE_GET_SYSCALL_INFO at the same stop. The constructed images of
// regs_test.cc check the layout; these check it is the kernel's layout.
#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "captured/capture.h"
#include "cocoon/arch/arch.h"
#include "cocoon/arch/regs.h"
#include "cocoon/arch/syscall_table.h"

namespace cocoon::arch::captured {
// gtest names a failing capture by machine and kernel, not by its bytes.
void PrintTo(const Capture& c, std::ostream* os) { *os << c.machine << ' ' << c.kernel; }
}  // namespace cocoon::arch::captured

namespace cocoon::arch {
namespace {

using captured::Capture;
using captured::Stop;

constexpr Capture kCaptures[] = {
#include "captured/all.inc"
};

std::span<const std::byte> bytes_of(const Stop& s) {
  return std::as_bytes(std::span(s.image.data(), s.words));
}

// What the decoders make of one stop, whatever the arch.
struct Decoded {
  long nr;
  std::array<std::uint64_t, 6> args;
  std::int64_t result;
  std::uint64_t ip, sp;
};

Decoded decode(Arch a, const Stop& s, std::uint64_t entry_arg0) {
  Decoded d{};
  auto fill = [&](const auto& r) {
    d.nr = r.nr();
    for (int i = 0; i < 6; ++i) d.args[i] = r.arg(i);
    d.result = r.result();
    d.ip = r.ip();
    d.sp = r.sp();
  };
  switch (a) {
    case Arch::kX86_64:
      fill(X86_64Regs::from_bytes(bytes_of(s)));
      break;
    case Arch::kAarch64:
      fill(Aarch64Regs::from_bytes(bytes_of(s), s.regset_nr, entry_arg0));
      break;
    case Arch::kRiscv64:
      fill(Riscv64Regs::from_bytes(bytes_of(s), entry_arg0));
      break;
    default:
      ADD_FAILURE() << "no decoder for " << name(a);
  }
  return d;
}

class Captured : public testing::TestWithParam<Capture> {};

TEST_P(Captured, EntryStopDecodesAsTheKernelReportedIt) {
  const Capture& c = GetParam();
  const auto a = from_audit_arch(c.entry.audit_arch);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(name(*a), std::string_view(c.machine));
  ASSERT_EQ(c.entry.op, 3u);  // a seccomp stop
  const SyscallDesc* getppid = find_syscall("getppid");
  ASSERT_NE(getppid, nullptr);
  EXPECT_EQ(c.entry.nr, getppid->number(*a));  // the table agrees with the kernel

  // On aarch64 and riscv64 the tracer keeps the entry arg0 itself (regs_io
  // takes it from PTRACE_GET_SYSCALL_INFO): give the decoder the reported one.
  const Decoded d = decode(*a, c.entry, c.entry.args[0]);
  EXPECT_EQ(d.nr, c.entry.nr);
  EXPECT_EQ(d.args, c.entry.args);
  EXPECT_EQ(d.args, c.expected_args);
  EXPECT_EQ(d.ip, c.entry.ip);
  EXPECT_EQ(d.sp, c.entry.sp);
}

// The facts the decoders are built on, pinned on the real images.
TEST_P(Captured, ResultRegisterAtEntryIsWhatKernelFactsSay) {
  const Capture& c = GetParam();
  const auto a = from_audit_arch(c.entry.audit_arch);
  ASSERT_TRUE(a.has_value());
  const Decoded d = decode(*a, c.entry, c.entry.args[0]);
  switch (*a) {
    case Arch::kX86_64:  // rax holds -ENOSYS at entry, orig_rax the number
    case Arch::kRiscv64:  // a0 reads -ENOSYS: arg0 lives in orig_a0, out of reach
      EXPECT_EQ(d.result, -ENOSYS);
      break;
    case Arch::kAarch64:  // x0 is still arg0; x8 holds the number too
      EXPECT_EQ(static_cast<std::uint64_t>(d.result), c.expected_args[0]);
      EXPECT_EQ(static_cast<long long>(c.entry.image[8]), c.entry.nr);
      break;
    default:
      break;
  }
}

TEST_P(Captured, ExitStopResultIsTheSyscallsResult) {
  const Capture& c = GetParam();
  const auto a = from_audit_arch(c.exit.audit_arch);
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(c.exit.op, 2u);
  const Decoded d = decode(*a, c.exit, c.entry.args[0]);
  EXPECT_EQ(c.exit.rval, c.ppid);  // getppid returned the capturing tracer's pid
  EXPECT_EQ(d.result, c.exit.rval);
  EXPECT_EQ(d.ip, c.exit.ip);
  EXPECT_EQ(d.sp, c.exit.sp);
}

std::string capture_name(const testing::TestParamInfo<Capture>& info) {
  std::string n = std::string(info.param.machine) + "_" + info.param.kernel;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(RealKernels, Captured, testing::ValuesIn(kCaptures), capture_name);

// Every arch has at least one capture from a real kernel.
TEST(Captured, CoverAllThreeArches) {
  bool seen[kArchCount] = {};
  for (const Capture& c : kCaptures) {
    if (auto a = from_audit_arch(c.entry.audit_arch)) seen[static_cast<std::size_t>(*a)] = true;
  }
  EXPECT_TRUE(seen[static_cast<std::size_t>(Arch::kX86_64)]);
  EXPECT_TRUE(seen[static_cast<std::size_t>(Arch::kAarch64)]);
  EXPECT_TRUE(seen[static_cast<std::size_t>(Arch::kRiscv64)]);
}

}  // namespace
}  // namespace cocoon::arch
