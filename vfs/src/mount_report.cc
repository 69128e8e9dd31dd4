#include "cocoon/vfs/mount_report.h"

#include <algorithm>
#include <map>
#include <vector>

namespace cocoon::vfs {
namespace {

struct Row {
  const Mount* mount;
  std::string device, type;
};

// Mount points with spaces and the like are escaped as octal, as the kernel
// does (mangle() in fs/proc_namespace.c: space, tab, newline, backslash).
std::string escaped(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      static const char* const digits = "01234567";
      out += '\\';
      out += digits[(c >> 6) & 7];
      out += digits[(c >> 3) & 7];
      out += digits[c & 7];
    } else {
      out += c;
    }
  }
  return out;
}

// Root first, then by depth and name: a parent before its children.
std::vector<Row> rows(const MountTable& table) {
  std::vector<Row> out;
  for (const Mount& m : table.mounts()) {
    if (m.kind == MountKind::kSymlink) continue;  // not a mount
    switch (m.kind) {
      case MountKind::kTmpfs: out.push_back({&m, "tmpfs", "tmpfs"}); break;
      case MountKind::kProc: out.push_back({&m, "proc", "proc"}); break;
      case MountKind::kDev: out.push_back({&m, "devtmpfs", "devtmpfs"}); break;
      case MountKind::kRoot: out.push_back({&m, "cocoon-root", "cocoon"}); break;
      case MountKind::kOverlay: out.push_back({&m, "overlay", "overlay"}); break;
      default: out.push_back({&m, "cocoon-bind", "cocoon"}); break;
    }
  }
  std::stable_sort(out.begin() + 1, out.end(), [](const Row& a, const Row& b) {
    const auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
    const auto& pa = a.mount->target.str();
    const auto& pb = b.mount->target.str();
    return depth(pa) != depth(pb) ? depth(pa) < depth(pb) : pa < pb;
  });
  return out;
}

std::string options(const Mount& m) { return m.read_only ? "ro" : "rw"; }

std::string parent_dir(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

}  // namespace

std::string format_mounts(const MountTable& table) {
  std::string out;
  for (const Row& r : rows(table)) {
    out += r.device + " " + escaped(r.mount->target.str()) + " " + r.type + " " +
           options(*r.mount) + " 0 0\n";
  }
  return out;
}

std::string format_mountinfo(const MountTable& table) {
  std::string out;
  std::map<const Mount*, int> ids;
  int next = 1;
  for (const Row& r : rows(table)) {
    const int id = next++;
    ids[r.mount] = id;
    int parent = 0;
    if (r.mount->kind != MountKind::kRoot) {
      const Mount& up = table.covering(parent_dir(r.mount->target.str()));
      parent = ids.count(&up) ? ids[&up] : ids[&table.root()];
    }
    out += std::to_string(id) + " " + std::to_string(parent) + " 0:" + std::to_string(id) +
           " / " + escaped(r.mount->target.str()) + " " + options(*r.mount) + " - " + r.type +
           " " + r.device + " " + options(*r.mount) + "\n";
  }
  return out;
}

}  // namespace cocoon::vfs
