#include "cocoon/trace/select.h"

#include <gtest/gtest.h>

namespace cocoon::trace {
namespace {

const arch::SyscallDesc& row(const char* name) { return *arch::find_syscall(name); }

TEST(Selection, EverythingByDefault) {
  Selection s;
  EXPECT_TRUE(s.everything());
  EXPECT_TRUE(s.selects(row("getpid")));
}

TEST(Selection, NamesAndClasses) {
  auto s = Selection::parse("%file,getuid");
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s->selects(row("openat")));
  EXPECT_TRUE(s->selects(row("execve")));  // a path argument: %file, as in strace
  EXPECT_TRUE(s->selects(row("getuid")));
  EXPECT_FALSE(s->selects(row("read")));
  EXPECT_FALSE(s->selects(row("getgid")));
}

TEST(Selection, Process) {
  auto s = Selection::parse("%process");
  ASSERT_TRUE(s);
  for (const char* n : {"clone", "execve", "exit_group", "wait4", "kill"}) EXPECT_TRUE(s->selects(row(n))) << n;
  EXPECT_FALSE(s->selects(row("openat")));
}

TEST(Selection, Negation) {
  auto s = Selection::parse("!%memory");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->selects(row("mmap")));
  EXPECT_TRUE(s->selects(row("openat")));
}

TEST(Selection, ClassesFromRoles) {
  EXPECT_TRUE(in_class("desc", row("read")));
  EXPECT_TRUE(in_class("desc", row("openat")));  // returns an fd
  EXPECT_TRUE(in_class("network", row("connect")));
  EXPECT_TRUE(in_class("creds", row("setresuid")));
  EXPECT_FALSE(in_class("creds", row("getpid")));
  EXPECT_TRUE(in_class("signal", row("rt_sigaction")));
}

TEST(Selection, Errors) {
  EXPECT_FALSE(Selection::parse("nosuchcall"));
  EXPECT_EQ(Selection::parse("%nosuchclass").error(), "unknown class '%nosuchclass'");
  EXPECT_FALSE(Selection::parse(""));
}

}  // namespace
}  // namespace cocoon::trace
