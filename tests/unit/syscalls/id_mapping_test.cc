// File owners through an emulated user namespace's id maps, on this process
// as its own tracee: FileOwners answers its statx and fchownat as it would
// a guest's inside `unshare -Ur` run by nobody (uid_map "0 65534 1"). The
// kernel shows the caller's own file as owned by 0 there, and records a
// chown to 0 as the mapped outer id, 65534 (user_namespaces(7)).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <expected>
#include <span>
#include <vector>
#include <filesystem>
#include <string>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/registry.h"
#include "cocoon/tracer/tracee.h"
#include "identity/id_arguments.h"
#include "identity/identity.h"
#include "identity/peer_credentials.h"
#include "identity/scm_credentials.h"
#include "namespaces/namespaces.h"

namespace cocoon::syscalls {
namespace {

using arch::Sys;

constexpr std::uint32_t kNobody = 65534;

// What a handler did with a call: "= N" for a result it gave (-errno for
// an error), "kernel" for a call it let run.
std::string answer(const tracer::Verdict& v) {
  if (v.kind != tracer::Verdict::Kind::kSkip) return "kernel";
  return "= " + std::to_string(v.value);
}
const std::string kZero = "= 0";
std::string error(int err) { return "= " + std::to_string(-err); }

class InUserNamespace : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-idmap-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/f";
    ASSERT_EQ(::close(::creat(file_.c_str(), 0644)), 0);
    // The first user namespace is nobody's: files cocoon never recorded
    // are nobody's (the emulated user's, as --namespaces run by nobody).
    registry_.add(me_, me_);
    identity_->config = {kNobody, kNobody, std::nullopt, false};
    ns_->unshare(me_, CLONE_NEWUSER, kNobody, kNobody);
    UserNs* user = ns_->user_ns(ns_->id_of(me_, NsKind::kUser));
    ASSERT_NE(user, nullptr);
    user->uid_map = parse_id_map("0 65534 1");
    user->gid_map = parse_id_map("0 65534 1");
    identity_->ids = std::make_shared<UserNsIds>(ns_);
    // Every capability in the namespace it made, as Namespaces gives them.
    identity_->of(me_).enter_user_ns();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Syscall `sys` with `args`, as this process's own call, its ids decoded
  // by IdArguments (the translate phase) and answered by `h`.
  tracer::Verdict call(tracer::SyscallHandler& h, arch::Sys sys,
                       std::initializer_list<std::uint64_t> args) {
    tracer::Tracee t{me_, me_};
    arch::SyscallRegs regs;
    int i = 0;
    for (std::uint64_t v : args) regs.set_arg(i++, v);
    tracer::GuestMemory memory(me_);
    tracer::SyscallStop stop{t, regs, arch::find_syscall(sys), memory};
    if (const tracer::Verdict v = ids_.on_entry(stop); v.kind != tracer::Verdict::Kind::kResume) {
      return v;
    }
    return h.on_entry(stop);
  }
  std::uint64_t path() const { return reinterpret_cast<std::uint64_t>(file_.c_str()); }
  static constexpr std::uint64_t kCwd = static_cast<std::uint64_t>(AT_FDCWD);
  tracer::Verdict chown(std::uint32_t uid, std::uint32_t gid) {
    return call(owners_, Sys::fchownat, {kCwd, path(), uid, gid, 0});
  }

  // statx's owner, as this process is told.
  std::pair<std::uint32_t, std::uint32_t> owner() {
    struct statx sx {};
    const tracer::Verdict v = call(owners_, Sys::statx, {kCwd, path(), 0, STATX_BASIC_STATS,
                                                      reinterpret_cast<std::uint64_t>(&sx)});
    EXPECT_EQ(answer(v), kZero);
    return {sx.stx_uid, sx.stx_gid};
  }

  // The file is root's (of the first namespace), as a chown by cocoon's
  // emulated root would have recorded it.
  void make_roots() {
    struct statx sx {};
    ASSERT_EQ(::statx(AT_FDCWD, file_.c_str(), 0, STATX_BASIC_STATS | STATX_BTIME, &sx), 0);
    FileRecord r;
    r.btime_sec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_sec : 0;
    r.btime_nsec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_nsec : 0;
    r.mode = sx.stx_mode;
    ASSERT_EQ(identity_->db.put({makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino}, r), 0);
  }

