// Reading and writing the registers of a stopped tracee on this host. The only
// part of arch/ that calls ptrace.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>

#include "cocoon/arch/arch.h"

namespace cocoon::arch {

// The syscall registers of a tracee at a syscall-entry, seccomp or exit stop,
// in arch-neutral form, with the edits a handler made. load() reads them in
// one PTRACE_GET_SYSCALL_INFO plus one regset read; store() writes back only
// what changed, through the route each arch needs (NT_ARM_SYSTEM_CALL for the
// aarch64 number, PTRACE_SET_SYSCALL_INFO for riscv64 arg0).
class SyscallRegs {
 public:
  // errno on failure (ESRCH: the tracee is gone).
  static std::expected<SyscallRegs, int> load(pid_t tid);
  // The registers a seccomp user notification carries (struct
  // seccomp_data: arch, nr, args, ip; no stack pointer): a call entered,
  // its task blocked in the kernel rather than stopped, so nothing can be
  // stored back. ENOEXEC for an arch cocoon does not know.
  static std::expected<SyscallRegs, int> from_seccomp_data(std::uint32_t audit_arch, long nr,
                                                           const std::array<std::uint64_t, 6>& args,
                                                           std::uint64_t ip);

  Arch abi() const { return abi_; }      // from the kernel: i386 for int 0x80
  long nr() const { return nr_; }
  std::uint64_t arg(int i) const { return args_[i]; }
  std::int64_t result() const { return result_; }  // meaningful at exit stops
  std::uint64_t ip() const { return ip_; }
  std::uint64_t sp() const { return sp_; }
  bool at_entry() const { return at_entry_; }      // entry or seccomp stop
  // At a seccomp stop, the SECCOMP_RET_DATA of the filter whose
  // SECCOMP_RET_TRACE made it (the newest of those that said TRACE:
  // seccomp_run_filters(), kernel/seccomp.c); 0 elsewhere.
  std::uint16_t seccomp_data() const { return seccomp_data_; }

  void set_nr(long nr);
  void set_arg(int i, std::uint64_t v);
  void set_result(std::int64_t v);
  // Skip the syscall at entry: number -1 and `result` in the return register.
  void skip_with(std::int64_t result);

  std::expected<void, int> store(pid_t tid);
  // Whether a handler changed anything store() would write.
  bool edited() const { return nr_dirty_ || result_dirty_ || args_dirty_ != 0; }

  // Whether this kernel lets a tracer rewrite arg0 at entry. False on riscv64
  // before Linux 6.16; handlers that rewrite a path in arg0 must take another
  // route there (docs/kernel-facts.md, "Registers per architecture").
  // COCOON_TEST_NO_ARG0=1 forces false (tests).
  static bool can_set_arg0();

  // Where arg0 cannot be set (can_set_arg0() false), a call whose arg0 a
  // handler changed is run again instead: skipped at its entry, and at
  // that skip's exit stop rerun_call() puts the ip back on the syscall
  // instruction with the number and the new arg0 in the registers the
  // instruction reads (riscv64's a0, which the kernel copies into orig_a0
  // when the call enters). Tracer::on_syscall_entry does that dance;
  // arg0_pending() says it is needed, take_arg0() drops the edit from what
  // store() writes and gives the value.
  bool arg0_pending() const { return at_entry_ && (args_dirty_ & 1u) != 0 && !can_set_arg0(); }
  std::uint64_t take_arg0() {
    args_dirty_ &= static_cast<std::uint8_t>(~1u);
    return args_[0];
  }
  static std::expected<void, int> rerun_call(pid_t tid, Arch abi, long nr, std::uint64_t arg0);

