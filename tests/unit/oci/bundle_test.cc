// config.json to a Session (tools/cocoon/oci/bundle*.cc): what each field
// becomes, and what is refused with which status.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "oci/bundle.h"

namespace cocoon::oci {
namespace {

using nlohmann::json;
using vfs::MountKind;

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oci-bundle-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/rootfs");
    std::filesystem::create_directories(dir_ + "/data");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The smallest valid config, with `extra` merged in.
  json config(const json& extra = json::object()) const {
    json c = {{"ociVersion", "1.0.2"},
              {"root", {{"path", "rootfs"}}},
              {"process", {{"args", {"sh"}}, {"cwd", "/"}, {"user", {{"uid", ::getuid()}, {"gid", ::getgid()}}}}}};
    c.merge_patch(extra);
    return c;
  }
  std::expected<Bundle, OciError> map(const json& c) const { return bundle_from_config(c, dir_); }

  std::string dir_;
};

TEST_F(BundleTest, RootProcessAndEnvironment) {
  auto b = map(config({{"root", {{"readonly", true}}},
                       {"process", {{"args", {"sh", "-c", "id"}}, {"cwd", "/tmp"}, {"env", {"A=1"}}}}}));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->session.view.rootfs, dir_ + "/rootfs");
  EXPECT_TRUE(b->session.view.rootfs_read_only);
  EXPECT_EQ(b->session.argv, (std::vector<std::string>{"sh", "-c", "id"}));
  EXPECT_EQ(b->session.view.cwd, "/tmp");
  EXPECT_EQ(b->session.tracer.env, (std::vector<std::string>{"A=1"}));
  EXPECT_TRUE(b->session.tracer.new_session);  // no terminal: a session of its own
  EXPECT_FALSE(b->session.view.identity);      // the caller's own ids: nothing to emulate
}

TEST_F(BundleTest, MountTypes) {
  json mounts = json::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
      {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}},
      {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"}},
      {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}, {"options", {"mode=1777"}}},
      {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}},
      {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", {"ro"}}},
      {{"destination", "/data"}, {"type", "none"}, {"source", "data"}, {"options", {"rbind", "ro"}}},
  });
  auto b = map(config({{"mounts", mounts}}));
  ASSERT_TRUE(b) << b.error().message;
  const auto& m = b->session.view.mounts;
  ASSERT_EQ(m.size(), 6u);  // devpts lies in cocoon's /dev
  EXPECT_EQ(m[0].kind, MountKind::kProc);
  EXPECT_EQ(m[1].kind, MountKind::kDev);
  EXPECT_EQ(m[2].kind, MountKind::kTmpfs);
  EXPECT_EQ(m[2].mode, 01777u);
  EXPECT_EQ(m[3].kind, MountKind::kDir);
  EXPECT_EQ(m[4].kind, MountKind::kBind);
  EXPECT_EQ(m[4].source, "/sys");
  EXPECT_TRUE(m[4].read_only);
  EXPECT_EQ(m[5].source, dir_ + "/data");  // relative: the bundle's
  EXPECT_EQ(m[5].target, "/data");
  EXPECT_TRUE(m[5].read_only);
}

TEST_F(BundleTest, MaskedAndReadonlyPathsUnderProc) {
  json mounts = json::array({{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}});
  auto b = map(config({{"mounts", mounts},
                       {"linux", {{"maskedPaths", {"/proc/version", "/proc/no-such-file"}},
                                  {"readonlyPaths", {"/proc/sys"}}}}}));
  ASSERT_TRUE(b) << b.error().message;
  const auto& m = b->session.view.mounts;
  ASSERT_EQ(m.size(), 3u);  // a path the guest would not find is skipped
  EXPECT_EQ(m[1].source, "/dev/null");
  EXPECT_EQ(m[1].target, "/proc/version");
  EXPECT_EQ(m[2].source, "/proc/sys");
  EXPECT_TRUE(m[2].read_only);
}

TEST_F(BundleTest, NamespacesAndTheUserNamespacesOneId) {
  json ns = json::array({{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}},
                         {{"type", "mount"}}, {{"type", "cgroup"}}, {{"type", "user"}}});
  json linux_ = {{"namespaces", ns},
                 {"uidMappings", {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 1}}}},
                 {"gidMappings", {{{"containerID", 0}, {"hostID", ::getgid()}, {"size", 1}}}}};
  auto b = map(config({{"linux", linux_}, {"hostname", "box"},
                       {"process", {{"user", {{"uid", 0}, {"gid", 0}}}}}}));
  ASSERT_TRUE(b) << b.error().message;
  const auto& v = b->session.view;
  EXPECT_TRUE(v.unshare_pid && v.unshare_net && v.unshare_ipc && v.unshare_cgroup);
  EXPECT_EQ(v.hostname, "box");
  ASSERT_TRUE(v.identity);
  EXPECT_EQ(v.identity->uid, ::getuid());  // the caller's credentials...
  ASSERT_TRUE(v.identity->user_ns);        // ...seen as 0 inside
  const auto& maps = *v.identity->user_ns;
  ASSERT_EQ(maps.uid_map.size(), 1u);
  EXPECT_EQ(maps.uid_map[0].inside, 0u);
  EXPECT_EQ(maps.uid_map[0].outside, ::getuid());
  EXPECT_TRUE(maps.setgroups_denied);  // what an unprivileged writer may map
  EXPECT_FALSE(v.identity->own_user_ns);
}

