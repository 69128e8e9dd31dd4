// The TracerPid line of /proc/PID/status under the emulated ptrace
// (syscalls/src/ptrace/tracer_pid.h): a task of the run shows its emulated
// tracer in the reader's PID namespace, or 0, never cocoon.
#include "ptrace/tracer_pid.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cocoon::syscalls {
namespace {

// The lines around TracerPid as proc(5) lays them out; 4242 stands for
// cocoon, every task's real tracer.
std::string status(pid_t tracer) {
  return "Name:\tsh\nState:\tS (sleeping)\nTgid:\t101\nPid:\t101\nPPid:\t100\nTracerPid:\t" +
         std::to_string(tracer) + "\nUid:\t65534\t65534\t65534\t65534\n";
}

// One PID namespace for every process (what --unshare-pid makes).
class OneNamespace final : public PidNamespaces {
 public:
  OneNamespace() : ns_(std::make_shared<PidNamespace>()) {}
  std::shared_ptr<PidNamespace> pid_ns(pid_t) const override { return ns_; }
  std::shared_ptr<PidNamespace> proc_pid_ns(pid_t) const override { return ns_; }
  const std::shared_ptr<PidNamespace>& root_pid_ns() const override { return ns_; }
  PidNamespace& ns() { return *ns_; }

 private:
  std::shared_ptr<PidNamespace> ns_;
};

TEST(TracerPid, OnlyTheTracerPidLineChanges) {
  EXPECT_EQ(with_tracer_pid(status(4242), 0), status(0));
  EXPECT_EQ(with_tracer_pid(status(4242), 100), status(100));
  // "TracerPidX:" is not the line; a text without one stays as it was.
  EXPECT_EQ(with_tracer_pid("Name:\tx\n", 7), "Name:\tx\n");
}

TEST(TracerPid, ARunsTaskShowsItsEmulatedTracerOrZero) {
  tracer::ProcessRegistry registry;
  registry.add(100, 100);
  registry.add(101, 101);
  auto tracees = std::make_shared<EmulatedTracees>();
  const auto edit = tracer_pid_status_editor(tracees, nullptr, registry);
  // Untraced by a guest: 0, not cocoon's pid.
  EXPECT_EQ(edit(status(4242), {101, 101}, 100), status(0));
  (*tracees)[101] = EmulatedTracee{.tracer = 100};
  EXPECT_EQ(edit(status(4242), {101, 101}, 100), status(100));
  // Detached (or dead): 0 again.
  tracees->erase(101);
  EXPECT_EQ(edit(status(4242), {101, 101}, 100), status(0));
}

TEST(TracerPid, ATaskOutsideTheRunKeepsTheHostsLine) {
  tracer::ProcessRegistry registry;
  auto tracees = std::make_shared<EmulatedTracees>();
  const auto edit = tracer_pid_status_editor(tracees, nullptr, registry);
  EXPECT_EQ(edit(status(77), {101, 101}, 100), status(77));
}

TEST(TracerPid, ThePidIsTheReadersNamespaces) {
  tracer::ProcessRegistry registry;
  for (pid_t p : {100, 101, 102}) registry.add(p, p);
  auto pids = std::make_shared<OneNamespace>();
  pids->ns().add(100);  // 1
  pids->ns().add(101);  // 2
  auto tracees = std::make_shared<EmulatedTracees>();
  (*tracees)[101] = EmulatedTracee{.tracer = 100};
  (*tracees)[102] = EmulatedTracee{.tracer = 55};  // a tracer the namespace does not hold
  const auto edit = tracer_pid_status_editor(tracees, pids, registry);
  EXPECT_EQ(edit(status(4242), {101, 101}, 101), status(1));
  EXPECT_EQ(edit(status(4242), {102, 102}, 101), status(0));
}

}  // namespace
}  // namespace cocoon::syscalls
