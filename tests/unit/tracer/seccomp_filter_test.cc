// The generated filter must give, for every ABI and number, exactly the
// decision the Policy holds; foreign arches and x32 must never be allowed.
#include "cocoon/tracer/seccomp_filter.h"

#include <gtest/gtest.h>
#include <linux/audit.h>

#include <random>

#include "cocoon/cbpf/filter.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/dispatch.h"

namespace cocoon::tracer {
namespace {

using arch::Arch;

// cocoon's own programs run as the kernel runs them (cbpf, which the
// kernel itself checks in tests/unit/cbpf), after the kernel's checks.
std::uint32_t run_bpf(const std::vector<sock_filter>& prog, const seccomp_data& d) {
  EXPECT_EQ(cbpf::check(prog), 0) << "the kernel would refuse this program";
  return cbpf::run(prog, d);
}

std::uint32_t verdict(const std::vector<sock_filter>& prog, std::uint32_t audit, std::uint32_t nr,
                      std::uint64_t args = 0) {
  seccomp_data d{};
  d.arch = audit;
  d.nr = static_cast<int>(nr);
  for (auto& a : d.args) a = args;
  return run_bpf(prog, d);
}

int nr_of(const char* name, Arch abi) { return arch::find_syscall(name)->number(abi); }

// The filter's answer to one x86-64 call `nr` whose arguments are 0 but
// those given (index, value).
std::uint32_t x86_call(const std::vector<sock_filter>& prog, int nr,
                       std::initializer_list<std::pair<int, std::uint64_t>> args) {
  seccomp_data d{};
  d.arch = AUDIT_ARCH_X86_64;
  d.nr = nr;
  for (const auto& [i, v] : args) d.args[i] = v;
  return run_bpf(prog, d);
}

// Without a trace data word, and with one (cocoon's own: own_trace_data()),
// which every SECCOMP_RET_TRACE carries and nothing else does.
void expect_matches_policy(const Policy& policy) {
  for (std::uint16_t data : {std::uint16_t{0}, std::uint16_t{0xc0c1}}) {
    const auto prog = build_filter(policy, data);
    ASSERT_LE(prog.size(), 4096u) << "BPF_MAXINSNS";
    for (Arch abi : policy.abis()) {
      const std::uint32_t audit = arch::audit_arch(abi);
      for (int nr = 0; nr < policy.size(abi) + 64; ++nr) {
        // Arguments 0, and not 0 in the low or only the high half; and the
        // bits the containment refusals test (CLONE_UNTRACED, seccomp's
        // NEW_LISTENER), alone and among others in both halves.
        for (std::uint64_t args :
             {0ULL, 1ULL, 1ULL << 32, 0x800000ULL, 8ULL, 0x800108ULL | 1ULL << 40}) {
          const Decision d = policy.decide(abi, nr).for_call([args](int) { return args; });
          ASSERT_EQ(verdict(prog, audit, static_cast<std::uint32_t>(nr), args),
                    seccomp_return(d, data))
              << arch::name(abi) << " nr " << nr << " args " << args << " data " << data;
        }
      }
      EXPECT_EQ(verdict(prog, audit, 0xffffffffu), seccomp_return(Policy::unknown_decision(), data));
    }
  }
}

TEST(SeccompFilter, EmptyPolicyAllowsKnownSyscallsAndRefusesUnknownOnes) {
  const Policy policy(Arch::kX86_64);
  const auto prog = build_filter(policy);
  const auto x86 = AUDIT_ARCH_X86_64;
  EXPECT_EQ(verdict(prog, x86, nr_of("getpid", Arch::kX86_64)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(prog, x86, 100000), SECCOMP_RET_ERRNO | ENOSYS);
  expect_matches_policy(policy);
}

// The data word marks cocoon's own stops (tracer.cc, guest_seccomp_stop()):
// only a trace carries it; an errno's data is its errno.
TEST(SeccompFilter, OnlyTracesCarryTheTraceData) {
  EXPECT_EQ(seccomp_return(Decision::trace(), 0xc0c0), SECCOMP_RET_TRACE | 0xc0c0);
  EXPECT_EQ(seccomp_return(Decision::allow(), 0xc0c0), SECCOMP_RET_ALLOW);
  EXPECT_EQ(seccomp_return(Decision::fail(ENOSYS), 0xc0c0), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(seccomp_return(Decision::notify(), 0xc0c0), SECCOMP_RET_USER_NOTIF);
  // This process runs under no filter of its own in the unit tests, or
  // under some: the base, plus their number.
  EXPECT_GE(own_trace_data(), 0xc0c0);
}

TEST(SeccompFilter, X32AndForeignArchesAreNeverAllowed) {
  const Policy policy(Arch::kX86_64);
  const auto prog = build_filter(policy);
  // x32 getpid: x86-64's number with __X32_SYSCALL_BIT.
  const std::uint32_t x32_getpid = arch::kX32SyscallBit | 39;
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_X86_64, x32_getpid), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_X86_64, arch::kX32SyscallBit | 257), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_AARCH64, 172), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(prog, 0, 0), SECCOMP_RET_KILL_PROCESS);
}

