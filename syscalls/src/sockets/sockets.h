// Socket addresses in the calls that take or give one, between the guest's
// terms and the host's: AF_UNIX paths through the guest's view
// (unix_address.h), and the names an emulated network namespace owns, its
// loopback and abstract AF_UNIX names (NetNamespaces, socket_address.h).
// One handler for both, so each address argument has one translator (a
// single rewrite below the guest's stack) whatever its family.
//
// Guest -> host, at the entry stop: bind, connect, the destination of
// sendto, sendmsg and sendmmsg. The translated address (and for the
// message calls a copy of the struct msghdr / mmsghdr array pointing at
// it) goes below the guest's stack (tracer::StackScratch); the guest's own
// memory is never changed. A translator may refuse the call instead (the
// errno the kernel would give), or answer a datagram's send itself. On an
// IP socket of a network namespace no address goes through the guest's
// memory at all: cocoon makes the call itself on a duplicate of the
// socket (socket_own_calls.cc), so a sibling thread cannot change it
// between the stop and the kernel's read.
//
// Host -> guest, at the exit stop: getsockname, getpeername, accept,
// accept4 and recvfrom's source. The kernel is handed a buffer of the
// tracer's (sockaddr_storage and its length) instead of the guest's, so
// the whole name is seen even when the guest's buffer would have cut it;
// the guest then gets the translated name as move_addr_to_user()
// (net/socket.c) would have written it: min(its length, the real length)
// bytes, and the real length in *addrlen. In an emulated network
// namespace, recvmsg's and recvmmsg's msg_name too, in place.
//
// The control data of sendmsg, sendmmsg, recvmsg and recvmmsg goes through
// a ControlTranslator when the run has one (identity emulation's
// SCM_CREDENTIALS, control_messages.h): a message whose control data it
// changes is sent from a copy of its header and control data below the
// guest's stack; a receiver's is changed in place at the exit stop, taken
// only when the guest gave a control buffer.
//
// Traced only as the run needs: the path calls with a view, the network
// ones (and listen, socket, recvmsg, recvmmsg) when network namespaces are
// emulated, the four message calls with a control translator; with none
// of them the handler is not made.
//
// Not translated: recvmsg and recvmmsg source addresses without network
// namespaces (msg_name is in memory the filter cannot see: every call would
// cost two stops), and every call of the i386 entry (bind, connect, the
// sends, listen and socket get ENOSYS there, like every i386 path call; the
// others pass with host names).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "view/guest_view.h"
#include "control_messages.h"
#include "socket_address.h"
#include "unix_address.h"

