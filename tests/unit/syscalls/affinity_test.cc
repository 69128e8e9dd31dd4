// Affinity (syscalls/src/affinity.h) on live tracees, under the real
// tracer: the CPUs a guest set are what its children read back, as
// sched_setaffinity(2) says ("A child created via fork(2) inherits its
// parent's CPU affinity mask. The affinity mask is preserved across an
// execve(2).").
#include "affinity.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include "cocoon/tracer/tracer.h"

namespace cocoon::syscalls {
namespace {

// taskset sets its own mask and execs sh, which forks nproc: natively 1.
TEST(Affinity, AForkedChildReadsTheMaskItsParentSet) {
  cpu_set_t mine;
  if (sched_getaffinity(0, sizeof mine, &mine) != 0 || CPU_COUNT(&mine) < 2) {
    GTEST_SKIP() << "needs 2 CPUs or more: with one, every mask reads 1";
  }
  if (access("/usr/bin/taskset", X_OK) != 0) GTEST_SKIP() << "no taskset";
  auto registry = std::make_shared<tracer::ProcessRegistry>();
  tracer::HandlerList handlers;
  handlers.push_back(std::make_unique<Affinity>(*registry));
  tracer::Tracer t(tracer::TracerOptions{}, std::move(handlers), registry);
  int first = 0;
  while (!CPU_ISSET(first, &mine)) ++first;
  auto status = t.run({"/bin/sh", "-c",
                       "taskset -c " + std::to_string(first) + " sh -c 'exit $(nproc)'"});
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 1);
}

}  // namespace
}  // namespace cocoon::syscalls
