// The view's overlays (proc_overlay.h): the order they are asked in, and
// what each answers for a read, a write and a readlink. Paths::translate
// turns a read-only substitute reached for writing into EACCES, which the
// e2e hostname and namespaces tests check on a live guest.
#include <gtest/gtest.h>

#include <memory>

#include "view/guest_view.h"
#include "view/proc_overlay.h"

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

}  // namespace
}  // namespace cocoon::syscalls
