// File owners through an emulated user namespace's id maps, on this process
// as its own tracee: FileOwners answers its statx and fchownat as it would
// a guest's inside `unshare -Ur` run by nobody (uid_map "0 65534 1"). The
// kernel shows the caller's own file as owned by 0 there, and records a
// chown to 0 as the mapped outer id, 65534 (user_namespaces(7)).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/tracee.h"
#include "identity/identity.h"
#include "namespaces/namespaces.h"

namespace cocoon::syscalls {
namespace {

constexpr std::uint32_t kNobody = 65534;

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
    identity_->config = {kNobody, kNobody, false};
    ns_->unshare(me_, CLONE_NEWUSER, kNobody, kNobody);
    UserNs* user = ns_->user_ns(ns_->id_of(me_, NsKind::kUser));
    ASSERT_NE(user, nullptr);
    user->uid_map = parse_id_map("0 65534 1");
    user->gid_map = parse_id_map("0 65534 1");
    ns_->maps_to_apply = {{ns_->id_of(me_, NsKind::kUser), "uid_map"},
                          {ns_->id_of(me_, NsKind::kUser), "gid_map"}};
    apply_id_maps(*ns_, *identity_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `name`(AT_FDCWD, file_, ...) with `args` after the path, as this
  // process's own call.
  tracer::Verdict call(const char* name, std::initializer_list<std::uint64_t> rest) {
    tracer::Tracee t{me_, me_};
    arch::SyscallRegs regs;
    regs.set_arg(0, static_cast<std::uint64_t>(AT_FDCWD));
    regs.set_arg(1, reinterpret_cast<std::uint64_t>(file_.c_str()));
    int i = 2;
    for (std::uint64_t v : rest) regs.set_arg(i++, v);
    tracer::GuestMemory memory(me_);
    tracer::SyscallStop stop{t, regs, *arch::find_syscall(name), memory};
    return owners_.on_entry(stop);
  }

  // statx's owner, as this process is told.
  std::pair<std::uint32_t, std::uint32_t> owner() {
    struct statx sx {};
    const tracer::Verdict v =
        call("statx", {0, STATX_BASIC_STATS, reinterpret_cast<std::uint64_t>(&sx)});
    EXPECT_EQ(v.kind, tracer::Verdict::Kind::kSkip);
    EXPECT_EQ(v.value, 0);
    return {sx.stx_uid, sx.stx_gid};
  }

  const pid_t me_ = ::getpid();
  std::string dir_, file_;
  std::shared_ptr<NamespaceState> ns_ = std::make_shared<NamespaceState>(nullptr);
  std::shared_ptr<IdentityState> identity_ = std::make_shared<IdentityState>();
  FileOwners owners_{identity_};
};

TEST_F(InUserNamespace, OnesOwnFileIsOwnedByTheNamespacesRoot) {
  EXPECT_EQ(identity_->of(me_).euid, 0u);  // root in it (getuid says so)
  EXPECT_EQ(owner(), std::make_pair(0u, 0u));
}

TEST_F(InUserNamespace, AChownToRootIsRecordedAsTheMappedOuterId) {
  const tracer::Verdict v = call("fchownat", {0, 0, 0});
  EXPECT_EQ(v.kind, tracer::Verdict::Kind::kSkip);
  EXPECT_EQ(v.value, 0);
  EXPECT_EQ(owner(), std::make_pair(0u, 0u));
  ASSERT_EQ(identity_->db.size(), 1u);
  const FileRecord& record = identity_->db.records().begin()->second;
  EXPECT_EQ(record.uid, kNobody) << "recorded as the outer id";
  EXPECT_EQ(record.gid, kNobody);
}

}  // namespace
}  // namespace cocoon::syscalls
