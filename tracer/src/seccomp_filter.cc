#include "cocoon/tracer/seccomp_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <utility>

namespace cocoon::tracer {
namespace {

using Program = std::vector<sock_filter>;

// A run of syscall numbers [start, next range's start) with one decision.
struct Range {
  std::uint32_t start;
  Decision decision;
};

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}

std::vector<Range> ranges_of(const Policy& policy, arch::Arch abi) {
  std::vector<Range> out;
  auto add = [&out](std::uint32_t nr, Decision d) {
    if (out.empty() || !(out.back().decision == d)) out.push_back({nr, d});
  };
  const int size = policy.size(abi);
  for (int nr = 0; nr < size; ++nr) add(static_cast<std::uint32_t>(nr), policy.decide(abi, nr));
  add(static_cast<std::uint32_t>(size), Policy::unknown_decision());
  // x32 calls share AUDIT_ARCH_X86_64 and set bit 30 of nr (arch/x86/include/
  // asm/unistd.h, __X32_SYSCALL_BIT): never let them through untranslated,
  // even on kernels built with CONFIG_X86_X32_ABI.
  if (abi == arch::Arch::kX86_64) add(arch::kX32SyscallBit, Policy::unknown_decision());
  return out;
}

std::uint32_t arg_offset(int arg) {
  return static_cast<std::uint32_t>(offsetof(seccomp_data, args) +
                                    sizeof(std::uint64_t) * static_cast<std::size_t>(arg));
}

// Returns `ret` when the 64-bit argument at `at` has any bit of `bits`:
// each 32-bit half of seccomp_data.args with bits to test is loaded and
// tested with jset; falls through otherwise.
Program any_bit(std::uint32_t at, std::uint64_t bits, std::uint32_t ret) {
  Program out;
  for (const auto& [offset, half] : {std::pair{at, static_cast<std::uint32_t>(bits)},
                                     std::pair{at + 4, static_cast<std::uint32_t>(bits >> 32)}}) {
    if (half == 0) continue;
    out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offset));
    out.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, half, 0, 1));
    out.push_back(stmt(BPF_RET | BPF_K, ret));
  }
  return out;
}

// A refusal's test, in front of the rest of the leaf: each half of the
// argument that has bits to test is loaded and tested with jset (on the
// little-endian hosts cocoon runs on the low half comes first). An i386
// call's arguments are zero-extended, so its high half is 0.
Program refusal(const Decision& d) {
  if (!d.refuses()) return {};
  static_assert(std::endian::native == std::endian::little);
  const std::uint32_t at = arg_offset(d.refuse_arg);
  const auto ret = static_cast<std::uint32_t>(SECCOMP_RET_ERRNO | (d.refuse_err & SECCOMP_RET_DATA));
  return any_bit(at, d.refuse_bits, ret);
}

// The value tests, after the refusal: the argument's low half is loaded
// once and compared with each value (the high half is not the kernel's,
// policy.h). A stop for a value is left out when the decision stops at
// every call anyway.
Program value_tests(const Decision& d) {
  Program out;
  if (!d.tests_values()) return out;
  const bool traces = d.trace_count > 0 && !d.stops_always();
  if (d.refuse_count == 0 && !traces) return out;
  out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arg_offset(d.value_arg)));
  const auto refuse = static_cast<std::uint32_t>(SECCOMP_RET_ERRNO | (d.value_err & SECCOMP_RET_DATA));
  for (std::uint8_t i = 0; i < d.refuse_count; ++i) {
    out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, d.refuse_values[i], 0, 1));
    out.push_back(stmt(BPF_RET | BPF_K, refuse));
  }
  for (std::uint8_t i = 0; traces && i < d.trace_count; ++i) {
    out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, d.trace_values[i], 0, 1));
    out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
  }
  return out;
}

// The decision itself. A conditional one tests its argument's two 32-bit
// halves (seccomp_data.args are 64 bits on every ABI) with jset, as a
// refusal does, and allows when neither has any of its bits.
Program leaf_action(const Decision& d) {
  const std::uint32_t ret = seccomp_return(d);
  if (!d.conditional()) return {stmt(BPF_RET | BPF_K, ret)};
  const std::uint32_t at = arg_offset(d.nonzero_arg);
  Program out = any_bit(at, d.when_bits, ret);
  out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return out;
}

// The agent's own calls (Decision::pass_key): allowed when the sixth
// argument's two halves are the key's, before anything else of the leaf.
Program pass(const Decision& d) {
  if (d.pass_key == 0) return {};
  const std::uint32_t at = arg_offset(5);
  return {stmt(BPF_LD | BPF_W | BPF_ABS, at),
          jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(d.pass_key), 0, 3),
          stmt(BPF_LD | BPF_W | BPF_ABS, at + 4),
          jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(d.pass_key >> 32), 0, 1),
          stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
}

