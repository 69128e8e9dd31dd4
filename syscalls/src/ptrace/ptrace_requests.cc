// The requests of an emulated tracer (ptrace.h). cocoon is the real tracer
// of the tracee and has it in a real ptrace-stop, so a request on it is
// cocoon's own ptrace(2) call, its data copied from and to the guest
// tracer's memory. Implemented: PTRACE_TRACEME, ATTACH and SEIZE
// (ptrace_attach.cc), INTERRUPT, LISTEN, CONT, SYSCALL, SINGLESTEP,
// DETACH, KILL, PEEKTEXT/PEEKDATA/PEEKUSER, POKETEXT/POKEDATA/POKEUSER,
// GETREGS/SETREGS, GETFPREGS/SETFPREGS, GETREGSET/SETREGSET (any note
// type: NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE...), GETSIGINFO/SETSIGINFO,
// GET_SYSCALL_INFO, SETOPTIONS (ptrace_stops.h's check_options()),
// GETEVENTMSG, SECCOMP_GET_FILTER's EACCES. Every other request, and the
// other options, fail with EPERM as all did before the emulation: SYSEMU...
#include <linux/capability.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

#include "ptrace/proc_tasks.h"
#include "ptrace/ptrace.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// PTRACE_GETREGS and PTRACE_SETREGS are x86's requests (12 and 13,
// arch/x86/include/uapi/asm/ptrace-abi.h): EIO elsewhere, and the other
// arches' headers do not define them.
constexpr long kGetRegs = 12, kSetRegs = 13, kGetFpRegs = 14, kSetFpRegs = 15;
// PTRACE_GET_SYSCALL_INFO (Linux 5.3, include/uapi/linux/ptrace.h), which
// Debian 12's glibc headers do not name; its struct ptrace_syscall_info
// is 88 bytes today, and may grow: the kernel says how much it has.
constexpr long kGetSyscallInfo = 0x420e;
constexpr long kSeccompGetFilter = 0x420c;  // PTRACE_SECCOMP_GET_FILTER (4.4)
constexpr std::size_t kSyscallInfoMax = 256;
// x86-64's struct user_regs_struct (arch/x86/include/asm/user_64.h, the
// uapi's register set of NT_PRSTATUS): 27 registers of 8 bytes. Spelt as
// an array so that this file builds for every arch (riscv64's glibc has no
// user_regs_struct); e2e ptrace reads and writes them on x86-64.
using X86Regs = std::array<std::uint64_t, 27>;
// x86-64's struct user_i387_struct (the FXSAVE area: 512 bytes), which
// PTRACE_GETFPREGS and SETFPREGS copy.
using X86FpRegs = std::array<std::byte, 512>;
// The largest register set copied for GETREGSET/SETREGSET: x86's XSAVE
// area is 2.7 KiB with AVX-512 and 11 KiB with AMX; a longer iovec is cut
// to this, as the kernel cuts it to the set's size.
constexpr std::size_t kRegsetMax = 64 * 1024;

bool implemented(long req) {
  switch (req) {
    case PTRACE_CONT:
    case PTRACE_SYSCALL:
    case PTRACE_SINGLESTEP:
    case PTRACE_DETACH:
    case PTRACE_KILL:
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
    case PTRACE_PEEKUSER:
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA:
    case PTRACE_POKEUSER:
    case kGetRegs:
    case kSetRegs:
    case kGetFpRegs:
    case kSetFpRegs:
    case PTRACE_GETREGSET:
    case PTRACE_SETREGSET:
    case PTRACE_GETSIGINFO:
    case PTRACE_SETSIGINFO:
    case PTRACE_SETOPTIONS:
    case PTRACE_GETEVENTMSG:
    case PTRACE_INTERRUPT:
    case PTRACE_LISTEN:
    case kSeccompGetFilter:
    case kGetSyscallInfo: return true;
    default: return false;
  }
}

