// The emulated PID namespace's bookkeeping and the /proc rewrites it
// drives, without processes: numbering (the command is 1, threads share
// the counter), death and reaping, reuse of a real number, and the
// getdents64, status and stat text a guest reads.
#include "pids/pid_namespace.h"

#include <gtest/gtest.h>

#include <cstring>

#include "pids/proc_pids.h"

namespace cocoon::syscalls {
namespace {

TEST(PidNamespace, NumbersMembersInOrderOfBirth) {
  PidNamespace ns;
  EXPECT_EQ(ns.member(5000), 1);
  EXPECT_EQ(ns.member(5000), 1);  // asked again: the same number
  EXPECT_EQ(ns.add(5003), 2);
  EXPECT_EQ(ns.member(5001), 3);
  EXPECT_EQ(ns.real_of(2), 5003);
  EXPECT_EQ(ns.virtual_of(5001), 3);
  EXPECT_FALSE(ns.virtual_of(1));     // cocoon, init, anyone outside
  EXPECT_FALSE(ns.real_of(4));        // no such member
  EXPECT_EQ(ns.members().front(), (std::pair<pid_t, pid_t>{1, 5000}));
}

TEST(PidNamespace, BwrapsInitKeepsOne) {
  PidNamespace ns(2);
  EXPECT_EQ(ns.member(7000), 2);
  EXPECT_EQ(ns.outside_parent(), 1);
  EXPECT_EQ(PidNamespace().outside_parent(), 0);
}

TEST(PidNamespace, ADeadMemberIsWaitableUntilReaped) {
  PidNamespace ns;
  ns.member(100);
  ns.member(200);
  ns.retire(200);
  EXPECT_FALSE(ns.real_of(2));                // not signalled, not in /proc
  EXPECT_EQ(ns.waitable_real_of(2), 200);     // but wait4(2) still finds it
  EXPECT_EQ(ns.group_virtual_of(200), 2);     // and its group id stays
  ns.reaped(200);
  EXPECT_FALSE(ns.waitable_real_of(2));
  EXPECT_EQ(ns.group_real_of(2), 200);
  EXPECT_EQ(ns.size(), 1u);
}

TEST(PidNamespace, AReusedRealNumberIsANewMember) {
  PidNamespace ns;
  ns.member(100);
  ns.member(200);
  ns.reaped(200);
  EXPECT_EQ(ns.add(200), 3);  // the kernel gave 200 to a new task
  EXPECT_EQ(ns.virtual_of(200), 3);
  EXPECT_FALSE(ns.group_real_of(2));  // the old number is gone with it
}

// One linux_dirent64 record: d_ino, d_off, d_reclen, d_type, name.
std::string dirent(std::uint64_t ino, std::int64_t off, const std::string& name) {
  const std::size_t len = (19 + name.size() + 1 + 7) & ~std::size_t{7};
  std::string r(len, '\0');
  std::memcpy(r.data(), &ino, 8);
  std::memcpy(r.data() + 8, &off, 8);
  const auto reclen = static_cast<std::uint16_t>(len);
  std::memcpy(r.data() + 16, &reclen, 2);
  r[18] = 4;  // DT_DIR
  std::memcpy(r.data() + 19, name.data(), name.size());
  return r;
}

std::vector<std::string> names(const std::string& buf) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < buf.size();) {
    std::uint16_t reclen = 0;
    std::memcpy(&reclen, buf.data() + at + 16, 2);
    out.emplace_back(buf.c_str() + at + 19);
    at += reclen;
  }
  return out;
}

TEST(ProcListing, KeepsMembersRenamedAndOtherNames) {
  PidNamespace ns;
  ns.member(4242);
  ns.member(77);
  const std::string in = dirent(1, 1, "self") + dirent(2, 2, "1") + dirent(3, 3, "77") +
                         dirent(4, 4, "4242") + dirent(5, 5, "999") + dirent(6, 6, "meminfo");
  auto out = filter_proc_dirents(in, 4096, 0, [&](pid_t r) { return ns.virtual_of(r); });
  EXPECT_TRUE(out.complete);
  EXPECT_EQ(names(out.bytes), (std::vector<std::string>{"self", "2", "1", "meminfo"}));
}