// The end of a search: the agent's pass, the refusal if any, then the
// decision.
Program leaf(const Decision& d) {
  Program out = pass(d);
  const Program refused = refusal(d);
  out.insert(out.end(), refused.begin(), refused.end());
  const Program values = value_tests(d);
  out.insert(out.end(), values.begin(), values.end());
  const Program rest = leaf_action(d);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

// Emits a search over ranges[lo, hi): "nr >= split ? right : left". Jumps in
// classic BPF have 8-bit offsets, so a long left branch is stepped over with a
// BPF_JA, whose offset is 32 bits.
Program search(const std::vector<Range>& r, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return leaf(r[lo].decision);
  const std::size_t mid = lo + (hi - lo) / 2;
  Program left = search(r, lo, mid);
  Program right = search(r, mid, hi);
  Program out;
  if (left.size() <= std::numeric_limits<std::uint8_t>::max()) {
    out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, r[mid].start,
                       static_cast<std::uint8_t>(left.size()), 0));
  } else {
    out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, r[mid].start, 0, 1));
    out.push_back(stmt(BPF_JMP | BPF_JA, static_cast<std::uint32_t>(left.size())));
  }
  out.insert(out.end(), left.begin(), left.end());
  out.insert(out.end(), right.begin(), right.end());
  return out;
}

Program section_for(const Policy& policy, arch::Arch abi) {
  Program out{stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr))};
  const auto ranges = ranges_of(policy, abi);
  Program tree = search(ranges, 0, ranges.size());
  out.insert(out.end(), tree.begin(), tree.end());
  return out;
}

}  // namespace

std::uint32_t seccomp_return(Decision d, std::uint16_t trace_data) {
  switch (d.action) {
    case Action::kAllow: return SECCOMP_RET_ALLOW;
    case Action::kTrace: return SECCOMP_RET_TRACE | trace_data;
    case Action::kNotify: return SECCOMP_RET_USER_NOTIF;
    case Action::kErrno: return SECCOMP_RET_ERRNO | (d.err & SECCOMP_RET_DATA);
    case Action::kKill: return SECCOMP_RET_KILL_PROCESS;
  }
  return SECCOMP_RET_KILL_PROCESS;
}

std::vector<sock_filter> build_filter(const Policy& policy, std::uint16_t trace_data) {
  const auto abis = policy.abis();
  std::vector<Program> sections;
  for (arch::Arch abi : abis) sections.push_back(section_for(policy, abi));

  // Dispatch: for each ABI "jeq arch ? (ja section) : next", then kill.
  Program out{stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch))};
  const std::size_t dispatch_len = 2 * abis.size() + 1;
  std::size_t section_offset = 0;  // from the end of the dispatch block
  for (std::size_t i = 0; i < abis.size(); ++i) {
    out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, arch::audit_arch(abis[i]), 0, 1));
    // The ja sits at dispatch index 2i+2 (after the ld); it lands on the
    // section's first instruction.
    const std::size_t after_ja = 1 + 2 * i + 2;
    const std::size_t target = 1 + dispatch_len + section_offset;
    out.push_back(stmt(BPF_JMP | BPF_JA, static_cast<std::uint32_t>(target - after_ja)));
    section_offset += sections[i].size();
  }
  out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  for (const auto& s : sections) out.insert(out.end(), s.begin(), s.end());
  for (sock_filter& insn : out) {
    if (insn.code == (BPF_RET | BPF_K) && insn.k == SECCOMP_RET_TRACE) insn.k |= trace_data;
  }
  return out;
}

std::uint16_t own_trace_data() {
  constexpr std::uint16_t kBase = 0xc0c0;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Seccomp_filters:")) {
      return static_cast<std::uint16_t>(kBase + std::strtoul(line.c_str() + 16, nullptr, 10));
    }
  }
  return kBase;
}

int install_filter(const std::vector<sock_filter>& prog, int* listener, bool spec_allow) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  sock_fprog fprog{static_cast<unsigned short>(prog.size()),
                   const_cast<sock_filter*>(prog.data())};
  // WAIT_KILLABLE_RECV (Linux 5.19): once cocoon has received a call, only
  // a fatal signal interrupts the guest's wait, so no call cocoon acted on
  // is aborted and then made again (a mknod would find its own file).
  const unsigned flags = (listener != nullptr ? SECCOMP_FILTER_FLAG_NEW_LISTENER |
                                                    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
                                              : 0) |
                         (spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);
  const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (r < 0) return errno;
  if (listener != nullptr) *listener = static_cast<int>(r);
  return 0;
}

int install_user_filter(const std::vector<sock_filter>& prog) {
  sock_fprog fprog{static_cast<unsigned short>(prog.size()),
                   const_cast<sock_filter*>(prog.data())};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == 0 ? 0 : errno;
}

}  // namespace cocoon::tracer
