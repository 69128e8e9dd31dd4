// cbpf against the kernel: random seccomp programs installed for real in a
// forked child, the kernel's acceptance compared with cbpf::check() and
// its answers (SECCOMP_RET_ERRNO with data computed from seccomp_data, so
// each call shows the program's result as its errno) with cbpf::run() and
// cbpf::evaluate().
#include <gtest/gtest.h>

#include <csignal>
#include <random>

#include "cocoon/cbpf/filter.h"
#include "cocoon/cbpf/filter_stack.h"
#include "kernel_filter.h"

namespace cocoon::cbpf {
namespace {

using test::Call;

// Numbers no kernel assigns (x86-64 is below 470, asm-generic below 470
// too): a call the filters let through fails with ENOSYS and does nothing.
constexpr long kFirstNr = 900;

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}

// A program whose body computes A from seccomp_data with random
// instructions of every kind seccomp accepts (loads, scratch memory, ALU
// with constants and X, forward jumps), then returns ERRNO with A's low
// 12 bits. Calls below kFirstNr are allowed (the child's own exit).
// Scratch loads may read a slot no path wrote: the kernel refuses that
// program, and check() must too.
std::vector<sock_filter> random_program(std::mt19937& rng) {
  auto pick = [&rng](std::uint32_t n) { return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng); };
  std::vector<sock_filter> body;
  const std::uint32_t n = 1 + pick(24);
  static constexpr std::uint16_t kOps[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR,
                                           BPF_XOR, BPF_LSH, BPF_RSH, BPF_DIV};
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t left = n - i - 1;  // body instructions after this one
    switch (pick(10)) {
      case 0: case 1: {
        static constexpr std::uint32_t kOffsets[] = {0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60};
        body.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, kOffsets[pick(14)]));
        break;
      }
      case 2: {
        const std::uint16_t op = kOps[pick(9)];
        std::uint32_t k = rng();
        if (op == BPF_LSH || op == BPF_RSH) k %= 32;
        if (op == BPF_DIV) k = 1 + pick(1000);
        body.push_back(stmt(BPF_ALU | op | BPF_K, k));
        break;
      }
      case 3: {
        const std::uint16_t op = kOps[pick(8)];  // no DIV by X: X may be 0 (its own test)
        body.push_back(stmt(BPF_ALU | op | BPF_X, 0));
        break;
      }
      case 4: body.push_back(stmt(BPF_MISC | (pick(2) ? BPF_TAX : BPF_TXA), 0)); break;
      case 5: body.push_back(stmt(pick(2) ? BPF_ST : BPF_STX, pick(4))); break;
      case 6: body.push_back(stmt((pick(2) ? BPF_LD : BPF_LDX) | BPF_MEM, pick(4))); break;
      case 7: {
        static constexpr std::uint16_t kJumps[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET};
        const std::uint16_t src = pick(2) ? BPF_X : BPF_K;
        const std::uint32_t k = pick(2) ? pick(8) : rng();
        body.push_back(jump(BPF_JMP | kJumps[pick(4)] | src, k,
                            static_cast<std::uint8_t>(pick(left + 1)),
                            static_cast<std::uint8_t>(pick(left + 1))));
        break;
      }
      case 8:
        body.push_back(pick(2) ? stmt(BPF_LD | BPF_IMM, rng()) : stmt(BPF_LDX | BPF_IMM, rng()));
        break;
      default:
        if (pick(2) == 0) {
          body.push_back(stmt(BPF_JMP | BPF_JA, pick(left + 1)));
        } else {
          body.push_back(pick(2) ? stmt(BPF_ALU | BPF_NEG, 0)
                                 : stmt((pick(2) ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN, 0));
        }
        break;
    }
  }
  std::vector<sock_filter> prog = {
      stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      jump(BPF_JMP | BPF_JGE | BPF_K, kFirstNr, 1, 0),
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  prog.insert(prog.end(), body.begin(), body.end());
  prog.push_back(stmt(BPF_ALU | BPF_AND | BPF_K, 0xfff));
  prog.push_back(stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO));
  prog.push_back(stmt(BPF_RET | BPF_A, 0));
  return prog;
}

std::vector<Call> random_calls(std::mt19937& rng) {
  std::vector<Call> calls;
  for (int i = 0; i < 12; ++i) {
    Call c;
    c.nr = kFirstNr + static_cast<long>(rng() % 64);
    for (auto& a : c.args) {
      // Small values and boundaries as often as wide ones: jumps compare
      // with small constants.
      switch (rng() % 4) {
        case 0: a = rng() % 8; break;
        case 1: a = 0xffffffffull << (rng() % 2 ? 32 : 0); break;
        default: a = (std::uint64_t{rng()} << 32) | rng(); break;
      }
    }
    calls.push_back(c);
  }
  return calls;
}

