#include "unix_sockets.h"

#include <array>
#include <cerrno>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

enum class Call : std::uint8_t { kBind, kConnect, kSendto, kSendmsg, kSendmmsg, kOwnName, kAccept, kRecvfrom };

struct CallInfo {
  arch::Sys sys;
  Call call;
  // Traced only when this argument is not 0 (the filter checks it): send()
  // and recv() are sendto/recvfrom without an address, and accept(fd, NULL,
  // NULL) asks for no name; -1: always.
  int nonzero_arg;
  // Hands the kernel a path: refused on the i386 entry (see decision()).
  bool sends;
};

constexpr std::array<CallInfo, 10> kCalls{{
    {arch::Sys::bind, Call::kBind, -1, true},
    {arch::Sys::connect, Call::kConnect, -1, true},
    {arch::Sys::sendto, Call::kSendto, 4, true},
    {arch::Sys::sendmsg, Call::kSendmsg, -1, true},
    {arch::Sys::sendmmsg, Call::kSendmmsg, -1, true},
    {arch::Sys::getsockname, Call::kOwnName, -1, false},
    {arch::Sys::getpeername, Call::kOwnName, -1, false},
    {arch::Sys::accept, Call::kAccept, 1, false},
    {arch::Sys::accept4, Call::kAccept, 1, false},
    {arch::Sys::recvfrom, Call::kRecvfrom, 4, false},
}};

const CallInfo* find_call(arch::Sys sys) {
  for (const CallInfo& c : kCalls) {
    if (c.sys == sys) return &c;
  }
  return nullptr;
}

// The kernel's internal "restart me" results (include/linux/errno.h): the
// call is entered again from user space with the registers as they are at
// this exit stop (arch_do_signal_or_restart()), so through the filter and
// the entry stop again, which must find the guest's own arguments.
bool restarts(std::int64_t result) {
  return result == -512 /* ERESTARTSYS */ || result == -513 /* ERESTARTNOINTR */ ||
         result == -514 /* ERESTARTNOHAND */;
}

}  // namespace

Decision UnixSockets::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // i386's multiplexer passes its arguments in memory the filter cannot see.
  if (row.sys == arch::Sys::socketcall) return Decision::fail(ENOSYS);
  const CallInfo* c = find_call(row.sys);
  if (c == nullptr) return Decision::allow();
  // The i386 entry reaches these through socketcall(2) too. The ones that
  // hand a path to the kernel are refused there like every i386 path call
  // (see Paths::decision); the others show host names.
  if (abi != arch::host_arch()) return c->sends ? Decision::fail(ENOSYS) : Decision::allow();
  // Names translated both ways around a call the kernel makes.
  const Decision d = c->nonzero_arg < 0 ? Decision::trace() : Decision::trace_if_nonzero(c->nonzero_arg);
  return d.in(tracer::Phase::kTranslate);
}

Verdict UnixSockets::on_entry(tracer::SyscallStop& stop) {
  const CallInfo* c = find_call(stop.desc.sys);
  if (c == nullptr) return Verdict::resume();
  switch (c->call) {
    case Call::kBind: return rewrite_address(stop, 1, true);
    case Call::kConnect: return rewrite_address(stop, 1, false);
    case Call::kSendto: return rewrite_address(stop, 4, false);
    case Call::kSendmsg: return rewrite_msghdr(stop);
    case Call::kSendmmsg: return rewrite_mmsghdrs(stop);
    case Call::kOwnName: return redirect_name(stop, 1, true);
    case Call::kAccept: return redirect_name(stop, 1, false);
    case Call::kRecvfrom: return redirect_name(stop, 4, false);
  }
  return Verdict::resume();
}

Verdict UnixSockets::rewrite_address(tracer::SyscallStop& stop, int arg, bool binding) {
  auto& regs = stop.regs;
  auto guest = read_path_address(stop.memory, regs.arg(arg), regs.arg(arg + 1));
  if (!guest) return Verdict::deny(guest.error());
  if (!*guest) return Verdict::resume();
  auto host = addresses_.to_host(stop, **guest, binding);
  if (!host) return Verdict::deny(host.error());
  if (!*host) return Verdict::resume();
  tracer::StackScratch scratch(stop.memory, regs.sp());
  auto at = scratch.push((*host)->bytes());
  if (!at) return Verdict::deny(at.error());
  regs.set_arg(arg, *at);
  regs.set_arg(arg + 1, (*host)->len);
  return Verdict::resume();
}

// The guest's arguments go back in every case: x86-64 and aarch64 preserve
// the argument registers across a syscall, and compiled code may rely on
// it (glibc's inline syscalls list them as inputs only).
void UnixSockets::on_exit(tracer::SyscallStop& stop) {
  const auto pending = pending_.take(stop.tracee.tid);
  if (!pending) return;
  const Pending& p = *pending;
  stop.regs.set_arg(p.arg, p.guest[0]);
  stop.regs.set_arg(p.arg + 1, p.guest[1]);
  if (restarts(stop.regs.result())) return;
  if (p.batch) {
    lengths_back(stop, p);
  } else {
    name_back(stop, p);
  }
}

}  // namespace cocoon::syscalls