TEST(SeccompFilter, I386CallsAreDecidedByTheI386Table) {
  // Trace open only. i386 nr 5 is open; x86-64 nr 5 is fstat: a filter that
  // applied x86-64 numbers to int 0x80 calls would let i386 open through.
  Policy policy(Arch::kX86_64);
  for (Arch abi : policy.abis()) policy.set(abi, nr_of("open", abi), Decision::trace());
  const auto prog = build_filter(policy);
  ASSERT_EQ(nr_of("open", Arch::kI386), 5);
  ASSERT_EQ(nr_of("fstat", Arch::kX86_64), 5);
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_I386, 5), SECCOMP_RET_TRACE);
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_X86_64, 5), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_X86_64, nr_of("open", Arch::kX86_64)), SECCOMP_RET_TRACE);
  expect_matches_policy(policy);
}

TEST(SeccompFilter, EachHostArchGetsOnlyItsOwnSections) {
  for (Arch host : {Arch::kAarch64, Arch::kRiscv64}) {
    const Policy policy(host);
    const auto prog = build_filter(policy);
    EXPECT_EQ(verdict(prog, arch::audit_arch(host), nr_of("openat", host)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(prog, AUDIT_ARCH_X86_64, 0), SECCOMP_RET_KILL_PROCESS);
    EXPECT_EQ(verdict(prog, AUDIT_ARCH_I386, 0), SECCOMP_RET_KILL_PROCESS);
    expect_matches_policy(policy);
  }
}

TEST(SeccompFilter, ManyRangesStillCompileCorrectly) {
  // Random decisions make hundreds of ranges, so left branches outgrow the
  // 8-bit jump offsets and the BPF_JA route is taken.
  std::mt19937 rng(42);
  for (Arch host : {Arch::kX86_64, Arch::kAarch64, Arch::kRiscv64}) {
    Policy policy(host);
    for (Arch abi : policy.abis()) {
      for (int nr = 0; nr < policy.size(abi); ++nr) {
        switch (rng() % 5) {
          case 0: policy.set(abi, nr, Decision::trace()); break;
          case 3: policy.set(abi, nr, Decision::trace_if_nonzero(static_cast<int>(rng() % 6))); break;
          case 1: policy.set(abi, nr, Decision::fail(static_cast<int>(rng() % 200))); break;
          case 2: policy.set(abi, nr, Decision::kill()); break;
          case 4:
            if (rng() % 2) {
              const int arg = static_cast<int>(rng() % 6);
              const std::uint64_t bits = rng() % 3 == 0 ? 1ULL << 40 : 0x800000ULL | 8;
              const Decision base = rng() % 2 ? Decision::trace() : Decision::notify();
              policy.set(abi, nr, base.refusing(arg, bits, static_cast<int>(rng() % 200)));
            }
            break;
          default: break;
        }
      }
    }
    expect_matches_policy(policy);
  }
}

TEST(SeccompFilter, ConstantZeroAnswerCompilesToErrnoZero) {
  // SECCOMP_RET_ERRNO with data 0 returns 0 without running the call: how a
  // constant such as getuid() == 0 is answered with no stop at all.
  Policy policy(Arch::kX86_64);
  policy.set(Arch::kX86_64, nr_of("getuid", Arch::kX86_64), Decision::fail(0));
  const auto prog = build_filter(policy);
  EXPECT_EQ(verdict(prog, AUDIT_ARCH_X86_64, nr_of("getuid", Arch::kX86_64)), SECCOMP_RET_ERRNO);
}

TEST(SeccompFilter, ConditionalTraceStopsOnlyWhenItsArgumentIsNotZero) {
  // sendto traced only with a destination address (argument 4): send() is
  // sendto(fd, buf, len, flags, NULL, 0) and must not stop.
  Policy policy(Arch::kX86_64);
  const int sendto = nr_of("sendto", Arch::kX86_64);
  policy.set(Arch::kX86_64, sendto, Decision::trace_if_nonzero(4));
  const auto prog = build_filter(policy);
  auto with_arg4 = [&](std::uint64_t v) {
    seccomp_data d{};
    d.arch = AUDIT_ARCH_X86_64;
    d.nr = sendto;
    d.args[0] = d.args[1] = d.args[2] = d.args[5] = 7;  // the others do not count
    d.args[4] = v;
    return run_bpf(prog, d);
  };
  EXPECT_EQ(with_arg4(0), SECCOMP_RET_ALLOW);
  EXPECT_EQ(with_arg4(0x7ffc12345678), SECCOMP_RET_TRACE);
  EXPECT_EQ(with_arg4(1ULL << 40), SECCOMP_RET_TRACE);
  expect_matches_policy(policy);
}

// A refusal tests its bits before anything else: the call with any of
// them set fails with its errno, the others get the decision (here a
// trace, and an allow), on every ABI of every host.
TEST(SeccompFilter, RefusalsTestTheirBitsBeforeTheDecision) {
  constexpr std::uint64_t kUntraced = 0x00800000;  // CLONE_UNTRACED
  constexpr std::uint64_t kNewListener = 8;        // SECCOMP_FILTER_FLAG_NEW_LISTENER
  for (Arch host : {Arch::kX86_64, Arch::kAarch64, Arch::kRiscv64}) {
    Policy policy(host);
    for (Arch abi : policy.abis()) {
      policy.set(abi, nr_of("clone", abi), Decision::trace().refusing(0, kUntraced, EPERM));
      policy.set(abi, nr_of("seccomp", abi), Decision::refuse_if_any(1, kNewListener, EBUSY));
    }
    const auto prog = build_filter(policy);
    for (Arch abi : policy.abis()) {
      auto call = [&](const char* name, int arg, std::uint64_t v) {
        seccomp_data d{};
        d.arch = arch::audit_arch(abi);
        d.nr = nr_of(name, abi);
        d.args[arg] = v;
        d.args[(arg + 1) % 6] = kUntraced | kNewListener;  // another argument's bits do not count
        return run_bpf(prog, d);
      };
      const std::string_view a = arch::name(abi);
      EXPECT_EQ(call("clone", 0, 17), SECCOMP_RET_TRACE) << a;  // SIGCHLD
      EXPECT_EQ(call("clone", 0, 0x3d0f00), SECCOMP_RET_TRACE) << a;  // pthread_create's
      EXPECT_EQ(call("clone", 0, kUntraced | 17), SECCOMP_RET_ERRNO | EPERM) << a;
      EXPECT_EQ(call("clone", 0, kUntraced | 1ULL << 36), SECCOMP_RET_ERRNO | EPERM) << a;
      EXPECT_EQ(call("seccomp", 1, 0), SECCOMP_RET_ALLOW) << a;
      EXPECT_EQ(call("seccomp", 1, 1), SECCOMP_RET_ALLOW) << a;  // TSYNC
      EXPECT_EQ(call("seccomp", 1, kNewListener | 1), SECCOMP_RET_ERRNO | EBUSY) << a;
    }
    expect_matches_policy(policy);
  }
}

// Values of one argument (ioctl's command): the refused ones fail, the
// traced ones stop, the others keep the decision without a stop; only the
// low half counts (the kernel takes an unsigned int), on every ABI.
TEST(SeccompFilter, ValuesOfAnArgumentAreRefusedOrTracedAlone) {
  constexpr std::uint32_t kSti = 0x5412, kLinux = 0x541c, kSetOwn = 0x8901, kSpgrp = 0x8902;
  for (Arch host : {Arch::kX86_64, Arch::kAarch64, Arch::kRiscv64}) {
    Policy policy(host);
    for (Arch abi : policy.abis()) {
      policy.set(abi, nr_of("ioctl", abi),
                 Decision::allow().refusing_values(1, {kSti, kLinux}, EPERM).tracing_values(1, {kSetOwn, kSpgrp}));
      policy.set(abi, nr_of("fcntl", abi), Decision::allow().tracing_values(1, {8, 15}));
    }
    const auto prog = build_filter(policy);
    for (Arch abi : policy.abis()) {
      auto call = [&](const char* name, std::uint64_t cmd) {
        seccomp_data d{};
        d.arch = arch::audit_arch(abi);
        d.nr = nr_of(name, abi);
        d.args[0] = kSti;  // another argument's value does not count
        d.args[1] = cmd;
        d.args[2] = kSetOwn;
        return run_bpf(prog, d);
      };
      const std::string_view a = arch::name(abi);
      EXPECT_EQ(call("ioctl", kSti), SECCOMP_RET_ERRNO | EPERM) << a;
      EXPECT_EQ(call("ioctl", kLinux | 1ULL << 32), SECCOMP_RET_ERRNO | EPERM) << a;
      EXPECT_EQ(call("ioctl", kSetOwn), SECCOMP_RET_TRACE) << a;
      EXPECT_EQ(call("ioctl", kSpgrp | 7ULL << 40), SECCOMP_RET_TRACE) << a;
      EXPECT_EQ(call("ioctl", 0x5401), SECCOMP_RET_ALLOW) << a;  // TCGETS
      EXPECT_EQ(call("ioctl", kSti + 1), SECCOMP_RET_ALLOW) << a;
      EXPECT_EQ(call("fcntl", 8), SECCOMP_RET_TRACE) << a;
      EXPECT_EQ(call("fcntl", 15), SECCOMP_RET_TRACE) << a;
      EXPECT_EQ(call("fcntl", 1), SECCOMP_RET_ALLOW) << a;  // F_GETFD
    }
    expect_matches_policy(policy);
  }
}

// A decision that stops at every call keeps its value refusals, and a
// conditional stop still stops at its values.
TEST(SeccompFilter, ValueTestsInFrontOfEveryKindOfDecision) {
  Policy policy(Arch::kX86_64);
  const int ioctl = nr_of("ioctl", Arch::kX86_64);
  const int fcntl = nr_of("fcntl", Arch::kX86_64);
  policy.set(Arch::kX86_64, ioctl, Decision::trace().refusing_values(1, {0x5412}, EPERM).tracing_values(1, {9}));
  policy.set(Arch::kX86_64, fcntl, Decision::trace_if_nonzero(2).tracing_values(1, {8}));
  const auto prog = build_filter(policy);
  auto call = [&](int nr, std::uint64_t a1, std::uint64_t a2) { return x86_call(prog, nr, {{1, a1}, {2, a2}}); };
  EXPECT_EQ(call(ioctl, 0x5412, 0), SECCOMP_RET_ERRNO | EPERM);
  EXPECT_EQ(call(ioctl, 1, 0), SECCOMP_RET_TRACE);
  EXPECT_EQ(call(fcntl, 8, 0), SECCOMP_RET_TRACE);
  EXPECT_EQ(call(fcntl, 1, 0), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(fcntl, 1, 5), SECCOMP_RET_TRACE);
  expect_matches_policy(policy);
}

// Handlers' value tests on one row add up (that the handler asking for a
// stop sees the entry is the adversarial `setown` probe's to show).
TEST(SeccompFilter, ValueTestsOfTwoHandlersAddUp) {
  struct Wants final : SyscallHandler {
    Decision d;
    explicit Wants(Decision w) : d(w) {}
    std::string_view name() const override { return "wants"; }
    Decision decision(const arch::SyscallDesc& row, Arch) const override {
      return row.name == std::string_view("ioctl") ? d : Decision::allow();
    }
    Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }
  };
  HandlerList list;
  list.push_back(std::make_unique<Wants>(Decision::allow().refusing_values(1, {0x5412}, EPERM)));
  list.push_back(std::make_unique<Wants>(Decision::allow().tracing_values(1, {0x8901})));
  const auto policy = build_policy(list, Arch::kX86_64);
  ASSERT_TRUE(policy);
  const Decision d = policy->decide(Arch::kX86_64, nr_of("ioctl", Arch::kX86_64));
  EXPECT_EQ(d, Decision::allow().refusing_values(1, {0x5412}, EPERM).tracing_values(1, {0x8901}));
  EXPECT_EQ(d.for_call([](int i) { return i == 1 ? 0x8901ULL : 0ULL; }).action, Action::kTrace);
  EXPECT_EQ(d.for_call([](int i) { return i == 1 ? 0x5412ULL : 0ULL; }), Decision::fail(EPERM));
  EXPECT_EQ(d.for_call([](int) { return 0ULL; }), Decision::allow());
}