namespace cocoon::syscalls {

class Sockets final : public tracer::SyscallHandler {
 public:
  // `view`: AF_UNIX paths are translated through it (null: none); `net`:
  // the network namespaces (null: the host's only); `control`: the
  // messages' control data (null: as it is).
  Sockets(std::shared_ptr<const GuestView> view, std::shared_ptr<NetNamespaces> net,
          tracer::ProcessRegistry& registry, std::shared_ptr<ControlTranslator> control = nullptr);
  std::string_view name() const override { return "sockets"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;

 private:
  // A call's, between its entry and its exit stop.
  struct Pending {
    enum class Kind : std::uint8_t { kName, kBatch, kReceived };
    Kind kind = Kind::kName;
    // kName, kBatch: the two arguments that were replaced (arg, arg + 1)
    // with the guest's values; kReceived: the guest's msghdr or mmsghdr
    // array, unchanged.
    int arg = 0;
    std::uint64_t guest[2] = {0, 0};
    std::uint64_t scratch = 0;   // where the kernel writes instead
    std::int32_t buf_len = 0;    // a name: the guest's buffer size
    bool efault_fails = false;   // a name: an unwritable buffer fails the call
    std::size_t count = 0;       // sendmmsg: messages in the copy
    std::vector<std::uint32_t> name_lens;  // kReceived: each msg_namelen given
    std::vector<bool> controls;            // kReceived: each gave a control buffer
    // recvfrom, recvmsg: what a netlink reply needs at the exit, where
    // the argument registers no longer say (the exit's syscall info has
    // none; arg0 is the result register on aarch64 and riscv64).
    int fd = -1;
    int flags = 0;
    std::uint64_t buffer = 0, buffer_len = 0;  // recvfrom's
  };

  // What becomes of the guest's `guest` handed to `use` on its socket
  // (`held`: cocoon's duplicate in a network namespace, else null).
  AddressAnswer to_host(const tracer::SyscallStop& stop, const std::shared_ptr<HeldSocket>& held,
                        AddressUse use, const SockAddr& guest);
  // The socket of argument 0, held when the caller's names are a network
  // namespace's.
  std::shared_ptr<HeldSocket> hold(const tracer::SyscallStop& stop);
  // A name the kernel wrote, in the guest's terms (nullopt: as it is).
  std::optional<SockAddr> to_guest(pid_t tgid, const SockAddr& kernel) const;
  // Whether names the kernel gives process `tgid` may need translating.
  bool translates_names(pid_t tgid) const;

  // bind, connect, sendto: the address in argument `arg`, its length next.
  tracer::Verdict rewrite_address(tracer::SyscallStop& stop, int arg, AddressUse use);
  // sendmsg, sendmmsg: one message's destination.
  // `own`, when not null, gets the guest's own name.
  AddressAnswer message_to_host(tracer::SyscallStop& stop, const msghdr& msg, AddressUse use,
                                const std::shared_ptr<HeldSocket>& held,
                                std::optional<SockAddr>* own);
  tracer::Verdict rewrite_msghdr(tracer::SyscallStop& stop);
  // `msg` copied below the guest's stack, argument 1 pointing at the
  // copy: with the name `name` (null: msg's own) and the control data
  // `control` (null: msg's own) copied there too.
  tracer::Verdict push_msghdr(tracer::SyscallStop& stop, msghdr msg, const SockAddr* name,
                              const std::vector<std::byte>* control = nullptr);
  // What the kernel gets for `msg`'s control data (control_messages.h).
  std::expected<std::optional<std::vector<std::byte>>, int> control_to_kernel(
      const tracer::SyscallStop& stop, const msghdr& msg);
  struct Controls {
    std::vector<std::pair<std::size_t, std::vector<std::byte>>> changed;
    std::size_t count = 0;
  };
  std::expected<Controls, int> controls_to_kernel(const tracer::SyscallStop& stop,
                                                  std::span<const mmsghdr> msgs);
  // The control data the kernel wrote for the guest's header `msg` (read
  // back at the exit: msg_controllen is the length written).
  void control_back(tracer::SyscallStop& stop, const msghdr& msg);
  tracer::Verdict rewrite_mmsghdrs(tracer::SyscallStop& stop);
  tracer::Verdict dropped_first(tracer::SyscallStop& stop, const mmsghdr& first);
  tracer::Verdict netlink_request(tracer::SyscallStop& stop);
  tracer::Verdict netlink_message(tracer::SyscallStop& stop, msghdr msg);
  tracer::Verdict socket_call(tracer::SyscallStop& stop);
  // getsockname, accept, recvfrom...: the name buffer in argument `arg`,
  // its length pointer next, redirected to the tracer's buffer.
  tracer::Verdict redirect_name(tracer::SyscallStop& stop, int arg, bool efault_fails);
  void name_back(tracer::SyscallStop& stop, const Pending& p);
  void lengths_back(tracer::SyscallStop& stop, const Pending& p);
  // recvmsg, recvmmsg: the msg_name of each header, in place at the exit.
  tracer::Verdict note_received(tracer::SyscallStop& stop, bool many);
  void received_back(tracer::SyscallStop& stop, const Pending& p);
  // A NETLINK_ROUTE reply the kernel wrote at `pieces` (netlink_replies.cc).
  void netlink_reply_back(tracer::SyscallStop& stop, const Pending& p, std::span<const iovec> pieces);
  void read_again(tracer::SyscallStop& stop, const Pending& p);
  static std::expected<std::vector<iovec>, int> message_iovecs(const tracer::GuestMemory& memory,
                                                               const msghdr& msg);

  // The calls made here, on the socket the namespace handed over
  // (socket_own_calls.cc).
  struct OwnMessage {
    std::vector<std::byte> data, control;
  };
  // bind, connect, sendto of `name` (in cocoon's memory) on an IP socket.
  tracer::Verdict call_here(tracer::SyscallStop& stop, AddressUse use, const HeldSocket& socket,
                            const SockAddr& name);
  tracer::Verdict connect_here(tracer::SyscallStop& stop, const HeldSocket& socket,
                               const SockAddr& name);
  tracer::Verdict datagram_here(tracer::SyscallStop& stop, const msghdr& msg, const HeldSocket& socket,
                                const SockAddr* name);
  tracer::Verdict stream_message(tracer::SyscallStop& stop, msghdr msg);
  tracer::Verdict batch_here(tracer::SyscallStop& stop, std::span<const mmsghdr> msgs,
                             std::span<const std::optional<SockAddr>> names,
                             const HeldSocket& socket);
  static std::expected<OwnMessage, int> read_message(const tracer::GuestMemory& memory,
                                                     const msghdr& msg);
  static long send_here(int fd, OwnMessage& m, const SockAddr* name, int flags);

  tracer::CallSlot<Pending> pending_;
  std::optional<UnixAddresses> paths_;
  std::shared_ptr<NetNamespaces> net_;
  std::shared_ptr<ControlTranslator> control_;
};

}  // namespace cocoon::syscalls
