// Which /proc entries are magic links. The kernel follows them with
// nd_jump_link() (fs/namei.c): no path is read, the walk jumps to the object,
// which is why openat2(2) can refuse them (RESOLVE_NO_MAGICLINKS) and why the
// resolver cannot follow their readlink text like a symlink's.
#include <cctype>
#include <vector>

#include "cocoon/vfs/resolver.h"

namespace cocoon::vfs {
namespace {

bool is_number(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view p) {
  std::vector<std::string_view> out;
  while (!p.empty()) {
    const auto slash = p.find('/');
    if (slash != 0) out.push_back(p.substr(0, slash));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::optional<GuestPath> proc_link_in_guest(const MountTable& table, std::string_view link,
                                            std::string_view body) {
  if (link.ends_with("/root") && body == "/") return GuestPath("/");
  return table.to_guest(body);
}

bool is_proc_magic_link(std::string_view rel) {
  std::vector<std::string_view> c = split(rel);
  std::size_t i = 0;
  // PID, or "self"/"thread-self" (plain symlinks to PID and PID/task/TID).
  if (c.size() < 2 || !(is_number(c[0]) || c[0] == "self" || c[0] == "thread-self")) return false;
  i = 1;
  if (c.size() >= 4 && c[1] == "task" && is_number(c[2])) i = 3;
  const std::size_t left = c.size() - i;
  if (left == 1) return c[i] == "cwd" || c[i] == "root" || c[i] == "exe";
  if (left == 2) {
    if (c[i] == "fd") return is_number(c[i + 1]);
    return c[i] == "map_files" || c[i] == "ns";
  }
  return false;
}

}  // namespace cocoon::vfs