 private:
  Arch abi_ = host_arch();
  long nr_ = -1;
  std::array<std::uint64_t, 6> args_{};
  std::int64_t result_ = 0;
  std::uint64_t ip_ = 0, sp_ = 0;
  bool at_entry_ = true;
  std::uint8_t op_ = 0;  // PTRACE_SYSCALL_INFO_* of the stop it was loaded at
  std::uint16_t seccomp_data_ = 0;
  bool nr_dirty_ = false, result_dirty_ = false;
  std::uint8_t args_dirty_ = 0;  // bit i: arg i changed
};

// A stopped tracee's whole register image (NT_PRSTATUS), kept while calls
// of the tracer's own run in it (tracer/src/injection.cc) and put back
// after. The task must have stopped just past a syscall instruction of
// the host ABI (at a syscall stop, or a new child's first stop: it returns
// from its parent's clone there): that instruction runs the calls.
class SavedRegs {
 public:
  static std::expected<SavedRegs, int> save(pid_t tid);
  std::uint64_t ip() const { return ip_; }
  // The address of the syscall instruction the saved ip is just past.
  std::uint64_t insn_ip() const { return ip_ - syscall_insn_size(host_arch()); }
  // The saved registers, but set to run syscall `nr` with `args` from
  // that instruction when the task resumes (at an exit stop, or a stop
  // outside any call).
  std::expected<void, int> start_call(pid_t tid, long nr,
                                      const std::array<std::uint64_t, 6>& args) const;
  // The saved registers as they were.
  std::expected<void, int> restore(pid_t tid) const;
  // The saved registers, rewound onto the instruction with the call's
  // number `nr` and arg0 `arg0` where it reads them (the task's own call
  // runs again: rewind_to_call, as for a rerun).
  std::expected<void, int> restore_rewound(pid_t tid, long nr, std::uint64_t arg0) const;

 private:
  static constexpr std::size_t kMaxSize = 34 * 8;  // the largest image: aarch64's
  std::array<std::byte, kMaxSize> image_{};
  std::uint64_t ip_ = 0;
};

// Where a stopped tracee's own code was left, at any ptrace stop (also a
// signal-delivery stop, outside any system call: PTRACE_GET_SYSCALL_INFO
// then reports op NONE with the arch, ip and sp; ptrace(2)).
struct StopContext {
  // Which stop: outside any call (a signal-delivery, group or event stop),
  // a syscall's entry, its exit, or a seccomp stop (PTRACE_SYSCALL_INFO_*).
  enum class Op : std::uint8_t { kNone = 0, kEntry = 1, kExit = 2, kSeccomp = 3 };
  Arch abi = host_arch();
  std::uint64_t ip = 0, sp = 0;
  Op op = Op::kNone;
};
std::expected<StopContext, int> stop_context(pid_t tid);

// Whether the running kernel's release (uname) is at least major.minor.
bool kernel_at_least(int major, int minor);

// A syscall that a signal interrupted before it did anything returns
// -ERESTARTSYS, and the kernel restarts it after the handler only when the
// handler has SA_RESTART; else the call fails with EINTR. A call answered
// from a seccomp user notification is interruptible until the supervisor
// receives it (kernel/seccomp.c, seccomp_do_user_notification), which a
// ptrace stop never is: a stat could fail with EINTR under cocoon and never
// natively. At the signal-delivery stop, restart_interrupted_syscall()
// turns the -ERESTARTSYS of a call `wanted(abi, nr)` names into
// -ERESTARTNOINTR, restarted whatever the handler's flags.
//
// x86-64 only: its handle_signal() reads the return register after the
// ptrace stop (arch/x86/kernel/signal.c), while arm64's and riscv64's
// do_signal() take the restart decision from a copy made before the stop
// (arch/arm64/kernel/signal.c, arch/riscv/kernel/signal.c); there it
// returns false and does nothing.
bool can_restart_interrupted_syscalls();
std::expected<bool, int> restart_interrupted_syscall(pid_t tid,
                                                     const std::function<bool(Arch, long)>& wanted);

// -ERESTARTNOINTR (include/linux/errno.h): as a syscall's result at the
// signal-delivery stop, the kernel restarts the call after the handler.
inline constexpr std::int64_t kRestartNoIntr = -513;

// The general form: `settle` sees the interrupted call (ABI, number,
// arguments and ip, as a notification carries them) and gives what its
// result register becomes: kRestartNoIntr to restart it, any other value
// to end it with that result (nothing restarts; the signal is delivered
// as after a completed call), nullopt to leave it to the kernel. A call
// re-queued at every restart can starve under a storm of signals, each
// landing before the supervisor receives it; one answered here completes.
// false: no such call, or not x86-64 (as above).
std::expected<bool, int> settle_interrupted_syscall(
    pid_t tid, const std::function<std::optional<std::int64_t>(const SyscallRegs&)>& settle);

}  // namespace cocoon::arch
