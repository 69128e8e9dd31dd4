// A classic-BPF interpreter for the subset seccomp filters use, so tests can
// run the filter cocoon generates on any seccomp_data without a kernel.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace cocoon::test {

inline std::uint32_t run_bpf(const std::vector<sock_filter>& prog, const seccomp_data& data) {
  std::uint32_t acc = 0;
  std::size_t pc = 0;
  std::size_t steps = 0;
  while (pc < prog.size()) {
    if (++steps > 100000) throw std::runtime_error("filter does not terminate");
    const sock_filter& in = prog[pc];
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k + 4 > sizeof data || in.k % 4 != 0) throw std::runtime_error("bad load");
        std::memcpy(&acc, reinterpret_cast<const char*>(&data) + in.k, 4);
        ++pc;
        break;
      case BPF_JMP | BPF_JA: pc += 1 + in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += 1 + (acc == in.k ? in.jt : in.jf); break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += 1 + (acc >= in.k ? in.jt : in.jf); break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += 1 + (acc > in.k ? in.jt : in.jf); break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += 1 + ((acc & in.k) ? in.jt : in.jf); break;
      case BPF_RET | BPF_K: return in.k;
      default: throw std::runtime_error("unsupported BPF instruction");
    }
  }
  throw std::runtime_error("fell off the end of the filter");
}

}  // namespace cocoon::test