// A value the kernel stores at the tracer's `addr` (PEEK*'s word,
// GETEVENTMSG's message, GETREGS' registers...): 0, or -EFAULT.
template <typename T>
std::int64_t put(const tracer::GuestMemory& memory, std::uint64_t addr, const T& value) {
  return memory.write(addr, std::as_bytes(std::span(&value, 1))) ? 0 : -EFAULT;
}

template <typename T>
std::int64_t get(const tracer::GuestMemory& memory, std::uint64_t addr, T& value) {
  return memory.read(addr, std::as_writable_bytes(std::span(&value, 1))) ? 0 : -EFAULT;
}

// Without cocoon's filter a guest filter's PTRACE_EVENT_SECCOMP stop is
// cocoon's syscall-entry stop (tracer/src/guest_filters.cc), whose
// struct ptrace_syscall_info says op ENTRY: the kernel's for a seccomp
// stop says op SECCOMP, the same number and arguments, and the filter's
// data after them (ptrace_get_syscall_info_seccomp(), kernel/ptrace.c).
long as_seccomp_stop(std::array<std::byte, kSyscallInfoMax>& info, const EmulatedTracee& e, long size) {
  constexpr std::uint8_t kOpEntry = 1, kOpSeccomp = 3;  // PTRACE_SYSCALL_INFO_*
  constexpr std::size_t kRetData = 80;  // offsetof(ptrace_syscall_info, seccomp.ret_data)
  if (info[0] != std::byte{kOpEntry}) return size;  // the kernel's own seccomp stop
  info[0] = std::byte{kOpSeccomp};
  const auto data = static_cast<std::uint32_t>(e.event_msg);
  std::memcpy(info.data() + kRetData, &data, sizeof data);
  return kRetData + sizeof data;
}

// The siginfo of a guest filter's seccomp stop that cocoon made at a
// syscall-entry stop (tracer/src/guest_filters.cc): the kernel's says
// SIGTRAP with si_code SIGTRAP | PTRACE_EVENT_SECCOMP << 8, as for any
// event stop (ptrace_event() -> ptrace_notify()), where the entry stop's
// says SIGTRAP | 0x80.
std::int64_t seccomp_siginfo(const tracer::GuestMemory& memory, pid_t tid, std::uint64_t data) {
  siginfo_t si{};
  if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) != 0) return -errno;
  si.si_code = SIGTRAP | PTRACE_EVENT_SECCOMP << 8;
  return memory.write(data, std::as_bytes(std::span(&si, 1))) ? 0 : -EFAULT;
}

std::int64_t real_ptrace(long req, pid_t tid, std::uint64_t addr, void* data) {
  return ptrace(static_cast<__ptrace_request>(req), tid, addr, data) == -1 ? -errno : 0;
}

// A request whose data is a fixed-size block at the tracer's `data`
// (GETREGS, SETFPREGS, GETSIGINFO...): copied out of the tracer's memory
// for a set, into it for a get. cocoon's own call on its own stop of the
// same kind: the kernel's answer.
template <typename Block>
std::int64_t block(const tracer::GuestMemory& memory, long req, pid_t tid, std::uint64_t data,
                   bool set) {
  Block b{};
  if (set) {
    if (auto r = get(memory, data, b); r != 0) return r;
    return real_ptrace(req, tid, 0, &b);
  }
  if (auto r = real_ptrace(req, tid, 0, &b); r != 0) return r;
  return put(memory, data, b);
}

// PTRACE_GETREGSET and SETREGSET: `data` is the tracer's iovec, whose
// length the kernel sets to what it copied (ptrace(2)).
std::int64_t regset(const tracer::GuestMemory& memory, long req, pid_t tid, std::uint64_t type,
                    std::uint64_t data) {
  iovec iov{};
  if (auto r = get(memory, data, iov); r != 0) return r;
  std::vector<std::byte> buf(std::min(iov.iov_len, kRegsetMax));
  const auto base = reinterpret_cast<std::uint64_t>(iov.iov_base);
  if (req == PTRACE_SETREGSET && !memory.read(base, buf)) return -EFAULT;
  iovec mine{buf.data(), buf.size()};
  if (auto r = real_ptrace(req, tid, type, &mine); r != 0) return r;
  if (req == PTRACE_GETREGSET &&
      !memory.write(base, std::span<const std::byte>(buf).first(mine.iov_len))) {
    return -EFAULT;
  }
  iov.iov_len = mine.iov_len;
  return put(memory, data, iov);
}

}  // namespace