  const pid_t me_ = ::getpid();
  std::string dir_, file_;
  // This process is followed, as the tracer follows its tracees: its
  // namespaces and credentials are kept.
  tracer::ProcessRegistry registry_;
  std::shared_ptr<NamespaceState> ns_ = std::make_shared<NamespaceState>(nullptr, registry_);
  std::shared_ptr<IdentityState> identity_ = std::make_shared<IdentityState>(registry_);
  FileOwners owners_{identity_, registry_};
  CredentialCalls creds_{identity_};
  IdArguments ids_{identity_};
  PeerCredentials peers_{identity_, registry_};
};

TEST_F(InUserNamespace, OnesOwnFileIsOwnedByTheNamespacesRoot) {
  EXPECT_EQ(answer(call(creds_, Sys::geteuid, {})), kZero);  // root in it
  EXPECT_EQ(owner(), std::make_pair(0u, 0u));
}

TEST_F(InUserNamespace, AChownToRootIsRecordedAsTheMappedOuterId) {
  EXPECT_EQ(answer(chown(0, 0)), kZero);
  EXPECT_EQ(owner(), std::make_pair(0u, 0u));
  ASSERT_EQ(identity_->db.size(), 1u);
  const FileRecord& record = identity_->db.records().begin()->second;
  EXPECT_EQ(record.uid, kNobody) << "recorded as the outer id";
  EXPECT_EQ(record.gid, kNobody);
}

// chown(2), setuid(2), setgroups(2): EINVAL for an id the namespace does
// not map; -1 still means "unchanged".
TEST_F(InUserNamespace, AnUnmappedIdGoingInIsEinval) {
  EXPECT_EQ(answer(chown(5, kNoId)), error(EINVAL));
  EXPECT_EQ(answer(chown(kNoId, 5)), error(EINVAL));
  EXPECT_EQ(answer(chown(kNoId, 0)), kZero);
  EXPECT_EQ(answer(call(creds_, Sys::setuid, {5})), error(EINVAL));
  EXPECT_EQ(answer(call(creds_, Sys::setresgid, {kNoId, 5, kNoId})), error(EINVAL));
  const std::uint32_t groups[] = {0, 5};
  const auto list = reinterpret_cast<std::uint64_t>(groups);
  EXPECT_EQ(answer(call(creds_, Sys::setgroups, {2, list})), error(EINVAL));
  EXPECT_EQ(answer(call(creds_, Sys::setgroups, {1, list})), kZero);
  EXPECT_EQ(identity_->of(me_).groups, std::vector<std::uint32_t>{kNobody});  // the outer id
  EXPECT_EQ(answer(call(creds_, Sys::setuid, {0})), kZero);
  EXPECT_EQ(identity_->of(me_).euid, kNobody);
}

// setgroups(2) in a user namespace: only once its gid_map is written, and
// never after "deny" was written to /proc/PID/setgroups (user_namespaces(7)).
TEST_F(InUserNamespace, SetgroupsWaitsForTheGidMapAndHonoursDeny) {
  UserNs* user = ns_->user_ns(ns_->id_of(me_, NsKind::kUser));
  const std::uint32_t root[] = {0};
  const auto list = reinterpret_cast<std::uint64_t>(root);
  user->setgroups_denied = true;
  EXPECT_EQ(answer(call(creds_, Sys::setgroups, {1, list})), error(EPERM));
  user->setgroups_denied = false;
  user->gid_map.reset();
  EXPECT_EQ(answer(call(creds_, Sys::setgroups, {1, list})), error(EPERM));
  user->gid_map = parse_id_map("0 65534 1");
  EXPECT_EQ(answer(call(creds_, Sys::setgroups, {1, list})), kZero);
}

// IdArguments puts every argument with a uid or gid role into the decoded
// call: as given and mapped in; -1 stays "unchanged", an unmapped id has
// no mapping (the emulating handler says EINVAL), the other arguments
// none.
TEST_F(InUserNamespace, IdArgumentsDecodesEachIdArgumentOfTheRow) {
  tracer::Tracee t{me_, me_};
  arch::SyscallRegs regs;
  const std::uint64_t args[] = {kCwd, path(), 0, 5, 0};
  for (int i = 0; i < 5; ++i) regs.set_arg(i, args[i]);
  // The upper half of a register is not the id's (uid_t is 32 bits).
  regs.set_arg(2, 0xdead'0000'0000ull);
  tracer::GuestMemory memory(me_);
  tracer::SyscallStop stop{t, regs, arch::find_syscall(Sys::fchownat), memory};
  EXPECT_EQ(ids_.on_entry(stop).kind, tracer::Verdict::Kind::kResume);
  EXPECT_EQ(stop.call.id(0), nullptr);
  EXPECT_EQ(stop.call.id(1), nullptr);
  EXPECT_EQ(stop.call.id(4), nullptr);
  ASSERT_NE(stop.call.id(2), nullptr);
  EXPECT_EQ(stop.call.id(2)->given, 0u);
  EXPECT_EQ(stop.call.id(2)->mapped, kNobody) << "the namespace's 0 is the outer nobody";
  ASSERT_NE(stop.call.id(3), nullptr);
  EXPECT_EQ(stop.call.id(3)->mapped, std::nullopt) << "5 is not mapped";
  EXPECT_FALSE(stop.call.id(3)->unchanged());

  tracer::SyscallStop set{t, regs, arch::find_syscall(Sys::setresuid), memory};
  regs.set_arg(0, kNoId);
  regs.set_arg(1, 0);
  regs.set_arg(2, 7);
  EXPECT_EQ(ids_.on_entry(set).kind, tracer::Verdict::Kind::kResume);
  ASSERT_NE(set.call.id(0), nullptr);
  EXPECT_TRUE(set.call.id(0)->unchanged());
  EXPECT_EQ(set.call.id(0)->mapped, std::nullopt);
  EXPECT_EQ(set.call.id(1)->mapped, kNobody);
  EXPECT_EQ(set.call.id(2)->mapped, std::nullopt);
}

// Without the decoder, the emulating handlers refuse rather than guess.
TEST_F(InUserNamespace, AnUndecodedIdArgumentIsRefused) {
  tracer::Tracee t{me_, me_};
  arch::SyscallRegs regs;
  regs.set_arg(0, 0);
  tracer::GuestMemory memory(me_);
  tracer::SyscallStop stop{t, regs, arch::find_syscall(Sys::setuid), memory};
  EXPECT_EQ(answer(creds_.on_entry(stop)), error(ENOSYS));
}

// SO_PEERCRED's ids, fixed up at getsockopt's exit: the kernel's answer
// (this test's real ids) becomes the peer's emulated effective ids as the
// reader's user namespace sees them. Here the peer is this process,
// emulated nobody, which is its namespace's root.
TEST_F(InUserNamespace, PeerCredentialsAreTheEmulatedOnesMappedOut) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  struct ucred cred {};
  socklen_t len = sizeof cred;
  ASSERT_EQ(::getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len), 0);
  ASSERT_EQ(cred.pid, me_);
  ::close(sv[0]);
  ::close(sv[1]);
  const auto fixed = [&](IdMapper* first_ns) {
    if (first_ns != nullptr) identity_->ids = std::shared_ptr<IdMapper>(first_ns);
    struct ucred answer = cred;
    socklen_t answer_len = sizeof answer;
    tracer::Tracee t{me_, me_};
    t.entry_args = {3, SOL_SOCKET, SO_PEERCRED, reinterpret_cast<std::uint64_t>(&answer),
                    reinterpret_cast<std::uint64_t>(&answer_len), 0};
    arch::SyscallRegs regs;
    regs.set_result(0);
    tracer::GuestMemory memory(me_);
    tracer::SyscallStop stop{t, regs, arch::find_syscall(Sys::getsockopt), memory};
    peers_.on_exit(stop);
    EXPECT_EQ(answer.pid, me_);
    return std::make_pair(answer.uid, answer.gid);
  };
  EXPECT_EQ(fixed(nullptr), std::make_pair(0u, 0u)) << "nobody outside is 0 inside";
  EXPECT_EQ(fixed(new FirstNsIds), std::make_pair(kNobody, kNobody)) << "the emulated ids";
}

