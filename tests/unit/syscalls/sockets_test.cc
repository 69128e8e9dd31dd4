// Socket addresses: which calls are traced (against the table's sockaddr
// roles), with a view, with network namespaces, with both; and the AF_UNIX
// path mapping on a real directory tree, including a host path longer than
// sun_path.
#include "sockets/sockets.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/tracee.h"
#include "sockets/unix_address.h"

namespace cocoon::syscalls {
namespace {

namespace fs = std::filesystem;

// Every call that hands the kernel an AF_UNIX name is traced on the host's
// ABI (sendto only with an address: the filter's condition is the argument
// the table calls sockaddr) and refused on the i386 entry.
TEST(Sockets, NoAddressReachesTheKernelUntranslated) {
  tracer::ProcessRegistry registry;
  const Sockets h(std::make_shared<GuestView>(vfs::MountTable(vfs::HostPath("/srv/root"))),
                  nullptr, registry);
  for (const auto& row : arch::all_syscalls()) {
    const bool sends = row.has_role(arch::ArgRole::kSockaddr) || row.sys == arch::Sys::sendmsg ||
                       row.sys == arch::Sys::sendmmsg || row.sys == arch::Sys::socketcall;
    for (arch::Arch abi : arch::entry_abis(arch::host_arch())) {
      if (!row.exists_on(abi) || !sends) continue;
      const auto d = h.decision(row, abi);
      if (abi != arch::host_arch() || row.sys == arch::Sys::socketcall) {
        EXPECT_EQ(d, tracer::Decision::fail(ENOSYS)) << row.name << " on " << arch::name(abi);
        continue;
      }
      EXPECT_EQ(d.action, tracer::Action::kTrace) << row.name;
      if (d.nonzero_arg >= 0) {
        EXPECT_EQ(row.args[static_cast<std::size_t>(d.nonzero_arg)], arch::ArgRole::kSockaddr)
            << row.name;
      }
    }
  }
}

// The calls only a network namespace needs (its clients bound before
// listen, its sockets' families, the senders recvmsg names) are traced only
// when network namespaces are emulated: a run with a view alone pays
// nothing more for them.
TEST(Sockets, NetworkOnlyCallsAreTracedOnlyWithNetworkNamespaces) {
  struct NoNet final : NetNamespaces {
    bool translates(pid_t) const override { return false; }
    std::shared_ptr<HeldSocket> hold(const tracer::SyscallStop&, int) override { return nullptr; }
    AddressAnswer to_host(const tracer::SyscallStop&, const std::shared_ptr<HeldSocket>&, AddressUse,
                          const SockAddr&) override {
      return AddressAnswer::as_is();
    }
    std::optional<SockAddr> to_guest(pid_t, const SockAddr&) const override { return std::nullopt; }
    void before_listen(const tracer::SyscallStop&, int) override {}
    int socket_error(pid_t, int, int, int) const override { return 0; }
    std::optional<std::vector<std::byte>> netlink_request(pid_t, std::span<const std::byte>) const override {
      return std::nullopt;
    }
    std::size_t netlink_reply(pid_t, std::span<std::byte> reply) const override { return reply.size(); }
  };
  tracer::ProcessRegistry registry;
  auto view = std::make_shared<GuestView>(vfs::MountTable(vfs::HostPath("/srv/root")));
  const Sockets paths_only(view, nullptr, registry);
  const Sockets net_only(nullptr, std::make_shared<NoNet>(), registry);
  const arch::Arch host = arch::host_arch();
  for (auto sys : {arch::Sys::recvmsg, arch::Sys::recvmmsg, arch::Sys::listen, arch::Sys::socket}) {
    const auto& row = arch::find_syscall(sys);
    EXPECT_EQ(paths_only.decision(row, host), tracer::Decision::allow()) << row.name;
    EXPECT_EQ(net_only.decision(row, host).action, tracer::Action::kTrace) << row.name;
  }
  for (auto sys : {arch::Sys::connect, arch::Sys::getsockname, arch::Sys::accept4}) {
    const auto& row = arch::find_syscall(sys);
    EXPECT_EQ(paths_only.decision(row, host), net_only.decision(row, host)) << row.name;
  }
}

std::vector<std::byte> kernel_name(std::string_view path) {
  std::vector<std::byte> out(kSunPathOffset + path.size() + 1);
  const sa_family_t family = AF_UNIX;
  std::memcpy(out.data(), &family, sizeof family);
  std::memcpy(out.data() + kSunPathOffset, path.data(), path.size());
  return out;
}

std::string name_of(const std::vector<std::byte>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()) + kSunPathOffset);
}

