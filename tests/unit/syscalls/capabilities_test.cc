// The capability sets of the emulated credentials, under the kernel's
// rules (capabilities(7); security/commoncap.c): across set*id calls with
// and without PR_SET_KEEPCAPS, across execve, and prctl's and capset's own.
#include <linux/prctl.h>
#include <linux/securebits.h>

#include <gtest/gtest.h>

#include <cerrno>

#include "cocoon/syscalls/capability_names.h"
#include "identity/credentials.h"

namespace cocoon::syscalls {
namespace {

constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }
constexpr std::uint32_t X = kUnchanged;

// What `setpriv --reuid=42 --regid=65534 --clear-groups -- id` does as
// root: keep the capabilities over the uid change, make them effective
// again, exec; the program then has none (not root, no ambient set).
TEST(Capabilities, KeepcapsKeepsPermittedAcrossSetuid) {
  Credentials c = Credentials::of(0, 0);
  EXPECT_EQ(c.prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
  ASSERT_EQ(c.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
  EXPECT_EQ(c.prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
  EXPECT_EQ(c.prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), SECBIT_KEEP_CAPS);
  ASSERT_EQ(c.setresgid(65534, 65534, 65534), 0);
  ASSERT_EQ(c.setgroups({}), 0);
  ASSERT_EQ(c.setresuid(42, 42, 42), 0);
  EXPECT_EQ(c.caps.permitted, kAllCaps);
  EXPECT_EQ(c.caps.effective, 0u);  // euid left root
  EXPECT_EQ(c.capset(kAllCaps, kAllCaps, 0), 0);  // "reactivate capabilities"
  EXPECT_TRUE(c.capable(CAP_SETUID));
  EXPECT_FALSE(c.exec(std::nullopt, std::nullopt));  // not a secure exec
  EXPECT_EQ(c.caps.permitted, 0u);
  EXPECT_EQ(c.caps.effective, 0u);
  EXPECT_EQ(c.prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);  // cleared by execve
}

TEST(Capabilities, LeavingRootWithoutKeepcapsLosesThemAll) {
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.setresuid(42, 42, 42), 0);
  EXPECT_EQ(c.caps.permitted, 0u);
  EXPECT_EQ(c.capset(bit(CAP_SETUID), bit(CAP_SETUID), 0), EPERM);
  EXPECT_EQ(c.capset(0, 0, 0), 0);  // dropping nothing is allowed
}

// seteuid away from root empties the effective set only; back to root,
// the effective set is the permitted one again.
TEST(Capabilities, EffectiveFollowsEuid) {
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.setresuid(X, 1000, X), 0);
  EXPECT_EQ(c.caps.effective, 0u);
  EXPECT_EQ(c.caps.permitted, kAllCaps);
  EXPECT_EQ(c.setresuid(X, 0, X), 0);  // the saved id: no capability needed
  EXPECT_EQ(c.caps.effective, kAllCaps);
  // SECBIT_NO_SETUID_FIXUP: no juggling at all.
  ASSERT_EQ(c.prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0), 0);
  ASSERT_EQ(c.setresuid(5, 5, 5), 0);
  EXPECT_EQ(c.caps.effective, kAllCaps);
}

// `setpriv --inh-caps=+net_bind_service --ambient-caps=+net_bind_service`
// over a uid change: the ambient capability survives the exec of an
// ordinary program, as permitted and effective.
TEST(Capabilities, AmbientSurvivesExecOfANonRoot) {
  const std::uint64_t nbs = bit(CAP_NET_BIND_SERVICE);
  Credentials c = Credentials::of(0, 0);
  EXPECT_EQ(c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0), -EPERM);
  ASSERT_EQ(c.capset(kAllCaps, kAllCaps, nbs), 0);
  ASSERT_EQ(c.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
  ASSERT_EQ(c.setresuid(1000, 1000, 1000), 0);
  ASSERT_EQ(c.capset(nbs, c.caps.permitted, nbs), 0);
  EXPECT_EQ(c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0), 0);
  EXPECT_EQ(c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0), 1);
  EXPECT_EQ(c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_LAST_CAP + 1, 0, 0), -EINVAL);
  EXPECT_EQ(c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), -EINVAL);
  EXPECT_FALSE(c.exec(std::nullopt, std::nullopt));  // permitted no more than ambient
  EXPECT_EQ(c.caps.permitted, nbs);
  EXPECT_EQ(c.caps.effective, nbs);
  EXPECT_EQ(c.caps.ambient, nbs);
  // A set-id exec clears the ambient set.
  c.exec(std::nullopt, 5);
  EXPECT_EQ(c.caps.ambient, 0u);
  EXPECT_EQ(c.caps.permitted, 0u);
}