Verdict Ptrace::request(tracer::SyscallStop& stop) {
  const auto req = static_cast<long>(stop.regs.arg(0));
  if (req == PTRACE_TRACEME) return traceme(stop);
  if (req == PTRACE_ATTACH || req == PTRACE_SEIZE) return attach(stop, req);
  if (!implemented(req)) return Verdict::deny(EPERM);
  const auto tid = static_cast<pid_t>(stop.regs.arg(1));
  // ptrace_check_attach() (kernel/ptrace.c): a task the caller does not
  // trace, or one not in a ptrace-stop (but for PTRACE_KILL), is ESRCH.
  // So is every task outside the run and cocoon itself: neither is ever an
  // emulated tracee.
  auto it = tracees_.find(tid);
  if (it == tracees_.end() && req == PTRACE_KILL && own_zombie(stop.tracee.tgid, tid)) {
    return Verdict::skip(0);
  }
  if (it == tracees_.end() || it->second.tracer != stop.tracee.tgid ||
      it->second.stop == StopKind::kDeath) {
    return Verdict::deny(ESRCH);
  }
  EmulatedTracee& e = it->second;
  if (req == PTRACE_INTERRUPT) return Verdict::skip(interrupt(tid, e));
  if (e.unborn) return Verdict::deny(ESRCH);  // not yet in its first stop
  if (req == PTRACE_KILL) {
    kill(tid, SIGKILL);  // the whole process, as SIGKILL always is
    if (e.stop != StopKind::kNone) {
      e.stop = StopKind::kNone;
      control_->release(tid, 0, false);
    }
    return Verdict::skip(0);
  }
  if (e.stop == StopKind::kNone) return Verdict::deny(ESRCH);
  return Verdict::skip(on_stopped(stop, req, tid, e));
}

// Whether `tid` is a tracee of `tracer` that died and that the tracer,
// its parent, has not reaped: still its tracee for PTRACE_KILL, which
// ptrace_check_attach() lets through whatever the state and which answers
// 0 (ptrace_request(), kernel/ptrace.c). gdb kills so, then waits.
bool Ptrace::own_zombie(pid_t tracer, pid_t tid) const {
  auto it = zombies_.find(tid);
  if (it == zombies_.end() || it->second != tracer) return false;
  return proc_tasks::is_zombie(tid) && proc_tasks::parent_of(tid) == tracer;
}

// PTRACE_TRACEME: the parent process traces the caller (ptrace_traceme(),
// kernel/ptrace.c), EPERM if it is already traced. The parent must be a
// task of the run: cocoon, the command's parent, is never an emulated
// tracer (EPERM, as before the emulation). A parent thread already blocked
// in a wait of the kernel's would never see the stops cocoon keeps: it is
// interrupted, and its wait restarts into wait4() above.
Verdict Ptrace::traceme(tracer::SyscallStop& stop) {
  const pid_t tid = stop.tracee.tid;
  if (tracees_.contains(tid) || proc_tasks::yama_scope() >= 3) return Verdict::deny(EPERM);
  const pid_t parent = proc_tasks::parent_of(tid);
  if (parent <= 0 || parent == getpid() || control_->find(parent) == nullptr) {
    return Verdict::deny(EPERM);
  }
  tracees_[tid] = EmulatedTracee{parent};
  for (pid_t thread : proc_tasks::threads_of(parent)) {
    const arch::SyscallDesc* row =
        arch::find_syscall(arch::host_arch(), proc_tasks::blocked_in(parent, thread));
    if (row == nullptr || (row->sys != arch::Sys::wait4 && row->sys != arch::Sys::waitid)) continue;
    if (waits_.contains(thread)) continue;  // kept by cocoon, not the kernel's
    if (tracer::Tracee* t = control_->find(thread); t != nullptr && !t->held) {
      control_->interrupt(thread);
    }
  }
  return Verdict::skip(0);
}

