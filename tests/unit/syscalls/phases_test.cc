// The handlers together, in their phases (tracer::Phase): an emulating
// handler sees what the translating ones decoded, on a live tracee (this
// process is its tracer); and a path syscall nobody owns is refused.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <memory>

#include "affinity.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/syscalls/handlers.h"
#include "dispatch_child.h"
#include "namespaces/ns_state.h"
#include "pids/pids.h"
#include "view_setup.h"

namespace cocoon::syscalls {
namespace {

long host_nr(std::string_view name) { return arch::find_syscall(name)->number(arch::host_arch()); }

// Numbers no host pid can have (past PID_MAX_LIMIT, 4194304), so a guest's
// number the host is asked about is ESRCH there.
constexpr pid_t kFirst = 5000000;

// taskset -p of a sibling under --unshare-pid: Pids translates its number
// before Affinity asks the host about it and answers.
TEST(Phases, AffinityAnswersForTheHostPidPidsTranslated) {
  const pid_t sibling = fork();
  if (sibling == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(sibling, 0);
  tracer::ProcessRegistry registry;
  auto root = std::make_shared<PidNamespace>(kFirst);
  auto ns = std::make_shared<NamespaceState>(root, registry);
  tracer::HandlerList list;
  list.push_back(std::make_unique<Affinity>(registry));
  list.push_back(std::make_unique<Pids>(ns, registry));
  tracer::Dispatcher d(std::move(list));
  const int status = cocoon::testing::dispatch_child(
      d, host_nr("sched_getaffinity"),
      [&](pid_t child) {
        registry.add(child, child);
        root->member(child);    // kFirst
        root->member(sibling);  // kFirst + 1
      },
      [] {
        cpu_set_t set;
        CPU_ZERO(&set);
        const long n = syscall(SYS_sched_getaffinity, kFirst + 1, sizeof set, &set);
        if (n < 0) return errno == ESRCH ? 3 : 4;
        return CPU_COUNT(&set) > 0 ? 0 : 5;
      });
  kill(sibling, SIGKILL);
  waitpid(sibling, nullptr, 0);
  EXPECT_EQ(status, 0) << "3: ESRCH, the guest's number asked of the host";
}

// `cocoon syscalls --traced --unshare-pid -b X:/mnt`: mount(2) and its kin
// have path arguments only an emulated mount namespace (--namespaces)
// translates; without it they are refused, not let through with the
// guest's paths.
TEST(Phases, MountCallsWithoutAnOwnerAreRefused) {
  RunConfig config;
  config.unshare_pid = true;
  config.mounts.push_back({vfs::MountKind::kBind, "/tmp", "/mnt"});
  tracer::ProcessRegistry registry;
  auto setup = build_view(config, registry);
  ASSERT_TRUE(setup) << setup.error();
  const tracer::Dispatcher alone(make_handlers(config, registry, setup->view));
  config.namespaces = true;
  config.identity = IdentityOptions{};
  tracer::ProcessRegistry registry_ns;
  auto with_ns = build_view(config, registry_ns);
  ASSERT_TRUE(with_ns) << with_ns.error();
  const tracer::Dispatcher owned(make_handlers(config, registry_ns, with_ns->view));
  const arch::Arch host = arch::host_arch();
  for (const char* name : {"mount", "umount2", "pivot_root"}) {
    EXPECT_EQ(alone.policy().decide(host, host_nr(name)), tracer::Decision::fail(ENOSYS)) << name;
    EXPECT_EQ(owned.policy().decide(host, host_nr(name)), tracer::Decision::trace()) << name;
  }
}

// Every family at once (paths, identity, every namespace kind, UTS, CPU
// placement): no row has two emulating handlers.
TEST(Phases, EveryFamilyTogetherHasOneOwnerPerRow) {
  RunConfig config;
  config.mounts.push_back({vfs::MountKind::kBind, "/tmp", "/mnt"});
  config.hostname = "box";
  config.identity = IdentityOptions{};
  config.namespaces = config.unshare_pid = config.unshare_net = true;
  config.unshare_ipc = config.unshare_cgroup = true;
  tracer::ProcessRegistry registry;
  auto setup = build_view(config, registry);
  ASSERT_TRUE(setup) << setup.error();
  const tracer::Dispatcher d(make_handlers(config, registry, setup->view));
  EXPECT_EQ(d.conflict(), "");
}

}  // namespace
}  // namespace cocoon::syscalls
