// Register decoding for all three arches, on any host. The images are laid
// out word by word as the kernel's NT_PRSTATUS structs are (cited per arch);
// captured_test.cc checks the same decoders against images captured on real
// x86-64, aarch64 and riscv64 kernels, and regs_io_test.cc against the live
// host.
#include "cocoon/arch/regs.h"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstring>
#if defined(__x86_64__)
#include <sys/user.h>
#endif

namespace cocoon::arch {
namespace {

template <std::size_t N>
std::array<std::byte, N * 8> image_of(const std::array<std::uint64_t, N>& words) {
  std::array<std::byte, N * 8> out;
  std::memcpy(out.data(), words.data(), out.size());
  return out;
}

template <std::size_t N>
std::uint64_t word(std::span<const std::byte> bytes, std::size_t i) {
  std::uint64_t w;
  std::memcpy(&w, bytes.data() + i * 8, 8);
  return w;
}

// x86-64 user_regs_struct: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx
// rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs.
std::array<std::uint64_t, 27> x86_image() {
  std::array<std::uint64_t, 27> w{};
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0x1000 + i;
  w[15] = 257;                              // orig_rax: openat
  w[10] = static_cast<std::uint64_t>(-38);  // rax: -ENOSYS at entry
  w[14] = 0xffffff9c;                       // rdi: AT_FDCWD (as int)
  w[13] = 0x7ffd0000;                       // rsi: path pointer
  w[16] = 0x401000;                         // rip
  w[19] = 0x7ffc0000;                       // rsp
  return w;
}

TEST(X86_64Regs, DecodesTheSyscallAbi) {
  const auto img = image_of(x86_image());
  const auto r = X86_64Regs::from_bytes(img);
  EXPECT_EQ(r.nr(), 257);
  EXPECT_EQ(r.arg(0), 0xffffff9cu);
  EXPECT_EQ(r.arg(1), 0x7ffd0000u);
  EXPECT_EQ(r.arg(2), 0x1000u + 12);  // rdx
  EXPECT_EQ(r.arg(3), 0x1000u + 7);   // r10, not rcx (the syscall insn clobbers rcx)
  EXPECT_EQ(r.arg(4), 0x1000u + 9);   // r8
  EXPECT_EQ(r.arg(5), 0x1000u + 8);   // r9
  EXPECT_EQ(r.result(), -38);
  EXPECT_EQ(r.ip(), 0x401000u);
  EXPECT_EQ(r.sp(), 0x7ffc0000u);
}

// PTRACE_POKEUSER's offsets name the same words arg() reads, for both ABIs
// (on an x86-64 host, also the same as <sys/user.h>'s offsetof).
TEST(X86_64Regs, ArgOffsetsAreTheWordsArgReads) {
  const auto img = image_of(x86_image());
  const auto r = X86_64Regs::from_bytes(img);
  for (Arch abi : {Arch::kX86_64, Arch::kI386}) {
    for (int i = 0; i < 6; ++i) {
      const std::size_t off = X86_64Regs::arg_offset(i, abi);
      ASSERT_EQ(off % 8, 0u);
      std::uint64_t w = word<27>(img, off / 8);
      if (abi == Arch::kI386) w &= 0xffffffffu;
      EXPECT_EQ(w, r.arg(i, abi)) << "arg " << i;
    }
  }
#if defined(__x86_64__)
  EXPECT_EQ(X86_64Regs::arg_offset(0), offsetof(user_regs_struct, rdi));
  EXPECT_EQ(X86_64Regs::arg_offset(3), offsetof(user_regs_struct, r10));
  EXPECT_EQ(X86_64Regs::arg_offset(0, Arch::kI386), offsetof(user_regs_struct, rbx));
  EXPECT_EQ(X86_64Regs::arg_offset(5, Arch::kI386), offsetof(user_regs_struct, rbp));
#endif
}

TEST(X86_64Regs, DecodesTheI386AbiOfInt80) {
  auto w = x86_image();
  w[5] = 0xdeadbeef00000001;  // rbx: only ebx counts
  const auto r = X86_64Regs::from_bytes(image_of(w));
  EXPECT_EQ(r.arg(0, Arch::kI386), 1u);              // ebx
  EXPECT_EQ(r.arg(1, Arch::kI386), 0x1000u + 11);    // ecx
  EXPECT_EQ(r.arg(2, Arch::kI386), 0x1000u + 12);    // edx
  EXPECT_EQ(r.arg(3, Arch::kI386), 0x7ffd0000u);     // esi
  EXPECT_EQ(r.arg(4, Arch::kI386), 0xffffff9cu);     // edi
  EXPECT_EQ(r.arg(5, Arch::kI386), 0x1000u + 4);     // ebp
}

TEST(X86_64Regs, EditsLandInTheRightWords) {
  auto r = X86_64Regs::from_bytes(image_of(x86_image()));
  r.set_nr(-1);
  r.set_result(-1);
  r.set_arg(3, 0xabc);
  r.set_arg(0, 0x1'0000'0007, Arch::kI386);  // truncated to ebx
  EXPECT_EQ(word<27>(r.bytes(), 15), ~0ull);
  EXPECT_EQ(word<27>(r.bytes(), 10), ~0ull);
  EXPECT_EQ(word<27>(r.bytes(), 7), 0xabcu);
  EXPECT_EQ(word<27>(r.bytes(), 5), 7u);
  EXPECT_EQ(word<27>(r.bytes(), 11), 0x1000u + 11);  // rcx untouched
}

// aarch64 user_pt_regs: x0..x30, sp, pc, pstate. The number comes from
// NT_ARM_SYSTEM_CALL, arg0 from the saved entry x0.
std::array<std::uint64_t, 34> a64_image() {
  std::array<std::uint64_t, 34> w{};
  for (std::size_t i = 0; i < 31; ++i) w[i] = 0x2000 + i;
  w[0] = static_cast<std::uint64_t>(-38);  // x0 once the kernel set -ENOSYS
  w[8] = 56;                               // x8: openat (not authoritative)
  w[31] = 0xfffff000;                      // sp
  w[32] = 0x400800;                        // pc
  return w;
}

TEST(Aarch64Regs, DecodesTheSyscallAbi) {
  const auto r = Aarch64Regs::from_bytes(image_of(a64_image()), 56, 0xffffff9c);
  EXPECT_EQ(r.nr(), 56);
  EXPECT_EQ(r.arg(0), 0xffffff9cu);  // the entry x0, not the current one
  for (int i = 1; i < 6; ++i) EXPECT_EQ(r.arg(i), 0x2000u + static_cast<unsigned>(i));
  EXPECT_EQ(r.result(), -38);
  EXPECT_EQ(r.ip(), 0x400800u);
  EXPECT_EQ(r.sp(), 0xfffff000u);
}

TEST(Aarch64Regs, NumberIsHeldApartFromX8) {
  auto r = Aarch64Regs::from_bytes(image_of(a64_image()), 56, 0);
  EXPECT_FALSE(r.nr_changed());
  r.set_nr(-1);
  EXPECT_TRUE(r.nr_changed());
  EXPECT_EQ(r.nr(), -1);
  EXPECT_EQ(word<34>(r.bytes(), 8), 56u);  // x8 unchanged: writing it would not help
  r.set_result(-13);
  EXPECT_EQ(static_cast<std::int64_t>(word<34>(r.bytes(), 0)), -13);
  r.set_arg(0, 0x77);  // arg0 and the result share x0
  EXPECT_EQ(r.arg(0), 0x77u);
  EXPECT_EQ(word<34>(r.bytes(), 0), 0x77u);
}

// riscv64 user_regs_struct: pc, ra, sp, gp, tp, t0-t2, s0, s1, a0-a7, s2-s11,
// t3-t6: register xN at word N, pc at word 0.
std::array<std::uint64_t, 32> rv_image() {
  std::array<std::uint64_t, 32> w{};
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0x3000 + i;
  w[0] = 0x10400;                           // pc
  w[2] = 0x3fffff00;                        // sp
  w[10] = static_cast<std::uint64_t>(-38);  // a0 reads -ENOSYS at entry
  w[17] = 56;                               // a7: openat
  return w;
}

TEST(Riscv64Regs, DecodesTheSyscallAbi) {
  const auto r = Riscv64Regs::from_bytes(image_of(rv_image()), 0xffffff9c);
  EXPECT_EQ(r.nr(), 56);
  EXPECT_EQ(r.arg(0), 0xffffff9cu);  // orig_a0, not a0 (-ENOSYS)
  for (int i = 1; i < 6; ++i) EXPECT_EQ(r.arg(i), 0x3000u + 10 + static_cast<unsigned>(i));
  EXPECT_EQ(r.result(), -38);
  EXPECT_EQ(r.ip(), 0x10400u);
  EXPECT_EQ(r.sp(), 0x3fffff00u);
}

TEST(Riscv64Regs, Arg0CannotBeWrittenThroughTheImage) {
  auto r = Riscv64Regs::from_bytes(image_of(rv_image()), 5);
  r.set_arg(0, 99);
  EXPECT_TRUE(r.arg0_changed());
  EXPECT_EQ(r.arg(0), 99u);
  EXPECT_EQ(static_cast<std::int64_t>(word<32>(r.bytes(), 10)), -38);  // a0 untouched
  r.set_nr(-1);
  EXPECT_EQ(word<32>(r.bytes(), 17), ~0ull);  // a7 is the number
  r.set_arg(2, 7);
  EXPECT_EQ(word<32>(r.bytes(), 12), 7u);
}

// A call run again (SyscallRegs::rerun_call): the ip back over the
// syscall instruction, the number and arg0 where the instruction reads
// them, nothing else touched.
TEST(X86_64Regs, RewindToCallSetsRaxRdiAndRip) {
  auto r = X86_64Regs::from_bytes(image_of(x86_image()));
  r.rewind_to_call(61, 0x1234);
  EXPECT_EQ(word<27>(r.bytes(), 16), 0x401000u - 2);  // rip over `syscall`
  EXPECT_EQ(word<27>(r.bytes(), 10), 61u);            // rax: the number
  EXPECT_EQ(word<27>(r.bytes(), 14), 0x1234u);        // rdi
  EXPECT_EQ(word<27>(r.bytes(), 15), 257u);           // orig_rax untouched
  auto i386 = X86_64Regs::from_bytes(image_of(x86_image()));
  i386.rewind_to_call(7, 0x1'0000'0042, Arch::kI386);
  EXPECT_EQ(word<27>(i386.bytes(), 5), 0x42u);  // ebx, truncated
}

TEST(Aarch64Regs, RewindToCallSetsX8X0AndPc) {
  auto r = Aarch64Regs::from_bytes(image_of(a64_image()), 56, 0);
  r.rewind_to_call(260, 0x99);
  EXPECT_EQ(word<34>(r.bytes(), 32), 0x400800u - 4);
  EXPECT_EQ(word<34>(r.bytes(), 8), 260u);
  EXPECT_EQ(word<34>(r.bytes(), 0), 0x99u);
  EXPECT_EQ(word<34>(r.bytes(), 1), 0x2001u);
}

TEST(Riscv64Regs, RewindToCallSetsA7A0AndPc) {
  auto r = Riscv64Regs::from_bytes(image_of(rv_image()), 5);
  r.rewind_to_call(260, 0x99);
  EXPECT_EQ(word<32>(r.bytes(), 0), 0x10400u - 4);
  EXPECT_EQ(word<32>(r.bytes(), 17), 260u);  // a7
  EXPECT_EQ(word<32>(r.bytes(), 10), 0x99u);  // a0, copied into orig_a0 at the ecall
  EXPECT_EQ(word<32>(r.bytes(), 11), 0x3000u + 11);
}

// A call of cocoon's own (SavedRegs::start_call, tracer/src/injection.cc):
// the ip on the instruction, the number and all six arguments where the
// instruction reads them, every other register as it was.
constexpr std::array<std::uint64_t, 6> kInjected{0x7ffc1000, 24, 0, 4, 5, 6};

TEST(X86_64Regs, SetCallSetsRipRaxAndTheSixArguments) {
  auto r = X86_64Regs::from_bytes(image_of(x86_image()));
  r.set_call(0x400ffe, 444, kInjected);
  EXPECT_EQ(word<27>(r.bytes(), 16), 0x400ffeu);  // rip
  EXPECT_EQ(word<27>(r.bytes(), 10), 444u);       // rax: what `syscall` reads
  EXPECT_EQ(word<27>(r.bytes(), 15), ~0ull);      // orig_rax -1: no restart
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.arg(i), kInjected[static_cast<std::size_t>(i)]) << i;
  EXPECT_EQ(word<27>(r.bytes(), 7), 4u);               // r10, not rcx
  EXPECT_EQ(word<27>(r.bytes(), 11), 0x1000u + 11);    // rcx untouched
  EXPECT_EQ(word<27>(r.bytes(), 19), 0x7ffc0000u);     // rsp untouched
}

TEST(Aarch64Regs, SetCallSetsPcX8AndX0ToX5) {
  auto r = Aarch64Regs::from_bytes(image_of(a64_image()), 56, 0);
  r.set_call(0x4007fc, 444, kInjected);
  EXPECT_EQ(word<34>(r.bytes(), 32), 0x4007fcu);  // pc
  EXPECT_EQ(word<34>(r.bytes(), 8), 444u);        // x8: what `svc #0` reads
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(word<34>(r.bytes(), i), kInjected[i]) << i;
  EXPECT_EQ(word<34>(r.bytes(), 6), 0x2006u);     // x6 untouched
  EXPECT_EQ(word<34>(r.bytes(), 31), 0xfffff000u);  // sp untouched
}

TEST(Riscv64Regs, SetCallSetsPcA7AndA0ToA5) {
  auto r = Riscv64Regs::from_bytes(image_of(rv_image()), 5);
  r.set_call(0x103fc, 444, kInjected);
  EXPECT_EQ(word<32>(r.bytes(), 0), 0x103fcu);  // pc
  EXPECT_EQ(word<32>(r.bytes(), 17), 444u);     // a7
  // a0 too (the ecall copies it into orig_a0): the one route for arg0
  // before PTRACE_SET_SYSCALL_INFO.
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(word<32>(r.bytes(), 10 + i), kInjected[i]) << i;
  EXPECT_EQ(word<32>(r.bytes(), 16), 0x3000u + 16);  // a6 untouched
  EXPECT_EQ(word<32>(r.bytes(), 2), 0x3fffff00u);    // sp untouched
}

}  // namespace
}  // namespace cocoon::arch
