// The view's overlays (proc_overlay.h): the order they are asked in, and
// what each answers for a read, a write and a readlink. Paths::translate
// turns a read-only substitute reached for writing into EACCES, which the
// e2e hostname and namespaces tests check on a live guest.
#include <gtest/gtest.h>

#include <memory>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "identity/status_lines.h"
#include "view/guest_view.h"
#include "view/proc_overlay.h"
#include "view/proc_status.h"

namespace cocoon::syscalls {
namespace {

GuestView view() { return GuestView(vfs::MountTable(vfs::HostPath("/srv/root"))); }

TEST(ProcOverlay, FixedFilesAnswerReadsAndWritesButNotReadlink) {
  FixedFiles f;
  f.set("/proc/sys/kernel/hostname", "/scratch/hostname");
  auto read = f.lookup("/proc/sys/kernel/hostname", 1, Reach::kRead);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->value, "/scratch/hostname");
  EXPECT_FALSE(read->writable);
  auto write = f.lookup("/proc/sys/kernel/hostname", 1, Reach::kWrite);
  ASSERT_TRUE(write);
  EXPECT_FALSE(write->writable) << "a sethostname rewrites it, not the guest";
  EXPECT_FALSE(f.lookup("/proc/sys/kernel/hostname", 1, Reach::kReadlink));
  EXPECT_FALSE(f.lookup("/proc/sys/kernel/domainname", 1, Reach::kRead));
  EXPECT_EQ(f.files(), std::vector<std::string>{"/scratch/hostname"});
}

TEST(ProcOverlay, TheFirstOverlayThatKnowsAPathAnswers) {
  GuestView v = view();
  v.fixed_files().set("/proc/a", "/fixed/a");
  v.add_overlay(std::make_shared<GeneratedFiles>([](const std::string& host, pid_t tgid) {
    return host == "/proc/a" || host == "/proc/b" ? "/made/" + std::to_string(tgid) : "";
  }));
  v.add_overlay(std::make_shared<GeneratedFiles>(
      [](const std::string& host, pid_t) { return host == "/proc/b" ? "/later/b" : ""; }));
  EXPECT_EQ(v.overlay("/proc/a", 7, Reach::kRead)->value, "/fixed/a") << "fixed files come first";
  EXPECT_EQ(v.overlay("/proc/b", 7, Reach::kRead)->value, "/made/7") << "then in the order added";
  EXPECT_FALSE(v.overlay("/proc/c", 7, Reach::kRead));
  EXPECT_EQ(v.overlay_files(), std::vector<std::string>{"/fixed/a"});
}

// /proc/PID/status: every editor's change in one copy; no copy when none
// changes the text; other files and readlink are not its own.
TEST(ProcOverlay, StatusFilesApplyEveryEditorInOneCopy) {
  char dir_template[] = "/tmp/status-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  ProcStatusFiles files(dir);
  const std::string self = "/proc/" + std::to_string(::getpid()) + "/status";
  EXPECT_FALSE(files.lookup(self, 1, Reach::kRead)) << "no editor: the host's file";
  files.add_editor([](std::string text, ProcStatusFiles::Subject s, pid_t reader) {
    EXPECT_EQ(s.tgid, ::getpid());
    EXPECT_EQ(reader, 7);
    return text + "First:\tyes\n";
  });
  files.add_editor([](std::string text, ProcStatusFiles::Subject, pid_t) {
    return text + "Second:\tyes\n";
  });
  auto got = files.lookup(self, 7, Reach::kRead);
  ASSERT_TRUE(got);
  std::ifstream in(got->value);
  std::stringstream body;
  body << in.rdbuf();
  EXPECT_NE(body.str().find("\nFirst:\tyes\nSecond:\tyes\n"), std::string::npos);
  EXPECT_NE(body.str().find("Tgid:"), std::string::npos) << "the host's lines stay";
  EXPECT_FALSE(files.lookup("/proc/" + std::to_string(::getpid()) + "/stat", 7, Reach::kRead));
  EXPECT_FALSE(files.lookup(self, 7, Reach::kReadlink));
  std::filesystem::remove_all(dir);
}

// The credential lines in proc(5)'s layout, ids mapped out through the
// reader's namespace (here bwrap's one-id map: 1000 inside is 65534).
TEST(ProcOverlay, CredentialLinesShowTheEmulatedCredentials) {
  const std::string host =
      "Name:\tsh\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
      "FDSize:\t64\nGroups:\t \nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
      "CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n";
  Credentials c = Credentials::of(65534, 65534, 0);
  c.groups = {65534, 5};
  c.caps = CapSets{.permitted = 0x1001, .effective = 0x1000, .inheritable = 0, .bounding = 0x1001};
  OneIdMap ids(1000, 65534, 1000, 65534);
  EXPECT_EQ(show_credentials(host, c, ids, 1),
            "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n"
            "FDSize:\t64\nGroups:\t1000 65534 \nCapInh:\t0000000000000000\n"
            "CapPrm:\t0000000000001001\nCapEff:\t0000000000001000\nCapBnd:\t0000000000001001\n"
            "CapAmb:\t0000000000000000\n");
}

}  // namespace
}  // namespace cocoon::syscalls
