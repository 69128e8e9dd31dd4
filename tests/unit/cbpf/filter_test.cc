// cbpf's own rules, one by one: what the kernel refuses (each refusal is
// also checked against the kernel here), and the order of actions.
#include <gtest/gtest.h>

#include "cocoon/cbpf/filter.h"
#include "cocoon/cbpf/filter_stack.h"
#include "kernel_filter.h"

namespace cocoon::cbpf {
namespace {

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter ret(std::uint32_t k) { return stmt(BPF_RET | BPF_K, k); }

// check() says what the kernel says when the program is installed.
void expect_kernel_agrees(const std::vector<sock_filter>& prog, int expected, const char* what) {
  EXPECT_EQ(check(prog), expected) << what;
  const auto kernel = test::run_in_kernel({prog}, {});
  ASSERT_EQ(kernel.installed.size(), 1u) << what;
  EXPECT_EQ(kernel.installed[0], expected) << what << " (the kernel)";
}

TEST(CbpfCheck, RefusesWhatTheKernelRefuses) {
  const auto allow = ret(SECCOMP_RET_ALLOW);
  expect_kernel_agrees({allow}, 0, "a lone RET");
  expect_kernel_agrees({stmt(BPF_LD | BPF_W | BPF_ABS, 0)}, EINVAL, "no RET last");
  expect_kernel_agrees({stmt(BPF_LD | BPF_W | BPF_ABS, 2), allow}, EINVAL, "a misaligned load");
  expect_kernel_agrees({stmt(BPF_LD | BPF_W | BPF_ABS, 64), allow}, EINVAL, "a load past seccomp_data");
  expect_kernel_agrees({stmt(BPF_LD | BPF_W | BPF_ABS, 60), allow}, 0, "the last word");
  expect_kernel_agrees({stmt(BPF_LD | BPF_H | BPF_ABS, 0), allow}, EINVAL, "a half-word load");
  expect_kernel_agrees({stmt(BPF_LD | BPF_W | BPF_IND, 0), allow}, EINVAL, "an indirect load");
  expect_kernel_agrees({stmt(BPF_LDX | BPF_B | BPF_MSH, 0), allow}, EINVAL, "MSH");
  expect_kernel_agrees({stmt(BPF_ALU | BPF_MOD | BPF_K, 3), allow}, EINVAL, "MOD");
  expect_kernel_agrees({stmt(BPF_ALU | BPF_DIV | BPF_K, 0), allow}, EINVAL, "a division by 0");
  expect_kernel_agrees({stmt(BPF_ALU | BPF_LSH | BPF_K, 32), allow}, EINVAL, "a shift by 32");
  expect_kernel_agrees({stmt(BPF_ALU | BPF_RSH | BPF_K, 31), allow}, 0, "a shift by 31");
  expect_kernel_agrees({stmt(BPF_ST, 16), allow}, EINVAL, "scratch slot 16");
  expect_kernel_agrees({stmt(BPF_LD | BPF_MEM, 3), allow}, EINVAL, "a slot read before written");
  expect_kernel_agrees({stmt(BPF_ST, 3), stmt(BPF_LDX | BPF_MEM, 3), allow}, 0, "written, then read");
  // The store is jumped over on one path: refused.
  expect_kernel_agrees({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), stmt(BPF_ST, 1),
                        stmt(BPF_LD | BPF_MEM, 1), allow},
                       EINVAL, "a slot written on one path only");
  expect_kernel_agrees({stmt(BPF_JMP | BPF_JA, 1), allow}, EINVAL, "JA past the end");
  expect_kernel_agrees({stmt(BPF_JMP | BPF_JA, 0), allow}, 0, "JA to the next");
  expect_kernel_agrees({BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 1, 0), allow}, EINVAL, "jt past the end");
  expect_kernel_agrees({BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 0, 1), allow}, EINVAL, "jf past the end");
  expect_kernel_agrees({stmt(BPF_RET | BPF_X, 0)}, EINVAL, "RET X");
  expect_kernel_agrees({stmt(0xffff, 0), allow}, EINVAL, "an unknown code");
  expect_kernel_agrees({}, EINVAL, "no instruction");
  expect_kernel_agrees(std::vector<sock_filter>(kMaxInsns, allow), 0, "BPF_MAXINSNS");
  expect_kernel_agrees(std::vector<sock_filter>(kMaxInsns + 1, allow), EINVAL, "BPF_MAXINSNS + 1");
}

TEST(CbpfRun, LengthAndMemory) {
  const seccomp_data d{};
  EXPECT_EQ(run(std::vector{stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_RET | BPF_A, 0)}, d),
            sizeof(seccomp_data));
  EXPECT_EQ(run(std::vector{stmt(BPF_LDX | BPF_IMM, 7), stmt(BPF_STX, 15), stmt(BPF_LD | BPF_MEM, 15),
                            stmt(BPF_ALU | BPF_NEG, 0), stmt(BPF_RET | BPF_A, 0)},
                d),
            0u - 7u);
}

Stack stack_of(std::initializer_list<std::uint32_t> oldest_first) {
  Stack s;
  for (std::uint32_t r : oldest_first) s = push(s, {ret(r)});
  return s;
}

TEST(CbpfEvaluate, StrongestActionAndNewestData) {
  const seccomp_data d{};
  EXPECT_EQ(evaluate(nullptr, d), SECCOMP_RET_ALLOW);
  const std::uint32_t order[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
                                 SECCOMP_RET_TRAP | 1,     SECCOMP_RET_ERRNO | 2,
                                 SECCOMP_RET_USER_NOTIF,   SECCOMP_RET_TRACE | 3,
                                 SECCOMP_RET_LOG,          SECCOMP_RET_ALLOW};
  for (std::size_t i = 0; i < std::size(order); ++i) {
    for (std::size_t j = i + 1; j < std::size(order); ++j) {
      EXPECT_EQ(evaluate(stack_of({order[i], order[j]}).get(), d), order[i]);
      EXPECT_EQ(evaluate(stack_of({order[j], order[i]}).get(), d), order[i]);
    }
  }
  EXPECT_EQ(evaluate(stack_of({SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ERRNO | 2}).get(), d),
            SECCOMP_RET_ERRNO | 2);
  EXPECT_EQ(evaluate(stack_of({SECCOMP_RET_TRACE | 9, SECCOMP_RET_ERRNO | 1, SECCOMP_RET_TRACE | 8}).get(), d),
            SECCOMP_RET_ERRNO | 1);
  EXPECT_TRUE(runs(SECCOMP_RET_LOG));
  EXPECT_FALSE(runs(SECCOMP_RET_TRACE));
}

}  // namespace
}  // namespace cocoon::cbpf