// A refusal in the upper half of a 64-bit argument is tested there.
TEST(SeccompFilter, RefusalOfAHighBit) {
  Policy policy(Arch::kX86_64);
  const int nr = nr_of("unshare", Arch::kX86_64);
  policy.set(Arch::kX86_64, nr, Decision::refuse_if_any(0, 1ULL << 33, EINVAL));
  const auto prog = build_filter(policy);
  seccomp_data d{};
  d.arch = AUDIT_ARCH_X86_64;
  d.nr = nr;
  d.args[0] = 1ULL << 1;  // the same bit in the low half
  EXPECT_EQ(run_bpf(prog, d), SECCOMP_RET_ALLOW);
  d.args[0] = 1ULL << 33;
  EXPECT_EQ(run_bpf(prog, d), SECCOMP_RET_ERRNO | EINVAL);
  expect_matches_policy(policy);
}

class Tracing final : public SyscallHandler {
 public:
  std::string_view name() const override { return "t"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    if (row.sys == arch::Sys::getppid) return Decision::trace();
    if (row.sys == arch::Sys::clone3) return Decision::fail(ENOSYS);
    return Decision::allow();
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }
};

class Answering final : public SyscallHandler {
 public:
  std::string_view name() const override { return "a"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    return row.sys == arch::Sys::getppid ? Decision::fail(0) : Decision::allow();
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }
};