// SCM_CREDENTIALS, as Sockets hands ScmCredentials a message's control
// data: one ucred in a control buffer of cmsg(3)'s layout.
std::vector<std::byte> credentials_message(struct ucred c) {
  std::vector<std::byte> buf(CMSG_SPACE(sizeof c));
  msghdr m{};
  m.msg_control = buf.data();
  m.msg_controllen = buf.size();
  cmsghdr* h = CMSG_FIRSTHDR(&m);
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_CREDENTIALS;
  h->cmsg_len = CMSG_LEN(sizeof c);
  std::memcpy(CMSG_DATA(h), &c, sizeof c);
  return buf;
}
struct ucred credentials_in(std::span<const std::byte> buf) {
  struct ucred c {};
  std::memcpy(&c, buf.data() + CMSG_LEN(0), sizeof c);
  return c;
}
// "pid uid gid", or "errno N".
std::string shown(const std::expected<struct ucred, int>& c) {
  if (!c) return "errno " + std::to_string(c.error());
  return std::to_string(c->pid) + " " + std::to_string(c->uid) + " " + std::to_string(c->gid);
}
std::string shown(pid_t pid, std::uint32_t uid, std::uint32_t gid) { return shown(ucred{pid, uid, gid}); }

class SentCredentials : public InUserNamespace {
 protected:
  // What the kernel is given for `claim` sent by this process, or the errno.
  std::string sent(struct ucred claim) { return shown(sent_as(claim)); }
  std::expected<struct ucred, int> sent_as(struct ucred claim) {
    tracer::Tracee t{me_, me_};
    arch::SyscallRegs regs;
    tracer::GuestMemory memory(me_);
    tracer::SyscallStop stop{t, regs, arch::find_syscall(Sys::sendmsg), memory};
    auto out = scm_.to_kernel(stop, credentials_message(claim));
    if (!out) return std::unexpected(out.error());
    if (!*out) return claim;  // the guest's own, unchanged
    return credentials_in(**out);
  }
  // What this process, receiving, is shown of the kernel's `kernel`.
  std::string received(struct ucred kernel) {
    tracer::Tracee t{me_, me_};
    arch::SyscallRegs regs;
    tracer::GuestMemory memory(me_);
    tracer::SyscallStop stop{t, regs, arch::find_syscall(Sys::recvmsg), memory};
    auto buf = credentials_message(kernel);
    scm_.to_guest(stop, buf);
    return shown(credentials_in(buf));
  }
  const struct ucred real_ {me_, ::getuid(), ::getgid()};
  const std::string real_shown_ = shown(real_);
  ScmCredentials scm_{identity_, registry_};
};

