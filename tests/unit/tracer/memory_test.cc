// GuestMemory against a real stopped child: the mappings are made before the
// fork, so parent and child share their addresses.
#include "cocoon/tracer/memory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/limits.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace cocoon::tracer {
namespace {

constexpr std::size_t kPage = 4096;

// Three pages: two readable, then one PROT_NONE.
struct Layout {
  char* base = nullptr;
  char* readonly = nullptr;
  Layout() {
    base = static_cast<char*>(mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(base + 2 * kPage, kPage, PROT_NONE);
    readonly = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    std::strcpy(readonly, "before");
    mprotect(readonly, kPage, PROT_READ);
  }
  ~Layout() {
    munmap(base, 3 * kPage);
    munmap(readonly, kPage);
  }
  char* end_of_readable() const { return base + 2 * kPage; }
};

// A child stopped under PTRACE_SEIZE + PTRACE_INTERRUPT, killed at the end.
class StoppedChild {
 public:
  StoppedChild() {
    pid_ = fork();
    if (pid_ == 0) {
      for (;;) pause();
    }
    ptrace(PTRACE_SEIZE, pid_, 0, PTRACE_O_EXITKILL);
    ptrace(PTRACE_INTERRUPT, pid_, 0, 0);
    int status = 0;
    waitpid(pid_, &status, __WALL);
  }
  ~StoppedChild() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, __WALL);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

auto addr(const void* p) { return reinterpret_cast<std::uint64_t>(p); }

TEST(GuestMemory, ReadsAPathAcrossAPageBoundary) {
  Layout m;
  char* s = m.base + kPage - 3;
  std::strcpy(s, "/etc/hostname");
  StoppedChild child;
  auto got = GuestMemory(child.pid()).read_path(addr(s));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "/etc/hostname");
}

TEST(GuestMemory, PathEdgesMatchTheKernel) {
  Layout m;
  // Unterminated, running into the PROT_NONE page: EFAULT.
  std::memset(m.end_of_readable() - 10, 'a', 10);
  // PATH_MAX bytes without a NUL, all readable: ENAMETOOLONG.
  std::memset(m.base, 'b', 2 * kPage);
  // PATH_MAX-1 characters and the NUL: the longest accepted path.
  Layout ok;
  std::memset(ok.base, 'c', PATH_MAX - 1);
  ok.base[PATH_MAX - 1] = '\0';
  StoppedChild child;
  GuestMemory mem(child.pid());
  EXPECT_EQ(mem.read_path(addr(m.end_of_readable() - 10)).error(), EFAULT);
  EXPECT_EQ(mem.read_path(addr(m.base)).error(), ENAMETOOLONG);
  EXPECT_EQ(mem.read_path(0).error(), EFAULT);
  EXPECT_EQ(mem.read_path(addr(m.end_of_readable())).error(), EFAULT);
  auto longest = mem.read_path(addr(ok.base));
  ASSERT_TRUE(longest.has_value());
  EXPECT_EQ(longest->size(), static_cast<std::size_t>(PATH_MAX - 1));
}

TEST(GuestMemory, ReadSomeStopsAtTheFirstUnmappedPage) {
  Layout m;
  StoppedChild child;
  std::array<std::byte, 100> buf{};
  auto got = GuestMemory(child.pid()).read_some(addr(m.end_of_readable() - 40), buf);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 40u);
  EXPECT_FALSE(GuestMemory(child.pid()).read(addr(m.end_of_readable() - 40), buf).has_value());
}

TEST(GuestMemory, WritesIncludingReadOnlyMappings) {
  Layout m;
  StoppedChild child;
  GuestMemory mem(child.pid());
  const char text[] = "written by the tracer";
  ASSERT_TRUE(mem.write(addr(m.base + 5), std::as_bytes(std::span(text))).has_value());
  EXPECT_EQ(*mem.read_path(addr(m.base + 5)), text);
  // A syscall's output cannot land where the guest could not write.
  const char odd[] = "after!!";  // 8 bytes: not word-aligned at readonly+1
  EXPECT_EQ(mem.write(addr(m.readonly + 1), std::as_bytes(std::span(odd))).error(), EFAULT);
  EXPECT_EQ(mem.write(addr(m.end_of_readable()), std::as_bytes(std::span(text))).error(), EFAULT);
  EXPECT_EQ(*mem.read_path(addr(m.readonly)), "before");
  // write_force is POKEDATA: it writes read-only pages, as a debugger plants
  // breakpoints in text pages (partial words keep their other bytes).
  ASSERT_TRUE(mem.write_force(addr(m.readonly + 1), std::as_bytes(std::span(odd))).has_value());
  EXPECT_EQ(*mem.read_path(addr(m.readonly)), "bafter!!");
}

// A notified call's memory (NotificationRef): while the tracer's count of
// reaped tasks is what it was before the call was received, accesses need
// no SECCOMP_IOCTL_NOTIF_ID_VALID; once it moved they are confirmed, and a
// notification the listener does not know (here: /dev/null is no listener)
// fails them with ESRCH.
TEST(GuestMemory, NotifiedAccessesAreConfirmedOnlyAfterAReap) {
  Layout m;
  std::strcpy(m.base, "/etc/passwd");
  StoppedChild child;
  const int not_a_listener = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(not_a_listener, 0);
  std::atomic<std::uint64_t> reaps{7};
  const GuestMemory mem(child.pid(), NotificationRef{not_a_listener, 1, &reaps, 7});
  auto path = mem.read_path(addr(m.base));
  ASSERT_TRUE(path.has_value()) << "errno " << path.error();
  EXPECT_EQ(*path, "/etc/passwd");
  const char word[] = "ok";
  EXPECT_TRUE(mem.write(addr(m.base), std::as_bytes(std::span(word))).has_value());
  reaps.store(8);  // a task was reaped: the notification must be confirmed
  EXPECT_EQ(mem.read_path(addr(m.base)).error(), ESRCH);
  EXPECT_EQ(mem.write(addr(m.base), std::as_bytes(std::span(word))).error(), ESRCH);
  // Without the count, every access is confirmed.
  const GuestMemory strict(child.pid(), NotificationRef{not_a_listener, 1});
  EXPECT_EQ(strict.read_path(addr(m.base)).error(), ESRCH);
  close(not_a_listener);
}

}  // namespace
}  // namespace cocoon::tracer