// Lowering the permitted or inheritable set takes the capability out of
// the ambient set (cap_capset()).
TEST(Capabilities, CapsetRules) {
  const std::uint64_t nbs = bit(CAP_NET_BIND_SERVICE);
  Credentials c = Credentials::of(0, 0);
  ASSERT_EQ(c.capset(kAllCaps, kAllCaps, nbs), 0);
  ASSERT_EQ(c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0), 0);
  ASSERT_EQ(c.capset(kAllCaps, kAllCaps, 0), 0);
  EXPECT_EQ(c.caps.ambient, 0u);
  EXPECT_EQ(c.capset(kAllCaps, kAllCaps & ~nbs, 0), EPERM);  // effective beyond permitted
  ASSERT_EQ(c.capset(0, kAllCaps & ~bit(CAP_SETPCAP), 0), 0);
  EXPECT_EQ(c.capset(0, kAllCaps, 0), EPERM);  // permitted cannot grow
  // Without CAP_SETPCAP the inheritable set stays within the permitted one.
  EXPECT_EQ(c.capset(0, kAllCaps & ~bit(CAP_SETPCAP), bit(CAP_SETPCAP)), EPERM);
  EXPECT_EQ(c.capset(0, 0, 0), 0);
}

TEST(Capabilities, BoundingSet) {
  Credentials u = Credentials::of(1000, 1000);
  EXPECT_EQ(u.prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0), 1);
  EXPECT_EQ(u.prctl(PR_CAPBSET_READ, CAP_LAST_CAP + 1, 0, 0, 0), -EINVAL);
  EXPECT_EQ(u.prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0), -EPERM);
  Credentials r = Credentials::of(0, 0);
  EXPECT_EQ(r.prctl(PR_CAPBSET_DROP, CAP_LAST_CAP + 1, 0, 0, 0), -EINVAL);
  ASSERT_EQ(r.prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0), 0);
  EXPECT_EQ(r.prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0), 0);
  EXPECT_TRUE(r.capable(CAP_NET_RAW));  // still permitted until the exec
  r.exec(std::nullopt, std::nullopt);
  EXPECT_FALSE(r.capable(CAP_NET_RAW));
  EXPECT_EQ(r.caps.permitted, kAllCaps & ~bit(CAP_NET_RAW));
  // A bounding set the command started with (cocoon's own): root's sets.
  const Credentials b = Credentials::of(0, 0, kAllCaps & ~bit(CAP_SYS_RESOURCE));
  EXPECT_FALSE(b.capable(CAP_SYS_RESOURCE));
  EXPECT_EQ(b.caps.permitted, b.caps.bounding);
}

// PR_SET_SECUREBITS: CAP_SETPCAP, no unknown bits, a locked bit stays.
TEST(Capabilities, Securebits) {
  Credentials u = Credentials::of(1000, 1000);
  EXPECT_EQ(u.prctl(PR_SET_SECUREBITS, 0, 0, 0, 0), -EPERM);
  EXPECT_EQ(u.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);  // needs no capability
  EXPECT_EQ(u.prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), -EINVAL);
  Credentials r = Credentials::of(0, 0);
  EXPECT_EQ(r.prctl(PR_SET_SECUREBITS, 1u << 12, 0, 0, 0), -EPERM);
  ASSERT_EQ(r.prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), 0);
  EXPECT_EQ(r.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), -EPERM);
  EXPECT_EQ(r.prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), -EPERM);  // unlock
  EXPECT_EQ(r.prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), -EPERM);  // locked bit
  r.exec(std::nullopt, std::nullopt);
  EXPECT_EQ(r.prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), SECBIT_KEEP_CAPS_LOCKED);
  // SECBIT_NOROOT: root's exec gives nothing.
  Credentials n = Credentials::of(0, 0);
  ASSERT_EQ(n.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT, 0, 0, 0), 0);
  n.exec(std::nullopt, std::nullopt);
  EXPECT_EQ(n.caps.permitted, 0u);
}

// AT_SECURE: a set-id exec is one; root's own is not.
TEST(Capabilities, SecureExec) {
  Credentials r = Credentials::of(0, 0);
  EXPECT_FALSE(r.exec(std::nullopt, std::nullopt));
  Credentials u = Credentials::of(1000, 1000);
  EXPECT_FALSE(u.exec(std::nullopt, std::nullopt));
  EXPECT_TRUE(u.exec(0, std::nullopt));
  EXPECT_EQ(u.caps.effective, kAllCaps);
}

// bwrap's --cap-add names, as libcap's cap_from_name() reads them: the
// CAP_ prefix in any case, or the number; anything else is refused.
TEST(CapabilityNames, NamesAndNumbersAsCapFromName) {
  EXPECT_EQ(capability_from_name("CAP_CHOWN"), 0);
  EXPECT_EQ(capability_from_name("cap_net_admin"), CAP_NET_ADMIN);
  EXPECT_EQ(capability_from_name("Cap_Sys_Admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("CAP_CHECKPOINT_RESTORE"), CAP_LAST_CAP);
  EXPECT_EQ(capability_from_name("12"), 12);
  EXPECT_EQ(capability_from_name("41"), 41);  // beyond the last: the kernel ignores it
  EXPECT_EQ(capability_from_name("64"), std::nullopt);
  EXPECT_EQ(capability_from_name("NET_ADMIN"), std::nullopt);
  EXPECT_EQ(capability_from_name("CAP_"), std::nullopt);
  EXPECT_EQ(capability_from_name(""), std::nullopt);
  EXPECT_EQ(capability_from_name("-1"), std::nullopt);
}

}  // namespace
}  // namespace cocoon::syscalls