std::int64_t Ptrace::on_stopped(tracer::SyscallStop& stop, long req, pid_t tid,
                                EmulatedTracee& e) {
  const std::uint64_t addr = stop.regs.arg(2);
  const std::uint64_t data = stop.regs.arg(3);
  const tracer::GuestMemory& memory = stop.memory;
  switch (req) {
    case PTRACE_SINGLESTEP:
      // riscv64 has no single-step (arch_has_single_step(): the request
      // is EIO, ptrace_request(), kernel/ptrace.c).
      if (arch::host_arch() == arch::Arch::kRiscv64) return -EIO;
      return resume(tid, e, req, data);
    case PTRACE_CONT:
    case PTRACE_SYSCALL:
    case PTRACE_DETACH: return resume(tid, e, req, data);
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
    case PTRACE_PEEKUSER: {
      // The raw call stores the word at `data` (ptrace(2), "C library/
      // kernel differences").
      errno = 0;
      const long word = ptrace(static_cast<__ptrace_request>(req), tid, addr, nullptr);
      if (errno != 0) return -errno;
      return put(memory, data, word);
    }
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA:
    case PTRACE_POKEUSER:  // registers, and the debug registers cocoon leaves alone
      return ptrace(static_cast<__ptrace_request>(req), tid, addr, data) == -1 ? -errno : 0;
    case kGetRegs:
    case kSetRegs:
    case kGetFpRegs:
    case kSetFpRegs:
      // x86's requests: a number aarch64 and riscv64 do not know (EIO).
      if (arch::host_arch() != arch::Arch::kX86_64) return -EIO;
      if (req == kGetRegs || req == kSetRegs) {
        return block<X86Regs>(memory, req, tid, data, req == kSetRegs);
      }
      return block<X86FpRegs>(memory, req, tid, data, req == kSetFpRegs);
    case PTRACE_GETREGSET:
    case PTRACE_SETREGSET: return regset(memory, req, tid, addr, data);
    case PTRACE_GETSIGINFO:
      if (e.stop == StopKind::kEvent && e.value == PTRACE_EVENT_SECCOMP) return seccomp_siginfo(memory, tid, data);
      return block<siginfo_t>(memory, req, tid, data, false);
    case PTRACE_SETSIGINFO: return block<siginfo_t>(memory, req, tid, data, true);
    case PTRACE_SETOPTIONS: return set_options(tid, e, data);
    case PTRACE_GETEVENTMSG: return put(memory, data, e.event_msg);
    case PTRACE_LISTEN: return listen(tid, e);
    case kGetSyscallInfo: {
      // The kernel's own answer for cocoon's stop, which is the same kind
      // of stop (a syscall entry or exit, or another: op NONE), with the
      // guest's registers there (docs/internals/ptrace.md).
      std::array<std::byte, kSyscallInfoMax> info{};
      long r = ptrace(static_cast<__ptrace_request>(req), tid, info.size(), info.data());
      if (r < 0) return -errno;
      if (e.stop == StopKind::kEvent && e.value == PTRACE_EVENT_SECCOMP) r = as_seccomp_stop(info, e, r);
      const auto n = std::min<std::uint64_t>(addr, static_cast<std::uint64_t>(r));
      if (n != 0 && !memory.write(data, std::span(info).first(n))) return -EFAULT;
      return r;
    }
    case kSeccompGetFilter: return seccomp_get_filter(stop);
    default: return -EPERM;
  }
}

// PTRACE_SECCOMP_GET_FILTER: seccomp_get_filter() (kernel/seccomp.c) wants
// CAP_SYS_ADMIN of a caller that is under no filter of its own, else
// EACCES, which is what every unprivileged debugger gets (the real
// capability, as the attach rules read it; cocoon's own filter does not
// count). A caller that has it would get the tracee's programs, which
// cocoon keeps only without its own filter (Tracee::guest_filters): not
// emulated, EPERM as before.
std::int64_t Ptrace::seccomp_get_filter(const tracer::SyscallStop& stop) {
  const auto cap = proc_tasks::status_numbers(stop.tracee.tid, "CapEff");
  const bool admin = !cap.empty() && (cap[0] >> CAP_SYS_ADMIN & 1) != 0;
  if (!admin || stop.tracee.guest_filters) return -EACCES;
  return -EPERM;
}

