// StackScratch: data pushed below a thread's stack pointer, in our own
// memory and in a real tracee whose openat path is replaced through it.
#include "cocoon/tracer/scratch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "trace_one_syscall.h"

namespace cocoon::tracer {
namespace {

TEST(StackScratch, PushesBelowTheRedZoneAlignedAndInOrder) {
  alignas(16) static std::array<char, 1024> stack{};
  const auto sp = reinterpret_cast<std::uint64_t>(stack.data() + stack.size());
  GuestMemory self(getpid());
  StackScratch scratch(self, sp);
  auto a = scratch.push_string("/first");
  auto b = scratch.push_string("/second/path");
  ASSERT_TRUE(a && b);
  EXPECT_LE(*a + 16, sp - StackScratch::kRedZone);  // the red zone stays untouched
  EXPECT_EQ(*a % 16, 0u);
  EXPECT_EQ(*b % 16, 0u);
  EXPECT_LT(*b, *a);  // the second lies below the first, not over it
  EXPECT_STREQ(reinterpret_cast<const char*>(*a), "/first");
  EXPECT_STREQ(reinterpret_cast<const char*>(*b), "/second/path");
  EXPECT_TRUE(std::all_of(stack.end() - StackScratch::kRedZone, stack.end(),
                          [](char c) { return c == 0; }));
}

TEST(StackScratch, UnmappedStackIsEfault) {
  GuestMemory self(getpid());
  StackScratch low(self, 0x10000);  // nothing is mapped this low
  auto r = low.push_string("/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EFAULT);
  StackScratch tiny(self, 64);  // less room than the red zone
  EXPECT_FALSE(tiny.push_string("/x"));
}

// A tracee opens a path that does not exist; at the seccomp stop the tracer
// points openat's path at "/dev/null" pushed on the tracee's stack. The
// tracee sees a character device, and its own string is unchanged.
TEST(StackScratch, ReplacesARealTraceesPathArgument) {
  const auto nr = static_cast<std::uint32_t>(
      arch::find_syscall("openat")->number(arch::host_arch()));
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    char c;
    if (read(go[0], &c, 1) != 1) _exit(10);
    if (!cocoon::testing::trace_one_syscall(nr)) _exit(11);
    char path[] = "/nonexistent/cocoon-scratch-test";
    const int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, path, O_RDONLY));
    struct stat st {};
    if (fd < 0) _exit(13);
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) _exit(14);
    if (std::strcmp(path, "/nonexistent/cocoon-scratch-test") != 0) _exit(15);
    _exit(0);
  }
  ASSERT_EQ(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP), 0);
  ASSERT_EQ(write(go[1], "x", 1), 1);
  int status = 0, rewrites = 0;
  while (waitpid(pid, &status, __WALL) == pid && !WIFEXITED(status) && !WIFSIGNALED(status)) {
    int sig = 0;
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
      auto regs = arch::SyscallRegs::load(pid);
      ASSERT_TRUE(regs);
      GuestMemory mem(pid);
      StackScratch scratch(mem, regs->sp());
      auto addr = scratch.push_string("/dev/null");
      ASSERT_TRUE(addr) << "errno " << addr.error();
      regs->set_arg(1, *addr);
      ASSERT_TRUE(regs->store(pid));
      ++rewrites;
    } else if (status >> 16 == 0) {
      sig = WSTOPSIG(status);
    }
    ptrace(PTRACE_CONT, pid, 0, sig);
  }
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_GE(rewrites, 1);
}

}  // namespace
}  // namespace cocoon::tracer
