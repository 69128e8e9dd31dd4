#include "cocoon/cbpf/filter.h"

#include <cerrno>
#include <cstring>
#include <vector>

namespace cocoon::cbpf {
namespace {

constexpr std::uint16_t kLdAbs = BPF_LD | BPF_W | BPF_ABS;
constexpr std::uint16_t kLdLen = BPF_LD | BPF_W | BPF_LEN;
constexpr std::uint16_t kLdxLen = BPF_LDX | BPF_W | BPF_LEN;

bool is_conditional_jump(std::uint16_t code) {
  if (BPF_CLASS(code) != BPF_JMP) return false;
  const std::uint16_t op = BPF_OP(code);
  return op == BPF_JEQ || op == BPF_JGT || op == BPF_JGE || op == BPF_JSET;
}

// seccomp_check_filter()'s list (kernel/seccomp.c), the loads of
// seccomp_data included: no packet loads, no MOD, no ancillary data.
bool seccomp_allows(std::uint16_t code) {
  switch (code) {
    case kLdAbs: case kLdLen: case kLdxLen:
    case BPF_RET | BPF_K: case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
    case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
    case BPF_ST: case BPF_STX:
    case BPF_JMP | BPF_JA:
    case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
      return true;
    default:
      return false;
  }
}

// One instruction's own checks (bpf_check_classic()): constants the
// kernel refuses, and jumps that would leave the program.
bool instruction_ok(const sock_filter& in, std::size_t pc, std::size_t len) {
  const std::size_t left = len - pc - 1;  // instructions after this one
  switch (in.code) {
    case BPF_ALU | BPF_DIV | BPF_K: return in.k != 0;
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_K: return in.k < 32;
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
    case BPF_ST: case BPF_STX: return in.k < BPF_MEMWORDS;
    case BPF_JMP | BPF_JA: return in.k < left;
    case kLdAbs: return in.k < sizeof(seccomp_data) && in.k % 4 == 0;
    default: break;
  }
  if (is_conditional_jump(in.code)) return in.jt < left && in.jf < left;
  return true;
}

// check_load_and_stores() (net/core/filter.c): a scratch slot is read
// only where every path to the read has written it. Jumps go forward
// only, so one pass in order sees every way into an instruction first.
bool loads_follow_stores(std::span<const sock_filter> prog) {
  std::vector<std::uint16_t> masks(prog.size(), 0xffff);
  std::uint16_t valid = 0;
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    valid &= masks[pc];
    const sock_filter& in = prog[pc];
    if (in.code == BPF_ST || in.code == BPF_STX) {
      valid |= static_cast<std::uint16_t>(1u << in.k);
    } else if (in.code == (BPF_LD | BPF_MEM) || in.code == (BPF_LDX | BPF_MEM)) {
      if ((valid & (1u << in.k)) == 0) return false;
    } else if (in.code == (BPF_JMP | BPF_JA)) {
      masks[pc + 1 + in.k] &= valid;
      valid = 0xffff;
    } else if (is_conditional_jump(in.code)) {
      masks[pc + 1 + in.jt] &= valid;
      masks[pc + 1 + in.jf] &= valid;
      valid = 0xffff;
    }
  }
  return true;
}

std::uint32_t alu(std::uint16_t op, std::uint32_t a, std::uint32_t operand) {
  switch (op) {
    case BPF_ADD: return a + operand;
    case BPF_SUB: return a - operand;
    case BPF_MUL: return a * operand;
    case BPF_DIV: return a / operand;  // run() answers a division by X == 0
    case BPF_AND: return a & operand;
    case BPF_OR: return a | operand;
    case BPF_XOR: return a ^ operand;
    // The classic program runs as eBPF, whose 32-bit shifts take the
    // count modulo 32 (kernel/bpf/core.c, ALU_LSH_X: `SRC & 31`).
    case BPF_LSH: return a << (operand & 31);
    case BPF_RSH: return a >> (operand & 31);
    default: return 0;
  }
}

bool jump_taken(std::uint16_t op, std::uint32_t a, std::uint32_t operand) {
  switch (op) {
    case BPF_JEQ: return a == operand;
    case BPF_JGT: return a > operand;
    case BPF_JGE: return a >= operand;
    default: return (a & operand) != 0;  // BPF_JSET
  }
}

}  // namespace

int check(std::span<const sock_filter> prog) {
  if (prog.empty() || prog.size() > kMaxInsns) return EINVAL;
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    if (!seccomp_allows(prog[pc].code) || !instruction_ok(prog[pc], pc, prog.size())) return EINVAL;
  }
  const std::uint16_t last = prog.back().code;
  if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A)) return EINVAL;
  return loads_follow_stores(prog) ? 0 : EINVAL;
}

std::uint32_t run(std::span<const sock_filter> prog, const seccomp_data& data) {
  std::uint32_t a = 0, x = 0;  // both start at 0 (bpf_convert_filter())
  std::uint32_t mem[BPF_MEMWORDS] = {};
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& in = prog[pc];
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        if (in.code == kLdAbs) {
          std::memcpy(&a, reinterpret_cast<const char*>(&data) + in.k, sizeof a);
        } else if (in.code == kLdLen) {
          a = sizeof(seccomp_data);
        } else {
          a = BPF_MODE(in.code) == BPF_MEM ? mem[in.k] : in.k;
        }
        break;
      case BPF_LDX:
        if (in.code == kLdxLen) {
          x = sizeof(seccomp_data);
        } else {
          x = BPF_MODE(in.code) == BPF_MEM ? mem[in.k] : in.k;
        }
        break;
      case BPF_ST: mem[in.k] = a; break;
      case BPF_STX: mem[in.k] = x; break;
      case BPF_ALU: {
        if (BPF_OP(in.code) == BPF_NEG) {
          a = 0u - a;
          break;
        }
        const std::uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
        // A classic program dividing by zero returns 0 (bpf_convert_filter(),
        // net/core/filter.c), which seccomp takes as SECCOMP_RET_KILL_THREAD.
        if (BPF_OP(in.code) == BPF_DIV && operand == 0) return 0;
        a = alu(BPF_OP(in.code), a, operand);
        break;
      }
      case BPF_JMP:
        if (BPF_OP(in.code) == BPF_JA) {
          pc += in.k;
        } else {
          const std::uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
          pc += jump_taken(BPF_OP(in.code), a, operand) ? in.jt : in.jf;
        }
        break;
      case BPF_RET: return BPF_RVAL(in.code) == BPF_A ? a : in.k;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX) {
          x = a;
        } else {
          a = x;
        }
        break;
      default: break;
    }
  }
  return 0;  // unreachable for a checked program, which ends with a RET
}

}  // namespace cocoon::cbpf