TEST(ProcListing, SaysWhereToResumeWhenTheBufferIsFull) {
  PidNamespace ns;
  ns.member(10);
  ns.member(20);
  const std::string in = dirent(1, 11, "10") + dirent(2, 12, "15") + dirent(3, 13, "20");
  // Room for one record: "10" fits, "15" is dropped, "20" does not fit.
  auto out = filter_proc_dirents(in, 24, 10, [&](pid_t r) { return ns.virtual_of(r); });
  EXPECT_FALSE(out.complete);
  EXPECT_EQ(names(out.bytes), (std::vector<std::string>{"1"}));
  EXPECT_EQ(out.resume_off, 12);  // after "15": the next read starts at "20"
  auto none = filter_proc_dirents(in, 8, 10, [&](pid_t r) { return ns.virtual_of(r); });
  EXPECT_TRUE(none.bytes.empty());
  EXPECT_EQ(none.resume_off, 10);  // nothing consumed
}

TEST(ProcFiles, StatusShowsTheNamespacesNumbers) {
  PidNamespace ns;
  ns.member(500);  // 1
  ns.member(600);  // 2
  const std::string status =
      "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t600\nNgid:\t0\nPid:\t600\n"
      "PPid:\t500\nTracerPid:\t499\nUid:\t65534\t65534\t65534\t65534\nNStgid:\t600\n"
      "NSpid:\t600\nNSpgid:\t321\nNSsid:\t321\n";
  const std::string out = rewrite_proc_status(status, ns);
  EXPECT_NE(out.find("Tgid:\t2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Pid:\t2\n"), std::string::npos);
  EXPECT_NE(out.find("PPid:\t1\n"), std::string::npos);
  EXPECT_NE(out.find("TracerPid:\t0\n"), std::string::npos);
  EXPECT_NE(out.find("NSpid:\t2\n"), std::string::npos);
  EXPECT_NE(out.find("NSpgid:\t0\n"), std::string::npos);  // a group outside
  EXPECT_NE(out.find("Uid:\t65534\t65534\t65534\t65534\n"), std::string::npos);
  EXPECT_NE(out.find("Ngid:\t0\n"), std::string::npos);
}

TEST(ProcFiles, StatCountsFieldsAfterTheLastParenthesis) {
  PidNamespace ns;
  ns.member(500);
  ns.member(600);
  const std::string stat = "600 (a) b (c)) S 500 600 321 34816 600 4194304 0 0\n";
  EXPECT_EQ(rewrite_proc_stat(stat, ns), "2 (a) b (c)) S 1 2 0 34816 2 4194304 0 0\n");
}

}  // namespace
}  // namespace cocoon::syscalls

#include "view/proc_path.h"

namespace cocoon::syscalls {
namespace {

TEST(ProcPath, TaskPathsRoundTripAsWritten) {
  auto p = parse_proc_task_path("/proc/42/task/43/status");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, 42);
  EXPECT_EQ(p->tid, 43);
  EXPECT_EQ(p->rest, "/status");
  for (const char* s : {"/proc/42", "/proc/42/", "/proc/42//fd/3", "/proc/42/task", "/proc/42/task/x"}) {
    auto q = parse_proc_task_path(s);
    ASSERT_TRUE(q) << s;
    EXPECT_EQ(format_proc_task_path(*q), s);
  }
  EXPECT_FALSE(parse_proc_task_path("/proc/self/status"));
  EXPECT_FALSE(parse_proc_task_path("/proc/12abc"));
  EXPECT_FALSE(parse_proc_task_path("/proc/1234567890"));  // past any pid
  EXPECT_FALSE(parse_proc_task_path("/sys/42"));
}

}  // namespace
}  // namespace cocoon::syscalls
