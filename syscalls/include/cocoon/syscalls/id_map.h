// A user namespace's uid_map or gid_map (user_namespaces(7), "Defining
// user and group ID mappings"): what a guest writes to /proc/PID/uid_map
// of an emulated user namespace, and what an OCI bundle's
// linux.uidMappings and gidMappings say. One set of rules for both.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace cocoon::syscalls {

// A line of the map: `count` ids from `inside` are `outside` in the
// parent namespace.
struct IdMapRange {
  std::uint32_t inside = 0, outside = 0, count = 0;
};
using IdMap = std::vector<IdMapRange>;

// Why the kernel's write(2) of `map` would fail with EINVAL (map_write(),
// kernel/user_namespace.c), or null when it would not: no line, more than
// 340 (UID_GID_MAP_MAX_EXTENTS), a line of no ids, a range reaching
// 4294967295 ((uid_t)-1 is no id: the kernel refuses a range that wraps
// or starts there), ranges that overlap on either side.
const char* id_map_problem(const IdMap& map);

// `outside` through `map`: its number inside, nullopt when unmapped.
std::optional<std::uint32_t> map_inside(const IdMap& map, std::uint32_t outside);
// `inside` back through `map`: its number outside, nullopt when unmapped.
std::optional<std::uint32_t> map_outside(const IdMap& map, std::uint32_t inside);

// The maps of a user namespace the command starts in (IdentityOptions::
// user_ns).
struct UserNsMaps {
  IdMap uid_map, gid_map;
  // What an unprivileged writer must say before its gid_map (and what
  // runc writes for a rootless container's one-id map): setgroups(2) is
  // refused in the namespace. Any other map is a privileged writer's
  // (newuidmap's), which leaves it allowed.
  bool setgroups_denied = false;
};

}  // namespace cocoon::syscalls
