// The requests of an emulated tracer (ptrace.h). cocoon is the real tracer
// of the tracee and has it in a real ptrace-stop, so a request on it is
// cocoon's own ptrace(2) call, its data copied from and to the guest
// tracer's memory. Implemented: PTRACE_TRACEME, CONT, SYSCALL, DETACH,
// KILL, PEEKTEXT/PEEKDATA/PEEKUSER, POKETEXT/POKEDATA, GETREGS/SETREGS,
// GETREGSET NT_PRSTATUS, GETSIGINFO, SETOPTIONS (TRACESYSGOOD, TRACEEXEC,
// EXITKILL), GETEVENTMSG. Every other request, and the other options, fail
// with EPERM as all did before the emulation: ATTACH, SEIZE, INTERRUPT,
// LISTEN, SINGLESTEP, POKEUSER, the other regsets, SETSIGINFO,
// GET_SYSCALL_INFO, SECCOMP_GET_FILTER...
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <span>

#include "ptrace/proc_tasks.h"
#include "ptrace/ptrace.h"

namespace cocoon::syscalls {

using tracer::Verdict;

namespace {

// PTRACE_GETREGS and PTRACE_SETREGS are x86's requests (12 and 13,
// arch/x86/include/uapi/asm/ptrace-abi.h): only an x86-64 guest's ptrace is
// emulated (ptrace.cc), and the other arches' headers do not define them.
constexpr long kGetRegs = 12, kSetRegs = 13;
// x86-64's struct user_regs_struct (arch/x86/include/asm/user_64.h, the
// uapi's register set of NT_PRSTATUS): 27 registers of 8 bytes. Spelt as
// an array so that this file builds for every arch (riscv64's glibc has no
// user_regs_struct); e2e ptrace reads and writes them on x86-64.
using X86Regs = std::array<std::uint64_t, 27>;

bool implemented(long req) {
  switch (req) {
    case PTRACE_CONT:
    case PTRACE_SYSCALL:
    case PTRACE_DETACH:
    case PTRACE_KILL:
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
    case PTRACE_PEEKUSER:
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA:
    case kGetRegs:
    case kSetRegs:
    case PTRACE_GETREGSET:
    case PTRACE_GETSIGINFO:
    case PTRACE_SETOPTIONS:
    case PTRACE_GETEVENTMSG: return true;
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

std::int64_t real_ptrace(long req, pid_t tid, std::uint64_t addr, void* data) {
  return ptrace(static_cast<__ptrace_request>(req), tid, addr, data) == -1 ? -errno : 0;
}

}  // namespace

Verdict Ptrace::request(tracer::SyscallStop& stop) {
  const auto req = static_cast<long>(stop.regs.arg(0));
  if (req == PTRACE_TRACEME) return traceme(stop);
  if (!implemented(req)) return Verdict::deny(EPERM);
  const auto tid = static_cast<pid_t>(stop.regs.arg(1));
  // ptrace_check_attach() (kernel/ptrace.c): a task the caller does not
  // trace, or one not in a ptrace-stop (but for PTRACE_KILL), is ESRCH.
  // So is every task outside the run and cocoon itself: neither is ever an
  // emulated tracee.
  auto it = tracees_.find(tid);
  if (it == tracees_.end() || it->second.tracer != stop.tracee.tgid) return Verdict::deny(ESRCH);
  EmulatedTracee& e = it->second;
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

// PTRACE_TRACEME: the parent process traces the caller (ptrace_traceme(),
// kernel/ptrace.c), EPERM if it is already traced. The parent must be a
// task of the run: cocoon, the command's parent, is never an emulated
// tracer (EPERM, as before the emulation). A parent thread already blocked
// in a wait of the kernel's would never see the stops cocoon keeps: it is
// interrupted, and its wait restarts into wait4() above.
Verdict Ptrace::traceme(tracer::SyscallStop& stop) {
  const pid_t tid = stop.tracee.tid;
  if (tracees_.contains(tid)) return Verdict::deny(EPERM);
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
      return ptrace(static_cast<__ptrace_request>(req), tid, addr, data) == -1 ? -errno : 0;
    case kGetRegs: {
      X86Regs regs{};
      if (auto r = real_ptrace(req, tid, 0, &regs); r != 0) return r;
      return put(memory, data, regs);
    }
    case kSetRegs: {
      X86Regs regs{};
      if (auto r = get(memory, data, regs); r != 0) return r;
      return real_ptrace(req, tid, 0, &regs);
    }
    case PTRACE_GETREGSET: {
      if (addr != NT_PRSTATUS) return -EPERM;  // not emulated yet
      iovec iov{};
      if (auto r = get(memory, data, iov); r != 0) return r;
      X86Regs regs{};
      iovec mine{&regs, std::min(iov.iov_len, sizeof regs)};
      if (auto r = real_ptrace(req, tid, addr, &mine); r != 0) return r;
      const auto base = reinterpret_cast<std::uint64_t>(iov.iov_base);
      if (!memory.write(base, std::as_bytes(std::span(&regs, 1)).first(mine.iov_len))) return -EFAULT;
      iov.iov_len = mine.iov_len;
      return put(memory, data, iov);
    }
    case PTRACE_GETSIGINFO: {
      siginfo_t info{};
      if (auto r = real_ptrace(req, tid, 0, &info); r != 0) return r;
      return put(memory, data, info);
    }
    case PTRACE_SETOPTIONS:
      if (int err = check_options(data); err != 0) return -err;
      e.options = data;
      return 0;
    case PTRACE_GETEVENTMSG: return put(memory, data, e.event_msg);
    default: return -EPERM;
  }
}

// CONT, SYSCALL and DETACH restart the tracee with `data` as the signal
// (EIO if it is none: ptrace_resume(), kernel/ptrace.c). It is delivered at
// a signal-delivery-stop; at a syscall-stop the kernel sends it afresh
// (ptrace_report_syscall(), include/linux/ptrace.h), and so does cocoon;
// at the exec event it is dropped.
std::int64_t Ptrace::resume(pid_t tid, EmulatedTracee& e, long req, std::uint64_t data) {
  if (data > static_cast<std::uint64_t>(SIGRTMAX)) return -EIO;
  const int sig = static_cast<int>(data);
  const StopKind was = e.stop;
  e.stop = StopKind::kNone;
  e.reported = false;
  if (req == PTRACE_DETACH) tracees_.erase(tid);  // `e` is gone from here on
  if (sig != 0 && (was == StopKind::kSyscallEntry || was == StopKind::kSyscallExit)) {
    if (tracer::Tracee* t = control_->find(tid)) syscall(SYS_tgkill, t->tgid, tid, sig);
  }
  control_->release(tid, was == StopKind::kSignal ? sig : 0, req == PTRACE_SYSCALL);
  return 0;
}

}  // namespace cocoon::syscalls