TEST(BuildPolicy, ConstantAnswersBeatTracesAndAllArchesAgree) {
  HandlerList only_trace;
  only_trace.push_back(std::make_unique<Tracing>());
  const Policy p1 = *build_policy(only_trace, Arch::kX86_64);
  EXPECT_EQ(p1.decide(Arch::kX86_64, nr_of("getppid", Arch::kX86_64)), Decision::trace());
  EXPECT_EQ(p1.decide(Arch::kI386, nr_of("getppid", Arch::kI386)), Decision::trace());
  EXPECT_EQ(p1.decide(Arch::kX86_64, nr_of("clone3", Arch::kX86_64)), Decision::fail(ENOSYS));

  HandlerList both;
  both.push_back(std::make_unique<Tracing>());
  both.push_back(std::make_unique<Answering>());
  const Policy p2 = *build_policy(both, Arch::kAarch64);
  EXPECT_EQ(p2.decide(Arch::kAarch64, nr_of("getppid", Arch::kAarch64)), Decision::fail(0));
}

// A handler tracing sendto only with an address (argument `arg_`), or
// always (-1).
class SendtoTracing final : public SyscallHandler {
 public:
  explicit SendtoTracing(int arg) : arg_(arg) {}
  std::string_view name() const override { return "s"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    if (row.sys != arch::Sys::sendto) return Decision::allow();
    // Translators: any number of them may see one call.
    const Decision d = arg_ < 0 ? Decision::trace() : Decision::trace_if_nonzero(arg_);
    return d.in(Phase::kTranslate);
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }

