// The host half of arch/: PTRACE_GET_SYSCALL_INFO to read a stop, the regsets
// to write one back. Each arch's quirks live in its value type (regs.h).
#include "cocoon/arch/regs_io.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "cocoon/arch/kernel.h"
#include "cocoon/arch/regs.h"

namespace cocoon::arch {
namespace {

// struct ptrace_syscall_info as of Linux 6.16, which renamed pad[3] to
// reserved + flags for PTRACE_SET_SYSCALL_INFO; glibc 2.36 predates it.
struct SyscallInfo {
  std::uint8_t op;
  std::uint8_t reserved;
  std::uint16_t flags;
  std::uint32_t arch;
  std::uint64_t instruction_pointer;
  std::uint64_t stack_pointer;
  union {
    struct {
      std::uint64_t nr;
      std::uint64_t args[6];
    } entry;
    struct {
      std::int64_t rval;
      std::uint8_t is_error;
    } exit;
    struct {
      std::uint64_t nr;
      std::uint64_t args[6];
      std::uint32_t ret_data;
      std::uint32_t reserved2;
    } seccomp;
  };
};

constexpr long kSetSyscallInfo = 0x4212;  // PTRACE_SET_SYSCALL_INFO, Linux 6.16
constexpr std::uint8_t kOpEntry = 1, kOpExit = 2, kOpSeccomp = 3;

template <typename Image>
std::expected<void, int> get_regset(pid_t tid, int type, Image& buf) {
  iovec iov{&buf, sizeof buf};
  if (ptrace(PTRACE_GETREGSET, tid, type, &iov) != 0) return std::unexpected(errno);
  return {};
}

template <typename Image>
std::expected<void, int> set_regset(pid_t tid, int type, const Image& buf) {
  iovec iov{const_cast<Image*>(&buf), sizeof buf};
  if (ptrace(PTRACE_SETREGSET, tid, type, &iov) != 0) return std::unexpected(errno);
  return {};
}

}  // namespace

bool kernel_at_least(int major, int minor) {
  utsname u{};
  if (uname(&u) != 0) return false;
  int ma = 0, mi = 0;
  if (std::sscanf(u.release, "%d.%d", &ma, &mi) != 2) return false;
  return ma > major || (ma == major && mi >= minor);
}

std::expected<SyscallRegs, int> SyscallRegs::load(pid_t tid) {
  SyscallInfo info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) < 0) return std::unexpected(errno);
  if (info.op != kOpEntry && info.op != kOpExit && info.op != kOpSeccomp) {
    return std::unexpected(EINVAL);  // not stopped at a syscall
  }
  auto abi = from_audit_arch(info.arch);
  if (!abi) return std::unexpected(ENOEXEC);
  SyscallRegs r;
  r.abi_ = *abi;
  r.op_ = info.op;
  r.ip_ = info.instruction_pointer;
  r.sp_ = info.stack_pointer;
  r.at_entry_ = info.op != kOpExit;
  if (info.op == kOpExit) {
    r.result_ = info.exit.rval;
  } else {
    // entry and seccomp share the layout of nr and args.
    r.nr_ = static_cast<long>(info.entry.nr);
    for (int i = 0; i < 6; ++i) r.args_[static_cast<std::size_t>(i)] = info.entry.args[i];
  }
  // The event message (ptrace_get_syscall_info_seccomp(), kernel/ptrace.c).
  if (info.op == kOpSeccomp) r.seccomp_data_ = static_cast<std::uint16_t>(info.seccomp.ret_data);
  return r;
}

std::expected<StopContext, int> stop_context(pid_t tid) {
  SyscallInfo info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) < 0) return std::unexpected(errno);
  auto abi = from_audit_arch(info.arch);
  if (!abi) return std::unexpected(ENOEXEC);
  return StopContext{*abi, info.instruction_pointer, info.stack_pointer,
                     static_cast<StopContext::Op>(info.op)};
}

std::expected<SyscallRegs, int> SyscallRegs::from_seccomp_data(
    std::uint32_t audit_arch, long nr, const std::array<std::uint64_t, 6>& args, std::uint64_t ip) {
  auto abi = from_audit_arch(audit_arch);
  if (!abi) return std::unexpected(ENOEXEC);
  SyscallRegs r;
  r.abi_ = *abi;
  r.op_ = kOpSeccomp;
  r.nr_ = nr;
  r.args_ = args;
  r.ip_ = ip;
  return r;
}

void SyscallRegs::set_nr(long nr) {
  nr_ = nr;
  nr_dirty_ = true;
}

void SyscallRegs::set_arg(int i, std::uint64_t v) {
  args_[static_cast<std::size_t>(i)] = v;
  args_dirty_ |= static_cast<std::uint8_t>(1u << i);
}

void SyscallRegs::set_result(std::int64_t v) {
  result_ = v;
  result_dirty_ = true;
}

// Number -1 makes every arch skip the call and return what the return
// register holds (docs/kernel-facts.md, "Stops and resuming";
// syscall_trace_enter on each arch).
void SyscallRegs::skip_with(std::int64_t result) {
  set_nr(-1);
  set_result(result);
}