// A root with /run, /ro its read-only bind, and /far bound from a directory whose path is longer
// than sun_path; the calls resolve for this process, as a tracee.
class UnixAddressesTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-unix-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    far_ = dir_ + "/" + std::string(100, 'l');
    fs::create_directories(dir_ + "/root/run");
    fs::create_directories(dir_ + "/rodir");
    fs::create_directories(far_);
    vfs::MountTable table(vfs::HostPath(dir_ + "/root"));
    ASSERT_TRUE(table.add(vfs::Mount{vfs::GuestPath("/far"), vfs::HostPath(far_),
                                     vfs::MountKind::kBind, false}));
    ASSERT_TRUE(table.add(vfs::Mount{vfs::GuestPath("/ro"), vfs::HostPath(dir_ + "/rodir"),
                                     vfs::MountKind::kBind, true}));
    auto view = std::make_shared<GuestView>(std::move(table));
    view->set_socket_link_dir(dir_ + "/u");
    addresses_.emplace(view);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::expected<std::optional<UnixAddress>, int> to_host(const std::string& guest, bool bind) {
    tracer::Tracee t{::getpid(), ::getpid()};
    arch::SyscallRegs regs;
    tracer::GuestMemory memory(::getpid());
    tracer::SyscallStop stop{t, regs, *arch::find_syscall(bind ? "bind" : "connect"), memory};
    UnixAddress a;
    a.addr.sun_family = AF_UNIX;
    std::memcpy(a.addr.sun_path, guest.data(), guest.size());
    a.len = kSunPathOffset + guest.size() + 1;
    return addresses_->to_host(stop, a, bind);
  }

  std::string dir_, far_;
  std::optional<UnixAddresses> addresses_;
};

TEST_F(UnixAddressesTest, PathsUnderTheRootMapBothWays) {
  auto host = to_host("/run/s", true);
  ASSERT_TRUE(host && *host);
  EXPECT_STREQ((*host)->addr.sun_path, (dir_ + "/root/run/s").c_str());
  auto guest = addresses_->to_guest((*host)->bytes());
  ASSERT_TRUE(guest);
  EXPECT_EQ(name_of(*guest), "/run/s");
  EXPECT_EQ(guest->size(), kSunPathOffset + 7);  // with the NUL, as unix_mkname_bsd counts
}

TEST_F(UnixAddressesTest, ALongHostPathGoesThroughAShortLinkAndComesBackAsTheGuests) {
  auto host = to_host("/far/s", true);
  ASSERT_TRUE(host && *host);
  const std::string sun = (*host)->addr.sun_path;
  EXPECT_EQ(sun, dir_ + "/u/0/s");
  EXPECT_EQ(fs::read_symlink(dir_ + "/u/0"), far_);
  EXPECT_EQ(name_of(*addresses_->to_guest((*host)->bytes())), "/far/s");
  // The same directory reuses its link; connect follows it the same way.
  auto again = to_host("/far/t", false);
  ASSERT_TRUE(again && *again);
  EXPECT_STREQ((*again)->addr.sun_path, (dir_ + "/u/0/t").c_str());
  EXPECT_FALSE(fs::exists(dir_ + "/u/1"));
}

TEST_F(UnixAddressesTest, ANameTooLongEvenThroughALinkIsENAMETOOLONG) {
  auto host = to_host("/far/" + std::string(100, 'n'), true);
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error(), ENAMETOOLONG);
}

// Under a read-only bind the tracer answers in the kernel's order
// (filename_create(): EEXIST, which bind calls EADDRINUSE, before EROFS);
// elsewhere the kernel answers itself.
TEST_F(UnixAddressesTest, BindUnderAReadOnlyMountIsEADDRINUSEOrEROFS) {
  ASSERT_EQ(::close(::creat((dir_ + "/rodir/taken").c_str(), 0600)), 0);
  ASSERT_EQ(::close(::creat((dir_ + "/root/run/taken").c_str(), 0600)), 0);
  auto taken = to_host("/ro/taken", true);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error(), EADDRINUSE);
  auto fresh = to_host("/ro/fresh", true);
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error(), EROFS);
  auto rw = to_host("/run/taken", true);
  ASSERT_TRUE(rw && *rw);
}

TEST_F(UnixAddressesTest, AbstractRelativeUnnamedAndOtherNamesStayAsTheKernelGaveThem) {
  auto abstract = kernel_name("");
  abstract.push_back(std::byte{'x'});  // "\0x"
  EXPECT_FALSE(addresses_->to_guest(abstract));
  EXPECT_FALSE(addresses_->to_guest(kernel_name("s.sock")));
  const auto unnamed = kernel_name("");
  EXPECT_FALSE(addresses_->to_guest(std::span(unnamed).first(kSunPathOffset)));
  auto inet = kernel_name(dir_ + "/root/run/s");
  const sa_family_t family = AF_INET;
  std::memcpy(inet.data(), &family, sizeof family);
  EXPECT_FALSE(addresses_->to_guest(inet));
  // Outside the view: the kernel's "(unreachable)" convention, as readlink.
  EXPECT_EQ(name_of(*addresses_->to_guest(kernel_name("/elsewhere/s"))), "(unreachable)/elsewhere/s");
}

}  // namespace
}  // namespace cocoon::syscalls