 private:
  int arg_;
};

Decision sendto_decision(std::initializer_list<int> args) {
  HandlerList list;
  for (int a : args) list.push_back(std::make_unique<SendtoTracing>(a));
  return build_policy(list, Arch::kX86_64)->decide(Arch::kX86_64, nr_of("sendto", Arch::kX86_64));
}

TEST(BuildPolicy, ConditionalTracesCombineToTheWeakerCondition) {
  EXPECT_EQ(sendto_decision({4}), Decision::trace_if_nonzero(4));
  EXPECT_EQ(sendto_decision({4, 4}), Decision::trace_if_nonzero(4));
  // Another condition, or none: every call stops.
  EXPECT_EQ(sendto_decision({4, 1}), Decision::trace());
  EXPECT_EQ(sendto_decision({4, -1}), Decision::trace());
  EXPECT_EQ(sendto_decision({-1, 4}), Decision::trace());
}

// A handler that asks for sendto as a notification (kind 0), a trace
// (1), a conditional trace on argument 4 (2), or a constant answer (3).
class SendtoBy final : public SyscallHandler {
 public:
  explicit SendtoBy(int kind) : kind_(kind) {}
  std::string_view name() const override { return "n"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    if (row.sys != arch::Sys::sendto) return Decision::allow();
    switch (kind_) {
      case 0: return Decision::notify().in(Phase::kTranslate);
      case 1: return Decision::trace().in(Phase::kTranslate);
      case 2: return Decision::trace_if_nonzero(4).in(Phase::kTranslate);
      default: return Decision::fail(EPERM);
    }
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }

