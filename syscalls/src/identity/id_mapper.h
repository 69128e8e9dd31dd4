// Ids through the caller's user namespace, as the kernel takes them in and
// gives them out (user_namespaces(7), "Mapping of user and group IDs"):
// credentials and file owners are kept as the first user namespace numbers
// them (cocoon's initial one: the ids the command starts with, and those
// the OwnershipDb records), as the kernel keeps kuids. An id a call passes
// goes in through the caller's maps (make_kuid(): an id its namespace does
// not map is invalid, and setuid(2), chown(2), setgroups(2) fail with
// EINVAL); an id a call returns comes out through them (from_kuid_munged():
// one the namespace does not map reads as the overflow id,
// /proc/sys/kernel/overflowuid).
//
// identity/ owns this interface; namespaces/ implements it for its
// emulated user namespaces (UserNsIds, namespaces.h). Without them every
// process is in the first namespace: FirstNsIds.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace cocoon::syscalls {

enum class IdKind : std::uint8_t { kUid, kGid };

// The overflow uid and gid (/proc/sys/kernel/overflowuid, overflowgid).
inline constexpr std::uint32_t kOverflowId = 65534;
// (uid_t)-1: no id in any namespace (INVALID_UID), and "unchanged" to the
// calls that take one.
inline constexpr std::uint32_t kNoId = 0xffffffffu;

class IdMapper {
 public:
  virtual ~IdMapper() = default;
  // `id` as process `tgid` names it, as the first namespace numbers it;
  // nullopt when tgid's user namespace maps nothing to it, and for kNoId.
  virtual std::optional<std::uint32_t> map_in(pid_t tgid, IdKind kind, std::uint32_t id) = 0;
  // The first namespace's `id` as process `tgid` sees it: kOverflowId
  // when tgid's user namespace maps nothing to it.
  virtual std::uint32_t map_out(pid_t tgid, IdKind kind, std::uint32_t id) = 0;
  // Whether tgid's user namespace lets setgroups(2) run at all: once its
  // gid_map is written, and unless it or an ancestor was set to "deny"
  // (userns_may_setgroups(), kernel/user_namespace.c).
  virtual bool may_setgroups(pid_t tgid) = 0;
  // Whether tgid's user namespace maps the first namespace's `id` (an id
  // that reads as the overflow id because it is one, mapped, does).
  bool maps(pid_t tgid, IdKind kind, std::uint32_t id) {
    return map_in(tgid, kind, map_out(tgid, kind, id)) == id;
  }
};

// Every process in the first user namespace: each id is itself.
class FirstNsIds final : public IdMapper {
 public:
  std::optional<std::uint32_t> map_in(pid_t, IdKind, std::uint32_t id) override {
    if (id == kNoId) return std::nullopt;
    return id;
  }
  std::uint32_t map_out(pid_t, IdKind, std::uint32_t id) override { return id; }
  bool may_setgroups(pid_t) override { return true; }
};

// The user namespace an unprivileged user makes for itself, as bwrap's
// --unshare-user (and `unshare -U`): one uid and one gid mapped, the
// namespace's `inside` to the first namespace's `outside` (uid_map "INSIDE
// OUTSIDE 1"); every other id reads as the overflow id and cannot be
// named; setgroups(2) is denied (an unprivileged writer of gid_map must
// write "deny" to /proc/PID/setgroups first, user_namespaces(7)).
class OneIdMap final : public IdMapper {
 public:
  OneIdMap(std::uint32_t inside_uid, std::uint32_t outside_uid, std::uint32_t inside_gid,
           std::uint32_t outside_gid)
      : in_{inside_uid, inside_gid}, out_{outside_uid, outside_gid} {}
  std::optional<std::uint32_t> map_in(pid_t, IdKind kind, std::uint32_t id) override {
    const auto k = static_cast<std::size_t>(kind);
    if (id == kNoId || id != in_[k]) return std::nullopt;
    return out_[k];
  }
  std::uint32_t map_out(pid_t, IdKind kind, std::uint32_t id) override {
    const auto k = static_cast<std::size_t>(kind);
    return id == out_[k] ? in_[k] : kOverflowId;
  }
  bool may_setgroups(pid_t) override { return false; }

 private:
  std::uint32_t in_[2], out_[2];
};

}  // namespace cocoon::syscalls
