// Register images of a stopped tracee, one plain value type per arch. All three
// are compiled on every host, so x86-64 CI unit-tests aarch64 and riscv64 from
// captured images; only regs_io.h touches ptrace.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "cocoon/arch/arch.h"

namespace cocoon::arch {

// struct user_regs_struct of x86-64 (27 u64, NT_PRSTATUS). Also decodes the
// i386 ABI of an `int 0x80` call made by a 64-bit process: number in orig_rax,
// args in ebx ecx edx esi edi ebp (arch/x86/entry/entry_64_compat.S).
class X86_64Regs {
 public:
  static constexpr std::size_t kWords = 27;
  static constexpr std::size_t kSize = kWords * 8;

  X86_64Regs() = default;
  static X86_64Regs from_bytes(std::span<const std::byte> image);  // kSize bytes
  std::span<const std::byte> bytes() const;
  std::span<std::byte> mutable_bytes();

  long nr() const;                        // orig_rax
  std::uint64_t arg(int i, Arch abi = Arch::kX86_64) const;
  std::int64_t result() const;            // rax
  std::uint64_t ip() const;               // rip
  std::uint64_t sp() const;               // rsp
  void set_nr(long nr);
  void set_arg(int i, std::uint64_t v, Arch abi = Arch::kX86_64);
  void set_result(std::int64_t v);
  // At the exit stop of a call skipped at its entry: sets the registers
  // so that the task, resumed, runs the call's instruction again with
  // number `nr` and arg0 `arg0` in the registers that instruction reads
  // (the ip moved back onto it). SyscallRegs::rerun_call.
  void rewind_to_call(long nr, std::uint64_t arg0, Arch abi = Arch::kX86_64);
  // Sets the registers so that the task, resumed, runs syscall `nr`
  // with `args` from the syscall instruction at `insn_ip`: a call of the
  // tracer's own made in the task (tracer/src/injection.cc). Every other
  // register keeps its value; orig_rax becomes -1, so that the kernel's
  // restart logic never takes the call left for a restartable one.
  void set_call(std::uint64_t insn_ip, long nr, const std::array<std::uint64_t, 6>& args);
  // Byte offset of argument i in struct user_regs_struct: where
  // PTRACE_POKEUSER writes it (one word, instead of a regset round trip).
  static std::size_t arg_offset(int i, Arch abi = Arch::kX86_64);

 private:
  std::array<std::uint64_t, kWords> w_{};
};

// struct user_pt_regs of aarch64 (x0-x30, sp, pc, pstate; NT_PRSTATUS). The
// kernel ignores writes of x8 for the syscall number: it is set through the
// NT_ARM_SYSTEM_CALL regset, so the number is held apart from the image. x0 is
// both arg0 and the result: the entry value of arg0 is held apart too.
class Aarch64Regs {
 public:
  static constexpr std::size_t kWords = 34;
  static constexpr std::size_t kSize = kWords * 8;

  Aarch64Regs() = default;
  // `syscall_nr` as read from NT_ARM_SYSTEM_CALL; `orig_x0` the entry arg0.
  static Aarch64Regs from_bytes(std::span<const std::byte> image, long syscall_nr,
                                std::uint64_t orig_x0);
  std::span<const std::byte> bytes() const;
  std::span<std::byte> mutable_bytes();

  long nr() const;
  std::uint64_t arg(int i) const;  // arg(0) is orig_x0
  std::int64_t result() const;     // x0
  std::uint64_t ip() const;        // pc
  std::uint64_t sp() const;
  void set_nr(long nr);
  void set_arg(int i, std::uint64_t v);
  void set_result(std::int64_t v);
  // At the exit stop of a call skipped at its entry: sets the registers
  // so that the task, resumed, runs the call's instruction again with
  // number `nr` and arg0 `arg0` in the registers that instruction reads
  // (the ip moved back onto it). SyscallRegs::rerun_call.
  void rewind_to_call(long nr, std::uint64_t arg0);
  // Sets the registers so that the task, resumed, runs syscall `nr`
  // with `args` from the syscall instruction at `insn_ip`: a call of the
  // tracer's own made in the task (tracer/src/injection.cc). Every other
  // register keeps its value.
  void set_call(std::uint64_t insn_ip, long nr, const std::array<std::uint64_t, 6>& args);
  bool nr_changed() const { return nr_changed_; }

 private:
  std::array<std::uint64_t, kWords> w_{};
  long nr_ = -1;
  std::uint64_t orig_x0_ = 0;
  bool nr_changed_ = false;
};

// struct user_regs_struct of riscv64 (pc, x1-x31; NT_PRSTATUS). Number in a7,
// args a0-a5, result a0. At a seccomp or entry stop a0 already reads -ENOSYS:
// the kernel keeps the real arg0 in orig_a0, which no regset exposes before
// NT_RISCV_ORIG_A0. So arg0 is held apart, and a changed arg0 can only reach
// the kernel through PTRACE_SET_SYSCALL_INFO (Linux 6.16+): see regs_io.h.
class Riscv64Regs {
 public:
  static constexpr std::size_t kWords = 32;
  static constexpr std::size_t kSize = kWords * 8;

  Riscv64Regs() = default;
  static Riscv64Regs from_bytes(std::span<const std::byte> image, std::uint64_t orig_a0);
  std::span<const std::byte> bytes() const;
  std::span<std::byte> mutable_bytes();

  long nr() const;                 // a7
  std::uint64_t arg(int i) const;  // arg(0) is orig_a0
  std::int64_t result() const;     // a0
  std::uint64_t ip() const;        // pc
  std::uint64_t sp() const;
  void set_nr(long nr);
  void set_arg(int i, std::uint64_t v);
  void set_result(std::int64_t v);
  // At the exit stop of a call skipped at its entry: sets the registers
  // so that the task, resumed, runs the call's instruction again with
  // number `nr` and arg0 `arg0` in the registers that instruction reads
  // (the ip moved back onto it). SyscallRegs::rerun_call.
  void rewind_to_call(long nr, std::uint64_t arg0);
  // Sets the registers so that the task, resumed, runs syscall `nr`
  // with `args` from the syscall instruction at `insn_ip`: a call of the
  // tracer's own made in the task (tracer/src/injection.cc). Every other
  // register keeps its value.
  void set_call(std::uint64_t insn_ip, long nr, const std::array<std::uint64_t, 6>& args);
  bool arg0_changed() const { return arg0_changed_; }

 private:
  std::array<std::uint64_t, kWords> w_{};
  std::uint64_t orig_a0_ = 0;
  bool arg0_changed_ = false;
};

}  // namespace cocoon::arch