 private:
  int kind_;
};

Decision sendto_by(std::initializer_list<int> kinds) {
  HandlerList list;
  for (int k : kinds) list.push_back(std::make_unique<SendtoBy>(k));
  return build_policy(list, Arch::kX86_64)->decide(Arch::kX86_64, nr_of("sendto", Arch::kX86_64));
}

// A notified handler sees every call; so when another handler must stop
// at the call too (even only sometimes), every call stops.
TEST(BuildPolicy, NotificationsOnlyWhenNoHandlerNeedsTheStop) {
  EXPECT_EQ(sendto_by({0}), Decision::notify());
  EXPECT_EQ(sendto_by({0, 0}), Decision::notify());
  EXPECT_EQ(sendto_by({0, 1}), Decision::trace());
  EXPECT_EQ(sendto_by({1, 0}), Decision::trace());
  EXPECT_EQ(sendto_by({0, 2}), Decision::trace());
  EXPECT_EQ(sendto_by({2, 0}), Decision::trace());
  EXPECT_EQ(sendto_by({0, 3}), Decision::fail(EPERM));  // a constant answer still wins
}

// A handler refusing clone's `bits` (argument 0, EPERM), or tracing
// every clone (bits 0), or answering every clone (bits ~0: ENOSYS).
class CloneBy final : public SyscallHandler {
 public:
  explicit CloneBy(std::uint64_t bits) : bits_(bits) {}
  std::string_view name() const override { return "c"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    if (row.name != "clone") return Decision::allow();
    if (bits_ == 0) return Decision::trace();
    if (bits_ == ~0ULL) return Decision::fail(ENOSYS);
    return Decision::refuse_if_any(0, bits_, EPERM);
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }

 private:
  std::uint64_t bits_;
};

Decision clone_by(std::initializer_list<std::uint64_t> wishes) {
  HandlerList list;
  for (std::uint64_t w : wishes) list.push_back(std::make_unique<CloneBy>(w));
  return build_policy(list, Arch::kX86_64)->decide(Arch::kX86_64, nr_of("clone", Arch::kX86_64));
}

// A refusal goes in front of what the other handlers combine to; two
// refusals of the same argument add up; a constant answer needs none.
TEST(BuildPolicy, RefusalsGoInFrontOfTheCombinedDecision) {
  EXPECT_EQ(clone_by({0x10}), Decision::refuse_if_any(0, 0x10, EPERM));
  EXPECT_EQ(clone_by({0x10, 0}), Decision::trace().refusing(0, 0x10, EPERM));
  EXPECT_EQ(clone_by({0, 0x10}), Decision::trace().refusing(0, 0x10, EPERM));
  EXPECT_EQ(clone_by({0x10, 0x20}), Decision::refuse_if_any(0, 0x30, EPERM));
  EXPECT_EQ(clone_by({0x10, ~0ULL}), Decision::fail(ENOSYS));
  const Decision d = clone_by({0x10, 0});
  auto flags = [](std::uint64_t v) { return [v](int) { return v; }; };
  EXPECT_EQ(d.for_call(flags(0x11)), Decision::fail(EPERM));
  EXPECT_EQ(d.for_call(flags(0x01)), Decision::trace());
}