// ERRNO with data 0 returns 0; otherwise the call fails with the data as
// errno (__seccomp_filter(), kernel/seccomp.c).
long as_result(std::uint32_t ret) {
  EXPECT_EQ(ret & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO);
  return -static_cast<long>(ret & SECCOMP_RET_DATA);
}

TEST(CbpfKernel, RandomProgramsAnswerAsTheKernel) {
  std::mt19937 rng(17);
  int compared = 0, refused = 0;
  for (int round = 0; round < 300; ++round) {
    const auto prog = random_program(rng);
    const auto calls = random_calls(rng);
    const auto kernel = test::run_in_kernel({prog}, calls);
    ASSERT_EQ(kernel.installed.size(), 1u) << "round " << round;
    ASSERT_EQ(check(prog), kernel.installed[0]) << "round " << round;
    if (kernel.installed[0] != 0) {
      ++refused;
      continue;
    }
    ASSERT_TRUE(WIFEXITED(kernel.wait_status)) << "round " << round;
    ASSERT_EQ(kernel.results.size(), calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
      ASSERT_EQ(as_result(run(prog, test::data_of(calls[i]))), kernel.results[i])
          << "round " << round << ", call " << i;
    }
    ++compared;
  }
  // Both kinds met, or the generator proves little.
  EXPECT_GT(compared, 100);
  EXPECT_GT(refused, 10);
}

// Stacked filters: the strongest action wins and, among equal ones, the
// newest filter's data. Each filter answers ERRNO (random data) or, for
// calls whose arg0 is odd, ALLOW or LOG, so that the winner varies.
TEST(CbpfKernel, StackedFiltersAnswerAsTheKernel) {
  std::mt19937 rng(4);
  for (int round = 0; round < 60; ++round) {
    std::vector<std::vector<sock_filter>> progs;
    Stack stack;
    for (int f = 0; f < 3; ++f) {
      auto prog = random_program(rng);
      while (check(prog) != 0) prog = random_program(rng);
      // Before the body: odd arg0 returns ALLOW or LOG, per filter.
      const std::uint32_t pass = rng() % 2 ? SECCOMP_RET_ALLOW : SECCOMP_RET_LOG;
      const std::vector<sock_filter> gate = {
          stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
          jump(BPF_JMP | BPF_JSET | BPF_K, 1u << (rng() % 3), 0, 1),
          stmt(BPF_RET | BPF_K, pass),
      };
      prog.insert(prog.begin() + 3, gate.begin(), gate.end());
      ASSERT_EQ(check(prog), 0);
      stack = push(stack, prog);
      progs.push_back(std::move(prog));
    }
    const auto calls = random_calls(rng);
    const auto kernel = test::run_in_kernel(progs, calls);
    ASSERT_EQ(kernel.installed, (std::vector<int>{0, 0, 0}));
    ASSERT_EQ(kernel.results.size(), calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const std::uint32_t ret = evaluate(stack.get(), test::data_of(calls[i]));
      const long expected = runs(ret) ? -ENOSYS : as_result(ret);
      ASSERT_EQ(expected, kernel.results[i]) << "round " << round << ", call " << i;
    }
  }
}

// A division by X == 0 ends the program with 0, SECCOMP_RET_KILL_THREAD:
// the only thread dies of SIGSYS.
TEST(CbpfKernel, DivisionByZeroKills) {
  const std::vector<sock_filter> prog = {
      stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      jump(BPF_JMP | BPF_JGE | BPF_K, kFirstNr, 1, 0),
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      stmt(BPF_LDX | BPF_W | BPF_ABS, 0),  // replaced below
      stmt(BPF_ALU | BPF_DIV | BPF_X, 0),
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 5),
  };
  auto fixed = prog;
  fixed[3] = stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]));
  fixed.insert(fixed.begin() + 4, stmt(BPF_MISC | BPF_TAX, 0));
  ASSERT_EQ(check(prog), EINVAL);  // LDX ABS is not seccomp's
  ASSERT_EQ(check(fixed), 0);
  Call zero{kFirstNr, {0, 0, 0, 0, 0, 0}};
  Call two{kFirstNr, {2, 0, 0, 0, 0, 0}};
  EXPECT_EQ(run(fixed, test::data_of(zero)), SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(run(fixed, test::data_of(two)), SECCOMP_RET_ERRNO | 5);
  const auto kernel = test::run_in_kernel({fixed}, {two, zero});
  ASSERT_TRUE(WIFSIGNALED(kernel.wait_status));
  EXPECT_EQ(WTERMSIG(kernel.wait_status), SIGSYS);
}

}  // namespace
}  // namespace cocoon::cbpf