// CONT, SYSCALL, SINGLESTEP and DETACH restart the tracee with `data` as
// the signal (EIO if it is none: ptrace_resume(), kernel/ptrace.c). It is
// delivered at a signal-delivery-stop; at a syscall-stop the kernel sends
// it afresh (ptrace_report_syscall(), include/linux/ptrace.h), and so does
// cocoon; at an event stop it is dropped. SINGLESTEP is cocoon's own step
// of the task (StopControl::step): from a syscall-entry stop the call runs
// and the step ends at its exit, as natively.
std::int64_t Ptrace::resume(pid_t tid, EmulatedTracee& e, long req, std::uint64_t data) {
  if (data > static_cast<std::uint64_t>(SIGRTMAX)) return -EIO;
  const int sig = static_cast<int>(data);
  const StopKind was = e.stop;
  const int e_value = e.value;
  e.stop = StopKind::kNone;
  e.reported = false;
  if (req == PTRACE_DETACH) {
    if (e.events != 0) control_->trace_events(tid, 0);
    sync_judging(tid, nullptr);
    tracees_.erase(tid);  // `e` is gone from here on
  }
  if (sig != 0 && (was == StopKind::kSyscallEntry || was == StopKind::kSyscallExit)) {
    if (tracer::Tracee* t = control_->find(tid)) syscall(SYS_tgkill, t->tgid, tid, sig);
  }
  const int deliver = was == StopKind::kSignal ? sig : 0;
  // A seccomp stop is at a call's entry too: the step runs the call.
  const bool at_entry = was == StopKind::kSyscallEntry ||
                        (was == StopKind::kEvent && e_value == PTRACE_EVENT_SECCOMP);
  if (req == PTRACE_SINGLESTEP) {
    control_->step(tid, deliver, at_entry);
  } else {
    control_->release(tid, deliver, req == PTRACE_SYSCALL);
  }
  return 0;
}

std::int64_t Ptrace::set_options(pid_t tid, EmulatedTracee& e, std::uint64_t options) {
  if (int err = check_options(options, EINVAL); err != 0) return -err;
  e.options = options;
  sync_events(tid, e);
  sync_judging(tid, &e);
  return 0;
}

// PTRACE_LISTEN: only at a PTRACE_EVENT_STOP of a seized tracee (EIO:
// ptrace_request(), kernel/ptrace.c). cocoon listens itself: the task
// stays stopped, and its next group-stop or interrupt-stop (SIGCONT, a
// new signal, PTRACE_INTERRUPT) is reported (on_event_stop()).
std::int64_t Ptrace::listen(pid_t tid, EmulatedTracee& e) {
  if (!e.seized || e.stop != StopKind::kEventStop) return -EIO;
  e.stop = StopKind::kNone;
  e.reported = false;
  e.listening = true;
  control_->listen(tid);
  return 0;
}

// PTRACE_INTERRUPT: only for a seized tracee (EIO). cocoon interrupts the
// task itself, so that the kernel decides when it traps (at once, or when
// a stop it is in ends: ptrace_interrupt(), JOBCTL_TRAP_STOP), and that
// trap is reported (on_event_stop()).
//
// An auto-attached task whose first stop has not come yet (`unborn`) is
// the kernel's already: its first stop, a PTRACE_EVENT_STOP, is the trap
// the interrupt asks for (JOBCTL_TRAP_STOP is set at its birth for a
// seized tracer, ptrace_init_task(), kernel/ptrace.c), reported to the
// tracer when it comes (on_clone()).
std::int64_t Ptrace::interrupt(pid_t tid, EmulatedTracee& e) {
  if (!e.seized) return -EIO;
  if (e.unborn) return 0;
  e.interrupted = true;
  control_->interrupt(tid);
  return 0;
}

}  // namespace cocoon::syscalls