// Rootless podman's maps: process.user through them, as the first
// namespace numbers it; additionalGids the groups (setgroups allowed).
TEST_F(BundleTest, UserNamespaceOfRanges) {
  const json m = {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 1}},
                  {{"containerID", 1}, {"hostID", 100000}, {"size", 65536}}};
  json g = m;
  g[0]["hostID"] = ::getgid();
  json linux_ = {{"namespaces", {{{"type", "user"}}}}, {"uidMappings", m}, {"gidMappings", g}};
  auto b = map(config({{"linux", linux_},
                       {"process", {{"user", {{"uid", 1000}, {"gid", 0}, {"additionalGids", {5}}}}}}}));
  ASSERT_TRUE(b) << b.error().message;
  const auto& id = *b->session.view.identity;
  EXPECT_EQ(id.uid, 100999u);
  EXPECT_EQ(id.gid, ::getgid());
  EXPECT_EQ(id.groups, std::vector<std::uint32_t>{100004});
  ASSERT_TRUE(id.user_ns);
  EXPECT_EQ(id.user_ns->uid_map.size(), 2u);
  EXPECT_FALSE(id.user_ns->setgroups_denied);
  // Refused, by name: a map the kernel would not take, one without the
  // caller's id, an unmapped process.user.
  const std::pair<json, const char*> bad[] = {
      {{{"uidMappings", {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 2}},
                         {{"containerID", 1}, {"hostID", 100000}, {"size", 1}}}}},
       "linux.uidMappings: two mappings overlap inside"},
      {{{"gidMappings", {{{"containerID", 0}, {"hostID", 100000}, {"size", 10}}}}},
       "linux.gidMappings: no hostID is yours"},
      {{{"uidMappings", {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 1}}}}},
       "process.user.uid: 1000 is not mapped"},
  };
  for (const auto& [extra, says] : bad) {
    json l = linux_;
    l.update(extra);
    auto r = map(config({{"linux", l}, {"process", {{"user", {{"uid", 1000}, {"gid", 0}}}}}}));
    ASSERT_FALSE(r) << extra.dump();
    EXPECT_EQ(r.error().status, kFailed) << r.error().message;
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  }
}

TEST_F(BundleTest, UserWithoutNamespaceIsEmulated) {
  auto b = map(config({{"process", {{"user", {{"uid", 1234}, {"gid", 55}, {"additionalGids", {7}}}}}}}));
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_TRUE(b->session.view.identity);
  EXPECT_EQ(b->session.view.identity->uid, 1234u);
  EXPECT_EQ(b->session.view.identity->gid, 55u);
  EXPECT_EQ(b->session.view.identity->groups, std::vector<std::uint32_t>{7});
}

TEST_F(BundleTest, Rlimits) {
  auto b = map(config({{"process", {{"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"soft", 10}, {"hard", 20}}}}}}}));
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->session.tracer.rlimits.size(), 1u);
  EXPECT_EQ(b->session.tracer.rlimits[0].first, RLIMIT_NOFILE);
  EXPECT_EQ(b->session.tracer.rlimits[0].second.rlim_cur, 10u);
  EXPECT_EQ(b->session.tracer.rlimits[0].second.rlim_max, 20u);
  auto bad = map(config({{"process", {{"rlimits", {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}}}}}}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, kFailed);
}

TEST_F(BundleTest, Refusals) {
  struct Case {
    json extra;
    int status;
    const char* says;
  };
  const Case cases[] = {
      {{{"hooks", {{"createRuntime", {{{"path", "/bin/true"}}}}}}}, kUnsupported, "hooks.createRuntime"},
      {{{"mounts", {{{"destination", "/x"}, {"type", "nfs"}, {"source", "a:/b"}}}}}, kUnsupported, "type nfs at /x"},
      {{{"linux", {{"namespaces", {{{"type", "time"}}}}}}}, kUnsupported, "linux.namespaces time"},
      {{{"linux", {{"sysctl", {{"net.ipv4.ip_forward", "1"}}}}}}, kUnsupported, "linux.sysctl"},
      {{{"process", {{"apparmorProfile", "p"}}}}, kUnsupported, "process.apparmorProfile"},
      {{{"hostname", "box"}}, kFailed, "needs a uts namespace"},
      {{{"ociVersion", "0.9"}}, kFailed, "ociVersion"},
      {{{"process", {{"cwd", "tmp"}}}}, kFailed, "process.cwd"},
      {{{"root", {{"path", "missing"}}}}, kFailed, "root.path"},
  };
  for (const Case& c : cases) {
    auto b = map(config(c.extra));
    ASSERT_FALSE(b) << c.extra.dump();
    EXPECT_EQ(b.error().status, c.status) << b.error().message;
    EXPECT_NE(b.error().message.find(c.says), std::string::npos) << b.error().message;
  }
  // Empty hook lists ask for nothing.
  EXPECT_TRUE(map(config({{"hooks", {{"prestart", json::array()}}}})));
}

}  // namespace
}  // namespace cocoon::oci
