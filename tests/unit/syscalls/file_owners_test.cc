// FileOwners and the extended attribute family: every xattr call the table
// knows is emulated, and on a live tracee (a child of this test, answered by
// the identity handlers at its seccomp stops through the dispatcher) a
// security.capability set through one member of the family is what every
// other member reads, lists and removes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/registry.h"
#include "cocoon/tracer/tracee.h"
#include "dispatch_child.h"
#include "identity/identity.h"

namespace cocoon::syscalls {
namespace {

using arch::ArgRole;
using arch::Sys;

// The tasks the handlers under test know (credentials live in its slots).
tracer::ProcessRegistry& registry() {
  static tracer::ProcessRegistry r;
  return r;
}

long nr_of(Sys s) { return arch::find_syscall(s).number(arch::host_arch()); }

// Runs `guest` in a child whose calls in `calls` stop through seccomp;
// this process answers each with the identity handlers (the emulated
// root), as the tracer would (dispatch_child.h). The child's exit status,
// or -1 when it did not exit.
int run_traced(std::initializer_list<Sys> calls, const std::function<int()>& guest) {
  std::vector<std::uint32_t> nrs;
  for (Sys s : calls) nrs.push_back(static_cast<std::uint32_t>(nr_of(s)));
  tracer::HandlerList handlers;
  add_identity_handlers(handlers, std::make_shared<IdentityState>(registry()), registry());
  tracer::Dispatcher dispatcher(std::move(handlers));
  pid_t child = 0;
  const int status = cocoon::testing::dispatch_child(
      dispatcher, nrs,
      [&](pid_t pid) {
        child = pid;
        registry().add(pid, pid);
      },
      guest);
  registry().died(child);
  return status;
}

// The table's xattr family, found by role: whatever row names an extended
// attribute or lists them, FileOwners emulates on the host's ABI (the
// getxattrat row once had no entry in FileOwners' own list of calls).
TEST(FileOwners, EmulatesEveryExtendedAttributeCallOfTheTable) {
  const FileOwners h(std::make_shared<IdentityState>(registry()), registry());
  int calls = 0;
  for (const arch::SyscallDesc& row : arch::all_syscalls()) {
    if (!row.has_role(ArgRole::kXattrName) && !row.has_role(ArgRole::kXattrList)) continue;
    if (!row.exists_on(arch::host_arch())) continue;
    EXPECT_EQ(h.decision(row, arch::host_arch()), tracer::Decision::notify()) << row.name;
    ++calls;
  }
  EXPECT_EQ(calls, 16);  // {,l,f}{get,set,list,remove}xattr and the four *xattrat
}

// struct xattr_args (include/uapi/linux/xattr.h, Linux 6.13).
struct XattrArgs {
  std::uint64_t value;
  std::uint32_t size, flags;
};

constexpr uid_t kNobody = 65534;

// The guest runs as nobody, so the kernel would refuse it the real
// security.capability (CAP_SETFCAP): only the emulation can answer.
bool as_nobody() { return setgid(kNobody) == 0 && setuid(kNobody) == 0; }

class XattrFamily : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-xattr-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/f";
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
    ASSERT_EQ(::close(::creat(file_.c_str(), 0755)), 0);
    ASSERT_EQ(::chown(file_.c_str(), kNobody, kNobody), 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The kernel's own getxattrat on the file: ENOSYS before Linux 6.13.
  long kernel_getxattrat(const char* name, char* buf, std::size_t size) const {
    XattrArgs a{reinterpret_cast<std::uint64_t>(buf), static_cast<std::uint32_t>(size), 0};
    return syscall(nr_of(Sys::getxattrat), AT_FDCWD, file_.c_str(), 0, name, &a, sizeof a);
  }

  std::string dir_, file_;
};

constexpr char kCaps[] = "security.capability";
// A VFS_CAP_REVISION_2 value: cap_net_raw permitted and effective.
constexpr unsigned char kValue[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00};

TEST_F(XattrFamily, GetxattratReadsTheCapabilitySetxattrRecorded) {
  char probe[64];
  if (kernel_getxattrat(kCaps, probe, sizeof probe) < 0 && errno == ENOSYS) {
    GTEST_SKIP() << "this kernel has no getxattrat (Linux 6.13)";
  }
  const std::string file = file_;
  const int status = run_traced(
      {Sys::setxattr, Sys::getxattr, Sys::getxattrat}, [&] {
        if (!as_nobody()) return 9;
        if (setxattr(file.c_str(), kCaps, kValue, sizeof kValue, 0) != 0) return 1;
        char buf[64] = {};
        if (getxattr(file.c_str(), kCaps, buf, sizeof buf) != sizeof kValue) return 2;
        std::memset(buf, 0, sizeof buf);
        XattrArgs a{reinterpret_cast<std::uint64_t>(buf), sizeof buf, 0};
        const long n = syscall(nr_of(Sys::getxattrat), AT_FDCWD, file.c_str(), 0, kCaps, &a, sizeof a);
        if (n != sizeof kValue) return n < 0 && errno == ENODATA ? 3 : 4;
        return std::memcmp(buf, kValue, sizeof kValue) == 0 ? 0 : 5;
      });
  EXPECT_EQ(status, 0) << "9: not nobody, 1: setxattr failed, 2: getxattr did not read it, 3: getxattrat "
                          "said ENODATA, 4: getxattrat failed otherwise, 5: wrong value";
  // The file itself never had it: the value lives in the ownership records.
  EXPECT_EQ(kernel_getxattrat(kCaps, probe, sizeof probe), -1);
  EXPECT_EQ(errno, ENODATA);
}

TEST_F(XattrFamily, SetxattratRemovexattratAndListxattrAgreeWithTheRest) {
  char probe[64];
  if (kernel_getxattrat(kCaps, probe, sizeof probe) < 0 && errno == ENOSYS) {
    GTEST_SKIP() << "this kernel has no setxattrat/removexattrat (Linux 6.13)";
  }
  const std::string file = file_;
  const int status = run_traced(
      {Sys::setxattrat, Sys::getxattr, Sys::fgetxattr, Sys::listxattr, Sys::removexattrat},
      [&] {
        if (!as_nobody()) return 9;
        XattrArgs set{reinterpret_cast<std::uint64_t>(kValue), sizeof kValue, 0};
        if (syscall(nr_of(Sys::setxattrat), AT_FDCWD, file.c_str(), 0, kCaps, &set, sizeof set) != 0) {
          return 1;
        }
        char buf[256] = {};
        const int fd = open(file.c_str(), O_RDONLY);
        if (fgetxattr(fd, kCaps, buf, sizeof buf) != sizeof kValue) return 2;
        const ssize_t n = listxattr(file.c_str(), buf, sizeof buf);
        if (n < 0 || std::string(buf, static_cast<std::size_t>(n)).find(kCaps) == std::string::npos) {
          return 3;
        }
        if (syscall(nr_of(Sys::removexattrat), AT_FDCWD, file.c_str(), 0, kCaps) != 0) return 4;
        if (getxattr(file.c_str(), kCaps, buf, sizeof buf) != -1 || errno != ENODATA) return 5;
        return 0;
      });
  EXPECT_EQ(status, 0) << "9: not nobody, 1: setxattrat, 2: fgetxattr, 3: listxattr, 4: removexattrat, "
                          "5: getxattr after the removal";
}

}  // namespace
}  // namespace cocoon::syscalls
