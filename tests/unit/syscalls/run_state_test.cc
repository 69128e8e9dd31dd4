// Runs as things (sandbox/run_state.h): the state file's text, names, the
// state directory's checks, publishing, and the removal of stale runs.
#include "sandbox/run_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cocoon::syscalls {
namespace {

namespace fs = std::filesystem;

// XDG_RUNTIME_DIR pointed at a fresh directory of the test's for its life.
class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-run-state-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    xdg_ = tmpl;
    ::setenv("XDG_RUNTIME_DIR", xdg_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("XDG_RUNTIME_DIR");
    fs::remove_all(xdg_);
  }
  std::string xdg_;
};

RunRecord sample() {
  RunRecord r;
  r.id = new_run_id();
  r.name = "box";
  r.pid = ::getpid();
  r.pid_start = process_start_time(r.pid);
  r.started = 1765000000;
  r.command = {"sh", "-c", "echo \"a\\b\" \t\x01 done"};
  r.root = "/srv/root fs";
  r.mounts = {"bind /src", "tmpfs /tmp"};
  r.emulated_ids = true;
  r.uid = 0;
  r.gid = 7;
  r.hostname = "box";
  r.namespaces = {"pid", "uts"};
  r.guest_namespaces = true;
  return r;
}

TEST(RunState, RecordRoundTripsThroughItsText) {
  const RunRecord r = sample();
  const auto back = parse_record(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->name, "box");
  EXPECT_EQ(back->pid, r.pid);
  EXPECT_EQ(back->pid_start, r.pid_start);
  EXPECT_EQ(back->started, r.started);
  EXPECT_EQ(back->command, r.command);
  EXPECT_EQ(back->root, r.root);
  EXPECT_EQ(back->mounts, r.mounts);
  EXPECT_TRUE(back->emulated_ids);
  EXPECT_EQ(back->gid, 7u);
  EXPECT_EQ(back->hostname, std::optional<std::string>("box"));
  EXPECT_EQ(back->namespaces, r.namespaces);
  EXPECT_TRUE(back->guest_namespaces);
  RunRecord plain;
  plain.id = "0123456789ab";
  const auto p = parse_record(to_json(plain));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "");
  EXPECT_FALSE(p->hostname);
  EXPECT_FALSE(parse_record("{\n}\n"));  // no id
}

TEST(RunState, IdsAndNames) {
  const std::string id = new_run_id();
  EXPECT_EQ(id.size(), 12u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(new_run_id(), id);
  EXPECT_TRUE(valid_run_name("build-1.x_y"));
  EXPECT_FALSE(valid_run_name(""));
  EXPECT_FALSE(valid_run_name(".hidden"));
  EXPECT_FALSE(valid_run_name("a/b"));
  EXPECT_FALSE(valid_run_name("a b"));
  EXPECT_FALSE(valid_run_name(std::string(65, 'a')));
}

TEST_F(StateDirTest, StateRootIsMadePrivateAndRefusedWhenOthersMayWrite) {
  auto root = state_root();
  ASSERT_TRUE(root) << root.error();
  EXPECT_EQ(*root, xdg_ + "/cocoon");
  struct stat st {};
  ASSERT_EQ(::stat(root->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::chmod(root->c_str(), 0770), 0);
  auto refused = state_root();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("writable by group or others"), std::string::npos);
  fs::remove(*root);
  fs::create_directory_symlink("/tmp", *root);
  refused = state_root();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("not a directory"), std::string::npos);
}

TEST_F(StateDirTest, APublishedRunIsListedFoundAndRemovedWithItsOwner) {
  const RunRecord r = sample();
  std::string dir;
  {
    auto run = PublishedRun::publish(r);
    ASSERT_TRUE(run) << run.error().message;
    const auto runs = list_runs(xdg_ + "/cocoon");
    ASSERT_EQ(runs.size(), 1u);
    dir = runs[0].dir;
    EXPECT_TRUE(fs::is_socket(socket_path(runs[0])));
    EXPECT_EQ(find_run(xdg_ + "/cocoon", "box")->record.id, r.id);
    EXPECT_EQ(find_run(xdg_ + "/cocoon", r.id.substr(0, 5))->record.id, r.id);
    EXPECT_FALSE(find_run(xdg_ + "/cocoon", r.id.substr(0, 3)));  // too short for a prefix
    // The name is taken while the run lives.
    RunRecord second = sample();
    auto clash = PublishedRun::publish(second);
    ASSERT_FALSE(clash);
    EXPECT_TRUE(clash.error().name_in_use);
    EXPECT_FALSE(fs::exists(xdg_ + "/cocoon/" + second.id));  // nothing of it left
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(fs::is_symlink(xdg_ + "/cocoon/name.box"));
  EXPECT_TRUE(list_runs(xdg_ + "/cocoon").empty());
}

TEST_F(StateDirTest, AStaleRunIsRemovedAndItsNameFreed) {
  const std::string root = *state_root();
  const pid_t dead = ::fork();
  if (dead == 0) _exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  RunRecord r = sample();
  r.pid = dead;
  r.pid_start = 12345;
  fs::create_directory(root + "/" + r.id);
  std::ofstream(root + "/" + r.id + "/state.json") << to_json(r);
  fs::create_symlink(r.id, root + "/name.box");
  EXPECT_TRUE(list_runs(root).empty());
  EXPECT_FALSE(fs::exists(root + "/" + r.id));
  EXPECT_FALSE(fs::is_symlink(root + "/name.box"));
  // A live run may take the name again.
  auto run = PublishedRun::publish(sample());
  EXPECT_TRUE(run) << run.error().message;
}

}  // namespace
}  // namespace cocoon::syscalls