// COCOON_TEST_NO_ARG0=1 makes it false on any arch: a test hook, so the
// route that riscv64 before 6.16 needs is exercised by the x86-64 suite.
bool SyscallRegs::can_set_arg0() {
  static const bool forced_off = [] {
    const char* v = std::getenv("COCOON_TEST_NO_ARG0");
    return v != nullptr && *v == '1';
  }();
  if (forced_off) return false;
  return arch::can_set_arg0(kernel_features(), host_arch());
}

std::expected<void, int> SyscallRegs::store(pid_t tid) {
  if (!nr_dirty_ && !result_dirty_ && args_dirty_ == 0) return {};
#if defined(__x86_64__)
  // Arguments alone (a path rewrite): one PTRACE_POKEUSER each, usually
  // one call instead of GETREGSET + SETREGSET. A 64-bit tracer pokes the
  // 64-bit struct user_regs_struct even for an i386 task (putreg(),
  // arch/x86/kernel/ptrace.c), whose values are 32 bits.
  if (!nr_dirty_ && !result_dirty_) {
    for (int i = 0; i < 6; ++i) {
      if ((args_dirty_ & (1u << i)) == 0) continue;
      std::uint64_t v = args_[static_cast<std::size_t>(i)];
      if (abi_ == Arch::kI386) v &= 0xffffffffu;
      if (ptrace(PTRACE_POKEUSER, tid, X86_64Regs::arg_offset(i, abi_), v) != 0) {
        return std::unexpected(errno);
      }
    }
    args_dirty_ = 0;
    return {};
  }
  std::array<std::byte, X86_64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return r;
  X86_64Regs regs = X86_64Regs::from_bytes(image);
  if (nr_dirty_) regs.set_nr(nr_);
  for (int i = 0; i < 6; ++i) {
    if (args_dirty_ & (1u << i)) regs.set_arg(i, args_[static_cast<std::size_t>(i)], abi_);
  }
  if (result_dirty_) regs.set_result(result_);
  std::memcpy(image.data(), regs.bytes().data(), image.size());
  if (auto r = set_regset(tid, NT_PRSTATUS, image); !r) return r;
#elif defined(__aarch64__)
  std::array<std::byte, Aarch64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return r;
  Aarch64Regs regs = Aarch64Regs::from_bytes(image, nr_, args_[0]);
  for (int i = 0; i < 6; ++i) {
    if (args_dirty_ & (1u << i)) regs.set_arg(i, args_[static_cast<std::size_t>(i)]);
  }
  if (result_dirty_) regs.set_result(result_);
  std::memcpy(image.data(), regs.bytes().data(), image.size());
  if (auto r = set_regset(tid, NT_PRSTATUS, image); !r) return r;
  // Writing x8 does not change the call: the number has its own regset
  // (arch/arm64/kernel/ptrace.c, system_call_set).
  if (nr_dirty_) {
    int nr = static_cast<int>(nr_);
    if (auto r = set_regset(tid, NT_ARM_SYSTEM_CALL, nr); !r) return r;
  }
#elif defined(__riscv)
  std::array<std::byte, Riscv64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return r;
  Riscv64Regs regs = Riscv64Regs::from_bytes(image, args_[0]);
  if (nr_dirty_) regs.set_nr(nr_);
  for (int i = 1; i < 6; ++i) {
    if (args_dirty_ & (1u << i)) regs.set_arg(i, args_[static_cast<std::size_t>(i)]);
  }
  if (result_dirty_) regs.set_result(result_);
  std::memcpy(image.data(), regs.bytes().data(), image.size());
  if (auto r = set_regset(tid, NT_PRSTATUS, image); !r) return r;
  // arg0 lives in orig_a0, reachable only through PTRACE_SET_SYSCALL_INFO;
  // a skipped call's does not matter.
  if ((args_dirty_ & 1u) && at_entry_ && !(nr_dirty_ && nr_ == -1)) {
    if (!can_set_arg0()) return std::unexpected(ENOTSUP);
    SyscallInfo info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) < 0) return std::unexpected(errno);
    info.entry.args[0] = args_[0];
    if (ptrace(static_cast<__ptrace_request>(kSetSyscallInfo), tid, sizeof info, &info) != 0) {
      return std::unexpected(errno);
    }
  }
#endif
  nr_dirty_ = result_dirty_ = false;
  args_dirty_ = 0;
  return {};
}

