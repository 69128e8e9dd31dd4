// The Dispatcher: handlers run in their declared phases (translate,
// emulate, fix up; at the exit the other way round), whatever the order of
// the list; one emulating handler per row, a second one an error at
// startup; a decision that yields to an owner drops out where a row has
// one; and kNotify's contract enforced on a notified call: a handler that
// breaks it fails the call with ENOSYS rather than have it run without
// its edit (tracer/dispatch.h).
#include "cocoon/tracer/dispatch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <string>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/tracee.h"
#include "cocoon/tracer/tracer.h"

namespace cocoon::tracer {
namespace {

long nr_of(std::string_view name) { return arch::find_syscall(name)->number(arch::host_arch()); }

arch::SyscallRegs regs_of(std::string_view name) {
  const arch::Arch host = arch::host_arch();
  auto regs = arch::SyscallRegs::from_seccomp_data(arch::audit_arch(host), nr_of(name), {}, 0);
  EXPECT_TRUE(regs.has_value());
  return *regs;
}

// getppid in `phase`, as `action` (kTrace or kNotify); on_entry and
// on_exit append its name to `log`, and on_entry does `what`: 0 answer 7,
// 1 resume, 2 edit an argument, 3 ask for the exit.
class Recorder final : public SyscallHandler {
 public:
  Recorder(std::string name, Phase phase, int what, std::string* log,
           Action action = Action::kTrace)
      : name_(std::move(name)), phase_(phase), what_(what), log_(log), action_(action) {}
  std::string_view name() const override { return name_; }
  Decision decision(const arch::SyscallDesc& row, arch::Arch) const override {
    if (row.sys != arch::Sys::getppid) return Decision::allow();
    return Decision{action_}.in(phase_);
  }
  Verdict on_entry(SyscallStop& stop) override {
    *log_ += name_ + " ";
    switch (what_) {
      case 0: return Verdict::skip(7);
      case 1: return Verdict::resume();
      case 2: stop.regs.set_arg(0, 1); return Verdict::resume();
      default: return Verdict::resume_to_exit();
    }
  }
  void on_exit(SyscallStop&) override { *log_ += "exit:" + name_ + " "; }

 private:
  std::string name_;
  Phase phase_;
  int what_;
  std::string* log_;  // outlives the dispatcher that owns the handler
  Action action_;
};

// Translators run first, then the one emulating handler, then the
// fix-ups; at the exit the fix-ups first and the translators last.
TEST(DispatcherPhases, EntriesRunTranslateEmulateFixUpWhateverTheListOrder) {
  std::string log;
  HandlerList list;
  list.push_back(std::make_unique<Recorder>("fix", Phase::kFixup, 3, &log));
  list.push_back(std::make_unique<Recorder>("emu", Phase::kEmulate, 3, &log));
  list.push_back(std::make_unique<Recorder>("t1", Phase::kTranslate, 3, &log));
  list.push_back(std::make_unique<Recorder>("t2", Phase::kTranslate, 3, &log));
  Dispatcher d(std::move(list));
  ASSERT_EQ(d.conflict(), "");
  Tracee t;
  t.tid = t.tgid = getpid();
  arch::SyscallRegs regs = regs_of("getppid");
  const Verdict v = d.on_entry(t, regs);
  EXPECT_EQ(v.kind, Verdict::Kind::kResume);
  EXPECT_TRUE(v.want_exit);
  d.on_exit(t, regs);
  EXPECT_EQ(log, "t1 t2 emu fix exit:fix exit:emu exit:t2 exit:t1 ");
}

// An emulating handler's answer ends the entry: the fix-ups never see a
// call the kernel does not run.
TEST(DispatcherPhases, AnAnswerEndsTheEntry) {
  std::string log;
  HandlerList list;
  list.push_back(std::make_unique<Recorder>("fix", Phase::kFixup, 1, &log));
  list.push_back(std::make_unique<Recorder>("emu", Phase::kEmulate, 0, &log));
  list.push_back(std::make_unique<Recorder>("t", Phase::kTranslate, 1, &log));
  Dispatcher d(std::move(list));
  Tracee t;
  t.tid = t.tgid = getpid();
  arch::SyscallRegs regs = regs_of("getppid");
  const Verdict v = d.on_entry(t, regs);
  EXPECT_EQ(v.kind, Verdict::Kind::kSkip);
  EXPECT_EQ(v.value, 7);
  EXPECT_EQ(log, "t emu ");
}

// A handler that emulates getppid, or answers it with a constant.
class Emulating final : public SyscallHandler {
 public:
  Emulating(std::string name, Decision d) : name_(std::move(name)), d_(d) {}
  std::string_view name() const override { return name_; }
  Decision decision(const arch::SyscallDesc& row, arch::Arch) const override {
    return row.sys == arch::Sys::getppid ? d_ : Decision::allow();
  }
  Verdict on_entry(SyscallStop&) override {
    ++calls;
    return Verdict::resume();
  }
  int calls = 0;

