#include "sockets.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

enum class Call : std::uint8_t {
  kBind, kConnect, kSendto, kSendmsg, kSendmmsg, kOwnName, kAccept, kRecvfrom,
  kRecvmsg, kRecvmmsg, kListen, kSocket,
};

struct CallInfo {
  arch::Sys sys;
  Call call;
  // Traced only when this argument is not 0 (the filter checks it): send()
  // and recv() are sendto/recvfrom without an address, and accept(fd, NULL,
  // NULL) asks for no name; -1: always.
  int nonzero_arg;
  // Hands the kernel a name, or makes a socket: refused on the i386 entry
  // (see decision()).
  bool sends;
  // Only network namespaces need it.
  bool net_only;
  // Carries control data (cmsg(3)).
  bool control;
};

constexpr std::array<CallInfo, 14> kCalls{{
    {arch::Sys::bind, Call::kBind, -1, true, false, false},
    {arch::Sys::connect, Call::kConnect, -1, true, false, false},
    {arch::Sys::sendto, Call::kSendto, 4, true, false, false},
    {arch::Sys::sendmsg, Call::kSendmsg, -1, true, false, true},
    {arch::Sys::sendmmsg, Call::kSendmmsg, -1, true, false, true},
    {arch::Sys::getsockname, Call::kOwnName, -1, false, false, false},
    {arch::Sys::getpeername, Call::kOwnName, -1, false, false, false},
    {arch::Sys::accept, Call::kAccept, 1, false, false, false},
    {arch::Sys::accept4, Call::kAccept, 1, false, false, false},
    {arch::Sys::recvfrom, Call::kRecvfrom, 4, false, false, false},
    {arch::Sys::recvmsg, Call::kRecvmsg, -1, false, true, true},
    {arch::Sys::recvmmsg, Call::kRecvmmsg, -1, false, true, true},
    // listen(2) of a socket not bound binds the wildcard; socket(2) of a
    // family or protocol the namespace cannot check.
    {arch::Sys::listen, Call::kListen, -1, true, true, false},
    {arch::Sys::socket, Call::kSocket, -1, true, true, false},
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

Sockets::Sockets(std::shared_ptr<const GuestView> view, std::shared_ptr<NetNamespaces> net,
                 tracer::ProcessRegistry& registry, std::shared_ptr<ControlTranslator> control)
    : pending_(registry), net_(std::move(net)), control_(std::move(control)) {
  if (view) paths_.emplace(std::move(view));
}

Decision Sockets::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const bool names = paths_ || net_;
  // i386's multiplexer passes its arguments in memory the filter cannot see.
  if (row.sys == arch::Sys::socketcall) return names ? Decision::fail(ENOSYS) : Decision::allow();
  const CallInfo* c = find_call(row.sys);
  if (c == nullptr) return Decision::allow();
  const bool needed = net_ || (paths_ && !c->net_only) || (control_ && c->control);
  if (!needed) return Decision::allow();
  // The i386 entry reaches these through socketcall(2) too. The ones that
  // hand a name to the kernel are refused there like every i386 path call
  // (see Paths::decision); the others show host names. Control data is not
  // translated there (credentials keep the kernel's numbers).
  if (abi != arch::host_arch()) return c->sends && names ? Decision::fail(ENOSYS) : Decision::allow();
  // Names translated both ways around a call the kernel makes.
  const Decision d = c->nonzero_arg < 0 ? Decision::trace() : Decision::trace_if_nonzero(c->nonzero_arg);
  return d.in(tracer::Phase::kTranslate);
}

Verdict Sockets::on_entry(tracer::SyscallStop& stop) {
  const CallInfo* c = find_call(stop.desc.sys);
  if (c == nullptr) return Verdict::resume();
  const pid_t tgid = stop.tracee.tgid;
  const bool names = translates_names(tgid);
  switch (c->call) {
    case Call::kBind: return rewrite_address(stop, 1, AddressUse::kBind);
    case Call::kConnect: return rewrite_address(stop, 1, AddressUse::kConnect);
    case Call::kSendto:
      return rewrite_address(stop, 4, (stop.regs.arg(3) & MSG_FASTOPEN) != 0 ? AddressUse::kSendFastOpen
                                                                             : AddressUse::kSend);
    case Call::kSendmsg: return rewrite_msghdr(stop);
    case Call::kSendmmsg: return rewrite_mmsghdrs(stop);
    case Call::kOwnName: return names ? redirect_name(stop, 1, true) : Verdict::resume();
    case Call::kAccept: return names ? redirect_name(stop, 1, false) : Verdict::resume();
    case Call::kRecvfrom: return names ? redirect_name(stop, 4, false) : Verdict::resume();
    case Call::kRecvmsg: return note_received(stop, false);
    case Call::kRecvmmsg: return note_received(stop, true);
    case Call::kListen:
      if (net_) net_->before_listen(stop, static_cast<int>(stop.regs.arg(0)));
      return Verdict::resume();
    case Call::kSocket: return socket_call(stop);
  }
  return Verdict::resume();
}

std::shared_ptr<HeldSocket> Sockets::hold(const tracer::SyscallStop& stop) {
  return net_ ? net_->hold(stop, static_cast<int>(stop.regs.arg(0))) : nullptr;
}

AddressAnswer Sockets::to_host(const tracer::SyscallStop& stop, const std::shared_ptr<HeldSocket>& held,
                               AddressUse use, const SockAddr& guest) {
  if (auto path = path_address(guest)) {
    if (!paths_) return AddressAnswer::as_is();
    auto host = paths_->to_host(stop, *path, use == AddressUse::kBind);
    if (!host) return AddressAnswer::refused(host.error());
    if (!*host) return AddressAnswer::as_is();
    return AddressAnswer::rewritten(SockAddr::of((*host)->bytes()));
  }
  return net_ ? net_->to_host(stop, held, use, guest) : AddressAnswer::as_is();
}

std::optional<SockAddr> Sockets::to_guest(pid_t tgid, const SockAddr& kernel) const {
  const auto* path = reinterpret_cast<const char*>(&kernel.addr) + kSunPathOffset;
  if (kernel.family() == AF_UNIX && kernel.len > kSunPathOffset && path[0] != '\0') {
    if (!paths_) return std::nullopt;
    auto guest = paths_->to_guest(kernel.bytes());
    if (!guest) return std::nullopt;
    return SockAddr::of(*guest);
  }
  return net_ ? net_->to_guest(tgid, kernel) : std::nullopt;
}

bool Sockets::translates_names(pid_t tgid) const {
  return paths_.has_value() || (net_ && net_->translates(tgid));
}

Verdict Sockets::rewrite_address(tracer::SyscallStop& stop, int arg, AddressUse use) {
  auto& regs = stop.regs;
  auto guest = read_sockaddr(stop.memory, regs.arg(arg), regs.arg(arg + 1));
  if (!guest) return Verdict::deny(guest.error());
  if (!*guest) return Verdict::resume();
  if (arg == 4 && (*guest)->family() == AF_NETLINK) return netlink_request(stop);
  // Held whatever the family read here: a sibling thread may make the
  // guest's buffer an IP address after this look.
  const auto held = hold(stop);
  const AddressAnswer a = to_host(stop, held, use, **guest);
  switch (a.kind) {
    case AddressAnswer::Kind::kRefused: return Verdict::deny(a.err);
    case AddressAnswer::Kind::kDropped:
      // sendto(2)'s length, as a datagram's send answers it.
      if (regs.arg(2) > kMaxDatagram) return Verdict::deny(EMSGSIZE);
      return Verdict::skip(static_cast<std::int64_t>(regs.arg(2)));
    case AddressAnswer::Kind::kAsIs:
    case AddressAnswer::Kind::kRewritten: break;
  }
  const bool rewritten = a.kind == AddressAnswer::Kind::kRewritten;
  if (held && (held->domain == AF_INET || held->domain == AF_INET6)) {
    return call_here(stop, use, *held, rewritten ? a.host : **guest);
  }
  if (!rewritten) return Verdict::resume();
  tracer::StackScratch scratch(stop.memory, regs.sp());
  auto at = scratch.push(a.host.bytes());
  if (!at) return Verdict::deny(at.error());
  regs.set_arg(arg, *at);
  regs.set_arg(arg + 1, a.host.len);
  return Verdict::resume();
}

// sendto(2) of a netlink request the namespace answers (NetNamespaces::
// netlink_request), from a copy below the guest's stack.
Verdict Sockets::netlink_request(tracer::SyscallStop& stop) {
  const std::uint64_t len = stop.regs.arg(2);
  if (!net_ || len > kMaxNetlinkRequest) return Verdict::resume();
  std::vector<std::byte> bytes(len);
  if (!stop.memory.read(stop.regs.arg(1), bytes)) return Verdict::resume();  // EFAULT
  auto request = net_->netlink_request(stop.tracee.tgid, bytes);
  if (!request) return Verdict::resume();
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  auto at = scratch.push(*request);
  if (!at) return Verdict::deny(at.error());
  stop.regs.set_arg(1, *at);
  return Verdict::resume();
}

Verdict Sockets::socket_call(tracer::SyscallStop& stop) {
  const auto& r = stop.regs;
  const int err = net_ ? net_->socket_error(stop.tracee.tgid, static_cast<int>(r.arg(0)),
                                            static_cast<int>(r.arg(1)), static_cast<int>(r.arg(2)))
                       : 0;
  return err != 0 ? Verdict::deny(err) : Verdict::resume();
}

// The guest's arguments go back in every case: x86-64 and aarch64 preserve
// the argument registers across a syscall, and compiled code may rely on
// it (glibc's inline syscalls list them as inputs only).
void Sockets::on_exit(tracer::SyscallStop& stop) {
  const auto pending = pending_.take(stop.tracee.tid);
  if (!pending) return;
  const Pending& p = *pending;
  if (p.kind == Pending::Kind::kReceived) {
    received_back(stop, p);
    return;
  }
  stop.regs.set_arg(p.arg, p.guest[0]);
  stop.regs.set_arg(p.arg + 1, p.guest[1]);
  if (restarts(stop.regs.result())) return;
  if (p.kind == Pending::Kind::kBatch) {
    lengths_back(stop, p);
  } else {
    name_back(stop, p);
  }
}

}  // namespace cocoon::syscalls