TEST(SeccompFilter, NotifiedCallsReturnUserNotifAndWithoutNotifyTrace) {
  HandlerList list;
  list.push_back(std::make_unique<SendtoBy>(0));
  const Policy policy = *build_policy(list, Arch::kX86_64);
  EXPECT_TRUE(policy.notifies());
  const auto sendto = static_cast<std::uint32_t>(nr_of("sendto", Arch::kX86_64));
  EXPECT_EQ(verdict(build_filter(policy), AUDIT_ARCH_X86_64, sendto), SECCOMP_RET_USER_NOTIF);
  const Policy traced = policy.without_notify();
  EXPECT_FALSE(traced.notifies());
  EXPECT_EQ(verdict(build_filter(traced), AUDIT_ARCH_X86_64, sendto), SECCOMP_RET_TRACE);
  expect_matches_policy(policy);
  expect_matches_policy(traced);
}

// open(2) and openat(2) notified only when their flags create (O_CREAT,
// the kernel's __O_TMPFILE bit): an open without them, the usual kind,
// costs nothing. Without notifications those stop, the others still run.
TEST(SeccompFilter, ConditionalNotificationOnlyWhenItsBitsAreSet) {
  constexpr std::uint64_t kCreat = 0100, kTmpfile = 020000000, kDirectory = 0200000;
  Policy policy(Arch::kX86_64);
  const int openat = nr_of("openat", Arch::kX86_64);
  policy.set(Arch::kX86_64, openat, Decision::notify_if_any(2, kCreat | kTmpfile));
  auto with_flags = [&](const Policy& p, std::uint64_t flags) {
    seccomp_data d{};
    d.arch = AUDIT_ARCH_X86_64;
    d.nr = openat;
    d.args[0] = d.args[1] = d.args[3] = ~0ULL;  // the others do not count
    d.args[2] = flags;
    return run_bpf(build_filter(p), d);
  };
  EXPECT_EQ(with_flags(policy, 0), SECCOMP_RET_ALLOW);
  EXPECT_EQ(with_flags(policy, kDirectory | 04000), SECCOMP_RET_ALLOW);  // opendir()
  EXPECT_EQ(with_flags(policy, kCreat | 01), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(with_flags(policy, kTmpfile | kDirectory | 02), SECCOMP_RET_USER_NOTIF);
  const Policy traced = policy.without_notify();
  EXPECT_EQ(with_flags(traced, 0), SECCOMP_RET_ALLOW);
  EXPECT_EQ(with_flags(traced, kCreat), SECCOMP_RET_TRACE);
  expect_matches_policy(policy);
  expect_matches_policy(traced);
}

// A handler that asks for openat as a notification when its flags have
// `bits` (~0: every call), or (bits 0) a trace of every call.
class OpenatBy final : public SyscallHandler {
 public:
  explicit OpenatBy(std::uint64_t bits) : bits_(bits) {}
  std::string_view name() const override { return "o"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    if (row.sys != arch::Sys::openat) return Decision::allow();
    // Translators: any number of them may see one call.
    if (bits_ == 0) return Decision::trace().in(Phase::kTranslate);
    const Decision d = bits_ == ~0ULL ? Decision::notify() : Decision::notify_if_any(2, bits_);
    return d.in(Phase::kTranslate);
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }

 private:
  std::uint64_t bits_;
};

Decision openat_by(std::initializer_list<std::uint64_t> wishes) {
  HandlerList list;
  for (std::uint64_t w : wishes) list.push_back(std::make_unique<OpenatBy>(w));
  return build_policy(list, Arch::kX86_64)->decide(Arch::kX86_64, nr_of("openat", Arch::kX86_64));
}

// Conditions combine as conditional traces do: the same one stays, another
// one or none notifies every call, and a trace of every call wins.
TEST(BuildPolicy, ConditionalNotificationsCombineToTheWeakerCondition) {
  EXPECT_EQ(openat_by({0100}), Decision::notify_if_any(2, 0100));
  EXPECT_EQ(openat_by({0100, 0100}), Decision::notify_if_any(2, 0100));
  EXPECT_EQ(openat_by({0100, 01}), Decision::notify());
  EXPECT_EQ(openat_by({0100, ~0ULL}), Decision::notify());
  EXPECT_EQ(openat_by({0100, 0}), Decision::trace());
  EXPECT_EQ(openat_by({0, 0100}), Decision::trace());
}

}  // namespace
}  // namespace cocoon::tracer