 private:
  std::string name_;
  Decision d_;
};

HandlerList two(Decision a, Decision b) {
  HandlerList list;
  list.push_back(std::make_unique<Emulating>("first", a));
  list.push_back(std::make_unique<Emulating>("second", b));
  return list;
}

// Two handlers that would both answer one call: cocoon does not start, and
// says which (tools/cocoon prints it and exits 125).
TEST(DispatcherOwners, TwoEmulatorsOfOneRowAreAStartupError) {
  const std::string why = "handlers first and second both emulate getppid";
  auto policy = build_policy(two(Decision::trace(), Decision::notify()));
  ASSERT_FALSE(policy.has_value());
  EXPECT_EQ(policy.error(), why);
  const Dispatcher d(two(Decision::trace(), Decision::trace()));
  EXPECT_EQ(d.conflict(), why);
  // Both yielding to an owner that does not exist: the same conflict.
  EXPECT_FALSE(build_policy(two(Decision::trace().unless_owned(), Decision::trace().unless_owned())));
  // A translator and a fix-up beside the emulator, or a constant answer
  // (the call never runs): no conflict.
  EXPECT_TRUE(build_policy(two(Decision::trace(), Decision::trace().in(Phase::kTranslate))));
  EXPECT_TRUE(build_policy(two(Decision::trace(), Decision::trace().in(Phase::kFixup))));
  EXPECT_TRUE(build_policy(two(Decision::trace(), Decision::fail(EPERM))));
}

TEST(DispatcherOwners, TheTracerRefusesToStartWithAConflict) {
  TracerOptions options;
  Tracer tracer(options, two(Decision::trace(), Decision::trace()));
  auto status = tracer.run({"/bin/true"});
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().message(), "handlers first and second both emulate getppid");
}

// Paths refuses mount(2) unless a handler emulates it: the refusal stands
// alone, and drops out (its handler is not called) beside an owner.
TEST(DispatcherOwners, AnAnswerThatYieldsStandsOnlyWithoutAnOwner) {
  const long getppid = nr_of("getppid");
  const arch::Arch host = arch::host_arch();
  HandlerList alone;
  alone.push_back(std::make_unique<Emulating>("paths", Decision::fail(ENOSYS).unless_owned()));
  EXPECT_EQ(build_policy(alone)->decide(host, getppid), Decision::fail(ENOSYS));
  auto yielding = std::make_unique<Emulating>("paths", Decision::trace().unless_owned());
  auto owner = std::make_unique<Emulating>("namespaces", Decision::trace());
  Emulating* y = yielding.get();
  Emulating* o = owner.get();
  HandlerList both;
  both.push_back(std::move(yielding));
  both.push_back(std::move(owner));
  EXPECT_EQ(build_policy(two(Decision::fail(ENOSYS).unless_owned(), Decision::notify()))
                ->decide(host, getppid),
            Decision::notify());
  Dispatcher d(std::move(both));
  EXPECT_EQ(d.policy().decide(host, getppid), Decision::trace());
  Tracee t;
  t.tid = t.tgid = getpid();
  arch::SyscallRegs regs = regs_of("getppid");
  d.on_entry(t, regs);
  EXPECT_EQ(y->calls, 0);
  EXPECT_EQ(o->calls, 1);
}

// A row whose handlers all promise kNotify stays notified, translators
// included: phases add no stop.
TEST(DispatcherOwners, PhasesKeepANotifiedRowNotified) {
  const auto d = build_policy(two(Decision::notify().in(Phase::kTranslate), Decision::notify()));
  EXPECT_EQ(d->decide(arch::host_arch(), nr_of("getppid")), Decision::notify());
}

Verdict notify_getppid(std::initializer_list<std::pair<Phase, int>> handlers,
                       std::string* log = nullptr) {
  static std::string ignored;
  if (log == nullptr) log = &ignored;
  HandlerList list;
  int i = 0;
  for (auto [phase, what] : handlers) {
    list.push_back(std::make_unique<Recorder>("h" + std::to_string(i++), phase, what, log,
                                              Action::kNotify));
  }
  Dispatcher d(std::move(list));
  EXPECT_EQ(d.conflict(), "");
  arch::SyscallRegs regs = regs_of("getppid");
  Tracee t;
  t.tid = t.tgid = getpid();
  const GuestMemory memory(getpid());
  return d.on_notification(t, regs, memory);
}

TEST(DispatcherNotification, TheChainAnswersUntilAHandlerSkips) {
  std::string log;
  const Verdict v = notify_getppid(
      {{Phase::kTranslate, 1}, {Phase::kTranslate, 0}, {Phase::kEmulate, 0}}, &log);
  EXPECT_EQ(v.kind, Verdict::Kind::kSkip);
  EXPECT_EQ(v.value, 7);
  EXPECT_EQ(log, "h0 h1 ");  // the second translator answered
  EXPECT_EQ(notify_getppid({{Phase::kTranslate, 1}, {Phase::kEmulate, 1}}).kind,
            Verdict::Kind::kResume);  // let it run
}

TEST(DispatcherNotification, ABrokenPromiseFailsTheCallWithEnosys) {
  const Verdict edited = notify_getppid({{Phase::kEmulate, 2}});
  EXPECT_EQ(edited.kind, Verdict::Kind::kSkip);
  EXPECT_EQ(edited.value, -ENOSYS);
  const Verdict exit = notify_getppid({{Phase::kEmulate, 3}});
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
