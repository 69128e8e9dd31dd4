// libseccomp's programs (what real sandboxes install: systemd, Firefox's
// content processes, container runtimes) answered by cbpf as by the
// kernel: an allow-list with a default ERRNO, argument comparisons of
// every kind, and a deny-list of calls with distinct errnos.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/mman.h>

#include <random>

#include "cocoon/cbpf/filter.h"
#include "kernel_filter.h"

namespace cocoon::cbpf {
namespace {

constexpr long kFirstNr = 900;

std::vector<sock_filter> exported(scmp_filter_ctx ctx) {
  const int fd = memfd_create("bpf", 0);
  std::vector<sock_filter> prog;
  if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0) return prog;
  const off_t size = lseek(fd, 0, SEEK_END);
  prog.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  pread(fd, prog.data(), prog.size() * sizeof(sock_filter), 0);
  close(fd);
  return prog;
}

TEST(CbpfLibseccomp, ArgumentRulesAnswerAsTheKernel) {
  // Default: ERRNO 99 for the unknown numbers the test calls; the child's
  // own calls allowed.
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(99));
  ASSERT_NE(ctx, nullptr);
  for (int nr : {SCMP_SYS(exit_group), SCMP_SYS(exit)}) seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  const int a = kFirstNr, b = kFirstNr + 1, c = kFirstNr + 2;
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), a, 1, SCMP_A0(SCMP_CMP_EQ, 5));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(2), a, 1, SCMP_A1(SCMP_CMP_GT, 0x100000000ull));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(3), a, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, 0xf0, 0x30));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(4), b, 2, SCMP_A0(SCMP_CMP_LT, 10), SCMP_A1(SCMP_CMP_NE, 3));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(5), b, 1, SCMP_A3(SCMP_CMP_GE, 0xfffffffffull));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(6), b, 1, SCMP_A4(SCMP_CMP_LE, 7));
  seccomp_rule_add(ctx, SCMP_ACT_ALLOW, c, 0);  // ENOSYS from the kernel
  const auto prog = exported(ctx);
  seccomp_release(ctx);
  ASSERT_FALSE(prog.empty());
  ASSERT_EQ(check(prog), 0);

  std::mt19937 rng(7);
  std::vector<test::Call> calls;
  for (int i = 0; i < 200; ++i) {
    test::Call call{kFirstNr + static_cast<long>(rng() % 4), {}};
    for (auto& arg : call.args) {
      switch (rng() % 4) {
        case 0: arg = rng() % 12; break;
        case 1: arg = 0x100000000ull + rng() % 3; break;
        case 2: arg = (rng() % 2 ? 0x30 : 0x31) | (std::uint64_t{rng()} << 8); break;
        default: arg = (std::uint64_t{rng()} << 32) | rng(); break;
      }
    }
    calls.push_back(call);
  }
  const auto kernel = test::run_in_kernel({prog}, calls);
  ASSERT_EQ(kernel.installed, std::vector<int>{0});
  ASSERT_EQ(kernel.results.size(), calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const std::uint32_t r = run(prog, test::data_of(calls[i]));
    const long expected = (r & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW
                              ? -ENOSYS
                              : -static_cast<long>(r & SECCOMP_RET_DATA);
    ASSERT_EQ(expected, kernel.results[i]) << "call " << i;
  }
}

}  // namespace
}  // namespace cocoon::cbpf
