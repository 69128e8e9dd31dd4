#include "cocoon/arch/regs.h"

#include <cstdlib>
#include <cstring>

namespace cocoon::arch {
namespace {

template <std::size_t N>
void load_words(std::array<std::uint64_t, N>& w, std::span<const std::byte> image) {
  // A short image is a broken invariant of the caller (the regset size is
  // fixed per arch), not a guest error.
  if (image.size() != N * 8) std::abort();
  std::memcpy(w.data(), image.data(), N * 8);
}

// struct user_regs_struct (arch/x86/include/asm/user_64.h), word indices.
namespace x86 {
constexpr std::size_t kRbp = 4, kRbx = 5, kR10 = 7, kR9 = 8, kR8 = 9, kRax = 10, kRcx = 11,
                      kRdx = 12, kRsi = 13, kRdi = 14, kOrigRax = 15, kRip = 16, kRsp = 19;
// The x86-64 syscall ABI (entry_64.S): rdi rsi rdx r10 r8 r9.
constexpr std::array<std::size_t, 6> kArgs64{kRdi, kRsi, kRdx, kR10, kR8, kR9};
// The i386 ABI through int 0x80 (entry_64_compat.S): ebx ecx edx esi edi ebp.
constexpr std::array<std::size_t, 6> kArgs32{kRbx, kRcx, kRdx, kRsi, kRdi, kRbp};
}  // namespace x86

// struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): x0-x30, sp, pc.
namespace a64 {
constexpr std::size_t kSp = 31, kPc = 32;
}

// struct user_regs_struct (arch/riscv/include/uapi/asm/ptrace.h): pc, then
// x1..x31, so register xN sits at word N; a0 is x10, a7 is x17.
namespace rv {
constexpr std::size_t kPc = 0, kSp = 2, kA0 = 10, kA7 = 17;
}

}  // namespace

// ---- x86-64 ----

X86_64Regs X86_64Regs::from_bytes(std::span<const std::byte> image) {
  X86_64Regs r;
  load_words(r.w_, image);
  return r;
}
std::span<const std::byte> X86_64Regs::bytes() const { return std::as_bytes(std::span(w_)); }
std::span<std::byte> X86_64Regs::mutable_bytes() { return std::as_writable_bytes(std::span(w_)); }

long X86_64Regs::nr() const { return static_cast<long>(w_[x86::kOrigRax]); }

std::uint64_t X86_64Regs::arg(int i, Arch abi) const {
  const auto idx = static_cast<std::size_t>(i);
  if (abi == Arch::kI386) return w_[x86::kArgs32[idx]] & 0xffffffffu;
  return w_[x86::kArgs64[idx]];
}
std::int64_t X86_64Regs::result() const { return static_cast<std::int64_t>(w_[x86::kRax]); }
std::uint64_t X86_64Regs::ip() const { return w_[x86::kRip]; }
std::uint64_t X86_64Regs::sp() const { return w_[x86::kRsp]; }
void X86_64Regs::set_nr(long nr) { w_[x86::kOrigRax] = static_cast<std::uint64_t>(nr); }

void X86_64Regs::set_arg(int i, std::uint64_t v, Arch abi) {
  const auto idx = static_cast<std::size_t>(i);
  if (abi == Arch::kI386) {
    w_[x86::kArgs32[idx]] = v & 0xffffffffu;
  } else {
    w_[x86::kArgs64[idx]] = v;
  }
}
void X86_64Regs::set_result(std::int64_t v) { w_[x86::kRax] = static_cast<std::uint64_t>(v); }
// `syscall` and `int 0x80` read the number from rax (orig_rax is the
// kernel's copy) and the arguments from their registers.
void X86_64Regs::rewind_to_call(long nr, std::uint64_t arg0, Arch abi) {
  w_[x86::kRip] -= syscall_insn_size(abi);
  w_[x86::kRax] = static_cast<std::uint64_t>(nr);
  set_arg(0, arg0, abi);
}
void X86_64Regs::set_call(std::uint64_t insn_ip, long nr, const std::array<std::uint64_t, 6>& args) {
  w_[x86::kRip] = insn_ip;
  w_[x86::kRax] = static_cast<std::uint64_t>(nr);
  w_[x86::kOrigRax] = ~std::uint64_t{0};
  for (std::size_t i = 0; i < args.size(); ++i) w_[x86::kArgs64[i]] = args[i];
}
std::size_t X86_64Regs::arg_offset(int i, Arch abi) {
  const auto idx = static_cast<std::size_t>(i);
  return 8 * (abi == Arch::kI386 ? x86::kArgs32[idx] : x86::kArgs64[idx]);
}

// ---- aarch64 ----

Aarch64Regs Aarch64Regs::from_bytes(std::span<const std::byte> image, long syscall_nr,
                                    std::uint64_t orig_x0) {
  Aarch64Regs r;
  load_words(r.w_, image);
  r.nr_ = syscall_nr;
  r.orig_x0_ = orig_x0;
  return r;
}
std::span<const std::byte> Aarch64Regs::bytes() const { return std::as_bytes(std::span(w_)); }
std::span<std::byte> Aarch64Regs::mutable_bytes() { return std::as_writable_bytes(std::span(w_)); }

long Aarch64Regs::nr() const { return nr_; }
std::uint64_t Aarch64Regs::arg(int i) const {
  return i == 0 ? orig_x0_ : w_[static_cast<std::size_t>(i)];
}
std::int64_t Aarch64Regs::result() const { return static_cast<std::int64_t>(w_[0]); }
std::uint64_t Aarch64Regs::ip() const { return w_[a64::kPc]; }
std::uint64_t Aarch64Regs::sp() const { return w_[a64::kSp]; }

void Aarch64Regs::set_nr(long nr) {
  nr_ = nr;
  nr_changed_ = true;
}
// At entry the kernel passes regs[0] as arg0 (invoke_syscall,
// arch/arm64/kernel/syscall.c); orig_x0 only serves restarts.
void Aarch64Regs::set_arg(int i, std::uint64_t v) {
  if (i == 0) orig_x0_ = v;
  w_[static_cast<std::size_t>(i)] = v;
}
void Aarch64Regs::set_result(std::int64_t v) { w_[0] = static_cast<std::uint64_t>(v); }
// `svc #0` reads the number from x8 and arg0 from x0 (el0_svc_common).
void Aarch64Regs::rewind_to_call(long nr, std::uint64_t arg0) {
  w_[a64::kPc] -= syscall_insn_size(Arch::kAarch64);
  w_[8] = static_cast<std::uint64_t>(nr);
  w_[0] = arg0;
}

// x0-x5 the arguments, x8 the number (el0_svc_common: the syscallno the
// tracer may set at the entry stop is taken from x8 at the svc). A call
// left at an exit stop keeps its syscallno, so a signal pending there
// would read x0 for a restart code: the arguments cocoon injects (fds,
// pointers, flags) are never -512..-516.
void Aarch64Regs::set_call(std::uint64_t insn_ip, long nr,
                           const std::array<std::uint64_t, 6>& args) {
  w_[a64::kPc] = insn_ip;
  w_[8] = static_cast<std::uint64_t>(nr);
  for (std::size_t i = 0; i < args.size(); ++i) w_[i] = args[i];
}

// ---- riscv64 ----

Riscv64Regs Riscv64Regs::from_bytes(std::span<const std::byte> image, std::uint64_t orig_a0) {
  Riscv64Regs r;
  load_words(r.w_, image);
  r.orig_a0_ = orig_a0;
  return r;
}
std::span<const std::byte> Riscv64Regs::bytes() const { return std::as_bytes(std::span(w_)); }
std::span<std::byte> Riscv64Regs::mutable_bytes() { return std::as_writable_bytes(std::span(w_)); }

long Riscv64Regs::nr() const { return static_cast<long>(w_[rv::kA7]); }
std::uint64_t Riscv64Regs::arg(int i) const {
  return i == 0 ? orig_a0_ : w_[rv::kA0 + static_cast<std::size_t>(i)];
}
std::int64_t Riscv64Regs::result() const { return static_cast<std::int64_t>(w_[rv::kA0]); }
std::uint64_t Riscv64Regs::ip() const { return w_[rv::kPc]; }
std::uint64_t Riscv64Regs::sp() const { return w_[rv::kSp]; }
// The kernel re-reads a7 after the entry stop (syscall_enter_from_user_mode
// returns syscall_get_nr()), so writing it changes the call.
void Riscv64Regs::set_nr(long nr) { w_[rv::kA7] = static_cast<std::uint64_t>(nr); }

// The syscall takes arg0 from orig_a0 (arch/riscv/kernel/traps.c,
// do_trap_ecall_u), which NT_PRSTATUS does not carry: a changed arg0 is only
// recorded here, for SyscallRegs::store to send by PTRACE_SET_SYSCALL_INFO.
void Riscv64Regs::set_arg(int i, std::uint64_t v) {
  if (i == 0) {
    orig_a0_ = v;
    arg0_changed_ = true;
    return;
  }
  w_[rv::kA0 + static_cast<std::size_t>(i)] = v;
}
void Riscv64Regs::set_result(std::int64_t v) { w_[rv::kA0] = static_cast<std::uint64_t>(v); }
// `ecall` reads the number from a7 and arg0 from a0, which the kernel then
// copies into orig_a0 (do_trap_ecall_u): the one way to give a call an arg0
// of the tracer's choosing before PTRACE_SET_SYSCALL_INFO.
void Riscv64Regs::rewind_to_call(long nr, std::uint64_t arg0) {
  w_[rv::kPc] -= syscall_insn_size(Arch::kRiscv64);
  w_[rv::kA7] = static_cast<std::uint64_t>(nr);
  w_[rv::kA0] = arg0;
}

// a0-a5 the arguments (the ecall copies a0 into orig_a0), a7 the number.
void Riscv64Regs::set_call(std::uint64_t insn_ip, long nr,
                           const std::array<std::uint64_t, 6>& args) {
  w_[rv::kPc] = insn_ip;
  w_[rv::kA7] = static_cast<std::uint64_t>(nr);
  for (std::size_t i = 0; i < args.size(); ++i) w_[rv::kA0 + i] = args[i];
}

}  // namespace cocoon::arch