// At the exit stop of a skipped call (number -1) the registers written
// here are the ones the task resumes with, at the syscall instruction.
// x86-64 and arm64 restart only a call that ran (orig_rax, syscallno
// != -1: arch_do_signal_or_restart()); riscv64 looks at a0 whenever the
// trap was an ecall, so with a signal pending an arg0 that reads as
// -ERESTART* would be rewound once more (Tracer refuses those values).
std::expected<void, int> SyscallRegs::rerun_call(pid_t tid, Arch abi, long nr, std::uint64_t arg0) {
#if defined(__x86_64__)
  std::array<std::byte, X86_64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return r;
  X86_64Regs regs = X86_64Regs::from_bytes(image);
  regs.rewind_to_call(nr, arg0, abi);
#elif defined(__aarch64__)
  std::array<std::byte, Aarch64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return r;
  Aarch64Regs regs = Aarch64Regs::from_bytes(image, nr, arg0);
  regs.rewind_to_call(nr, arg0);
  (void)abi;
#elif defined(__riscv)
  std::array<std::byte, Riscv64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return r;
  Riscv64Regs regs = Riscv64Regs::from_bytes(image, arg0);
  regs.rewind_to_call(nr, arg0);
  (void)abi;
#endif
  std::memcpy(image.data(), regs.bytes().data(), image.size());
  return set_regset(tid, NT_PRSTATUS, image);
}

bool can_restart_interrupted_syscalls() {
#if defined(__x86_64__)
  return true;
#else
  return false;
#endif
}

std::expected<bool, int> settle_interrupted_syscall(
    pid_t tid, const std::function<std::optional<std::int64_t>(const SyscallRegs&)>& settle) {
#if defined(__x86_64__)
  constexpr std::int64_t kRestartSys = -512;  // include/linux/errno.h
  std::array<std::byte, X86_64Regs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return std::unexpected(r.error());
  const X86_64Regs regs = X86_64Regs::from_bytes(image);
  if (regs.nr() < 0 || regs.result() != kRestartSys) return false;  // most signal stops
  // The ABI of the interrupted call: TS_COMPAT is still set for an int 0x80
  // call here, and cleared only on the way back to user mode
  // (arch_exit_to_user_mode_prepare()).
  SyscallInfo info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) < 0) return std::unexpected(errno);
  const auto abi = from_audit_arch(info.arch);
  if (!abi) return false;
  std::array<std::uint64_t, 6> args{};
  for (int i = 0; i < 6; ++i) args[static_cast<std::size_t>(i)] = regs.arg(i, *abi);
  auto call = SyscallRegs::from_seccomp_data(info.arch, regs.nr(), args, regs.ip());
  if (!call) return false;
  const auto result = settle(*call);
  if (!result) return false;
  if (ptrace(PTRACE_POKEUSER, tid, offsetof(user_regs_struct, rax), *result) != 0) {
    return std::unexpected(errno);
  }
  return true;
#else
  (void)tid;
  (void)settle;
  return false;
#endif
}

std::expected<bool, int> restart_interrupted_syscall(
    pid_t tid, const std::function<bool(Arch, long)>& wanted) {
  return settle_interrupted_syscall(tid, [&wanted](const SyscallRegs& call) {
    return wanted(call.abi(), call.nr()) ? std::optional(kRestartNoIntr) : std::nullopt;
  });
}

namespace {

#if defined(__x86_64__)
using HostRegs = X86_64Regs;
HostRegs host_regs(std::span<const std::byte> image) { return X86_64Regs::from_bytes(image); }
#elif defined(__aarch64__)
using HostRegs = Aarch64Regs;
// The number and arg0 held apart do not matter here: only the image is
// written back.
HostRegs host_regs(std::span<const std::byte> image) { return Aarch64Regs::from_bytes(image, -1, 0); }
#elif defined(__riscv)
using HostRegs = Riscv64Regs;
HostRegs host_regs(std::span<const std::byte> image) { return Riscv64Regs::from_bytes(image, 0); }
#endif

std::expected<void, int> set_image(pid_t tid, const HostRegs& regs) {
  std::array<std::byte, HostRegs::kSize> image;
  std::memcpy(image.data(), regs.bytes().data(), image.size());
  return set_regset(tid, NT_PRSTATUS, image);
}

}  // namespace

std::expected<SavedRegs, int> SavedRegs::save(pid_t tid) {
  std::array<std::byte, HostRegs::kSize> image;
  if (auto r = get_regset(tid, NT_PRSTATUS, image); !r) return std::unexpected(r.error());
  SavedRegs s;
  std::memcpy(s.image_.data(), image.data(), image.size());
  s.ip_ = host_regs(image).ip();
  return s;
}

std::expected<void, int> SavedRegs::start_call(pid_t tid, long nr,
                                               const std::array<std::uint64_t, 6>& args) const {
  HostRegs regs = host_regs(std::span(image_).first(HostRegs::kSize));
  regs.set_call(insn_ip(), nr, args);
  return set_image(tid, regs);
}

std::expected<void, int> SavedRegs::restore(pid_t tid) const {
  return set_image(tid, host_regs(std::span(image_).first(HostRegs::kSize)));
}

std::expected<void, int> SavedRegs::restore_rewound(pid_t tid, long nr, std::uint64_t arg0) const {
  HostRegs regs = host_regs(std::span(image_).first(HostRegs::kSize));
  regs.rewind_to_call(nr, arg0);
  return set_image(tid, regs);
}

}  // namespace cocoon::arch
