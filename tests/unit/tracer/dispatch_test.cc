// Dispatcher::on_notification: the handler chain of a notified call, and
// kNotify's contract (no register edit, no exit) enforced: a handler that
// breaks it fails the call with ENOSYS rather than have it run without
// its edit (tracer/dispatch.h).
#include "cocoon/tracer/dispatch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::tracer {
namespace {

// Notified getppid; on_entry does `what`: 0 answer 7, 1 resume, 2 edit an
// argument, 3 ask for the exit.
class Notified final : public SyscallHandler {
 public:
  Notified(int what, int* calls) : what_(what), calls_(calls) {}
  std::string_view name() const override { return "notified"; }
  Decision decision(const arch::SyscallDesc& row, arch::Arch) const override {
    return row.sys == arch::Sys::getppid ? Decision::notify() : Decision::allow();
  }
  Verdict on_entry(SyscallStop& stop) override {
    ++*calls_;
    switch (what_) {
      case 0: return Verdict::skip(7);
      case 1: return Verdict::resume();
      case 2: stop.regs.set_arg(0, 1); return Verdict::resume();
      default: return Verdict::resume_to_exit();
    }
  }

 private:
  int what_;
  int* calls_;  // outlives the dispatcher that owns the handler
};

Verdict notify_getppid(std::initializer_list<int> whats, std::array<int, 4>* calls = nullptr) {
  static std::array<int, 4> ignored;
  if (calls == nullptr) calls = &ignored;
  HandlerList list;
  std::size_t i = 0;
  for (int w : whats) list.push_back(std::make_unique<Notified>(w, &(*calls)[i++]));
  Dispatcher d(std::move(list));
  const arch::Arch host = arch::host_arch();
  auto regs = arch::SyscallRegs::from_seccomp_data(
      arch::audit_arch(host), arch::find_syscall("getppid")->number(host), {}, 0);
  EXPECT_TRUE(regs.has_value());
  Tracee t;
  t.tid = t.tgid = getpid();
  const GuestMemory memory(getpid());
  return d.on_notification(t, *regs, memory);
}

TEST(DispatcherNotification, TheChainAnswersUntilAHandlerSkips) {
  std::array<int, 4> calls{};
  const Verdict v = notify_getppid({1, 0, 0}, &calls);
  EXPECT_EQ(v.kind, Verdict::Kind::kSkip);
  EXPECT_EQ(v.value, 7);
  EXPECT_EQ(calls[0], 1);
  EXPECT_EQ(calls[1], 1);
  EXPECT_EQ(calls[2], 0);  // the second handler answered
  EXPECT_EQ(notify_getppid({1, 1}).kind, Verdict::Kind::kResume);  // let it run
}

TEST(DispatcherNotification, ABrokenPromiseFailsTheCallWithEnosys) {
  const Verdict edited = notify_getppid({2});
  EXPECT_EQ(edited.kind, Verdict::Kind::kSkip);
  EXPECT_EQ(edited.value, -ENOSYS);
  const Verdict exit = notify_getppid({3});
  EXPECT_EQ(exit.kind, Verdict::Kind::kSkip);
  EXPECT_EQ(exit.value, -ENOSYS);
}

TEST(DispatcherNotification, RegistersFromSeccompDataCarryTheCall) {
  const arch::Arch host = arch::host_arch();
  auto regs = arch::SyscallRegs::from_seccomp_data(arch::audit_arch(host), 42, {1, 2, 3, 4, 5, 6},
                                                   0x1000);
  ASSERT_TRUE(regs.has_value());
  EXPECT_EQ(regs->abi(), host);
  EXPECT_EQ(regs->nr(), 42);
  EXPECT_EQ(regs->arg(5), 6u);
  EXPECT_EQ(regs->ip(), 0x1000u);
  EXPECT_TRUE(regs->at_entry());
  EXPECT_FALSE(regs->edited());
  EXPECT_FALSE(arch::SyscallRegs::from_seccomp_data(0x1234, 1, {}, 0).has_value());
}

}  // namespace
}  // namespace cocoon::tracer