// Inside `unshare -Ur` as nobody: root there, so any mapped id and any pid
// may be named (CAP_SETUID, CAP_SYS_ADMIN in its namespaces); the kernel
// gets the real ones, which it accepts; an unmapped id is EINVAL.
TEST_F(SentCredentials, TheNamespacesRootMayNameAnyMappedIdAndTheKernelGetsTheRealOnes) {
  EXPECT_EQ(sent({me_, 0, 0}), real_shown_);
  EXPECT_EQ(sent({1, 0, 0}), real_shown_) << "another pid: the sender's own goes";
  EXPECT_EQ(sent({me_, 5, 0}), "errno " + std::to_string(EINVAL));
  EXPECT_EQ(sent({me_, 0, 5}), "errno " + std::to_string(EINVAL));
}

// Emulated nobody in the first namespace, no capability: its own pid and
// one of its real, effective or saved ids only (scm_check_creds()).
TEST_F(SentCredentials, AnUnprivilegedSenderNamesOnlyItsOwnPidAndIds) {
  identity_->ids = std::make_shared<FirstNsIds>();
  identity_->of(me_) = Credentials::of(kNobody, kNobody);  // no capability
  EXPECT_EQ(sent({me_, kNobody, kNobody}), real_shown_);
  EXPECT_EQ(sent({me_, 4242, kNobody}), "errno " + std::to_string(EPERM));
  EXPECT_EQ(sent({me_, kNobody, 4242}), "errno " + std::to_string(EPERM));
  EXPECT_EQ(sent({me_ + 1, kNobody, kNobody}), "errno " + std::to_string(EPERM));
  identity_->of(me_).suid = 4242;  // a saved uid may be named
  EXPECT_EQ(sent({me_, 4242, kNobody}), real_shown_);
}

// A receiver is shown the sender's emulated real ids (here this process,
// emulated nobody) mapped out through its own namespace; a sender the run
// does not follow keeps the kernel's numbers, mapped out.
TEST_F(SentCredentials, AReceiverSeesTheSendersEmulatedIdsMappedOut) {
  identity_->of(me_).euid = 7;  // not shown: a message carries the real ids
  EXPECT_EQ(received(real_), shown(me_, 0, 0)) << "nobody outside is 0 inside";
  identity_->ids = std::make_shared<FirstNsIds>();
  EXPECT_EQ(received(real_), shown(me_, kNobody, kNobody));
  EXPECT_EQ(received({1, 1234, 1234}), shown(1, 1234, 1234));
}

// A file whose owner the namespace does not map reads as the overflow id,
// and its root has no capability over it (capable_wrt_inode_uidgid()).
TEST_F(InUserNamespace, AnOwnerFromOutsideIsTheOverflowIdAndOutOfReach) {
  make_roots();
  EXPECT_EQ(owner(), std::make_pair(kOverflowId, kOverflowId));
  EXPECT_EQ(answer(chown(0, 0)), error(EPERM));
  EXPECT_EQ(answer(call(owners_, Sys::fchmodat, {kCwd, path(), 0600})), error(EPERM));
}

// The same calls outside any user namespace made by the guest: ids are
// themselves (the first namespace), unmapped ones do not exist.
TEST(FirstNamespace, IdsAreThemselves) {
  FirstNsIds ids;
  EXPECT_EQ(ids.map_in(1, IdKind::kUid, 1234), 1234u);
  EXPECT_EQ(ids.map_out(1, IdKind::kGid, 1234), 1234u);
  EXPECT_EQ(ids.map_in(1, IdKind::kUid, kNoId), std::nullopt);  // (uid_t)-1
}

}  // namespace
}  // namespace cocoon::syscalls