namespace cocoon::tracer {
namespace {

// The agent's pass (Decision::pass_key, docs/agent.md): a call whose sixth
// argument is the key, all 64 bits of it, runs; the others get the row's
// decision (a notification, a conditional one, a refusal).
TEST(SeccompFilter, ThePassKeyLetsOnlyItsOwnCallsThrough) {
  constexpr std::uint64_t kKey = 0x1234567890abcdefULL;
  Policy policy(Arch::kX86_64);
  const int stat = nr_of("newfstatat", Arch::kX86_64), openat = nr_of("openat", Arch::kX86_64);
  policy.set(Arch::kX86_64, stat, Decision::notify().passing(kKey));
  policy.set(Arch::kX86_64, openat, Decision::notify_if_any(2, 0100).passing(kKey));
  const auto prog = build_filter(policy);
  auto call = [&](int nr, std::uint64_t flags, std::uint64_t arg5) {
    return x86_call(prog, nr, {{2, flags}, {5, arg5}});
  };
  EXPECT_EQ(call(stat, 0, kKey), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(stat, 0, 0), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(call(stat, 0, kKey & 0xffffffffULL), SECCOMP_RET_USER_NOTIF);  // the low half alone
  EXPECT_EQ(call(stat, 0, kKey & ~0xffffffffULL), SECCOMP_RET_USER_NOTIF);  // the high half alone
  EXPECT_EQ(call(stat, 0, kKey ^ 1), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(call(openat, 0100, kKey), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(openat, 0100, 0), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(call(openat, 0, 0), SECCOMP_RET_ALLOW);
  // The same from the policy, as the tracer decides without the filter.
  auto args = [&](std::uint64_t a5) { return [a5](int i) { return i == 5 ? a5 : 0; }; };
  EXPECT_EQ(policy.decide(Arch::kX86_64, stat).for_call(args(kKey)).action, Action::kAllow);
  EXPECT_EQ(policy.decide(Arch::kX86_64, stat).for_call(args(kKey ^ 1)).action, Action::kNotify);
}

// A handler that gives a pass key for newfstatat, and one that notifies
// or traces it.
class StatBy final : public SyscallHandler {
 public:
  StatBy(Action a, std::uint64_t key) : action_(a), key_(key) {}
  std::string_view name() const override { return "s"; }
  Decision decision(const arch::SyscallDesc& row, Arch) const override {
    if (row.name != "newfstatat") return Decision::allow();
    const Decision d = action_ == Action::kNotify ? Decision::notify() : Decision::trace();
    return d.in(Phase::kTranslate).passing(key_);  // translators: any number of them
  }
  Verdict on_entry(SyscallStop&) override { return Verdict::resume(); }

 private:
  Action action_;
  std::uint64_t key_;
};

// The key one handler gives stays on the row the others notify or trace.
TEST(BuildPolicy, APassKeyStaysOnTheCombinedDecision) {
  HandlerList list;
  list.push_back(std::make_unique<StatBy>(Action::kNotify, 77));
  list.push_back(std::make_unique<StatBy>(Action::kNotify, 0));
  auto d = build_policy(list, Arch::kX86_64)->decide(Arch::kX86_64, nr_of("newfstatat", Arch::kX86_64));
  EXPECT_EQ(d.action, Action::kNotify);
  EXPECT_EQ(d.pass_key, 77u);
  list.push_back(std::make_unique<StatBy>(Action::kTrace, 0));
  d = build_policy(list, Arch::kX86_64)->decide(Arch::kX86_64, nr_of("newfstatat", Arch::kX86_64));
  EXPECT_EQ(d.action, Action::kTrace);
  EXPECT_EQ(d.pass_key, 77u);
}

}  // namespace
}  // namespace cocoon::tracer
