#include "cocoon/vfs/mount_table.h"

#include <algorithm>

namespace cocoon::vfs {
namespace {

std::string_view parent_of(std::string_view p) {
  const auto slash = p.rfind('/');
  return slash == 0 ? std::string_view("/") : p.substr(0, slash);
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string padded(std::string_view s, std::size_t width) {
  std::string out(s);
  out.resize(std::max(width, s.size() + 1), ' ');
  return out;
}

std::string join(std::string_view dir, std::string_view rest) {
  std::string out(dir);
  if (rest.empty()) return out;
  if (out.back() != '/' && rest.front() != '/') out += '/';
  if (out.back() == '/' && rest.front() == '/') rest.remove_prefix(1);
  out += rest;
  return out;
}

}  // namespace

std::string_view to_string(MountKind kind) {
  switch (kind) {
    case MountKind::kRoot: return "root";
    case MountKind::kBind: return "bind";
    case MountKind::kTmpfs: return "tmpfs";
    case MountKind::kProc: return "proc";
    case MountKind::kDev: return "dev";
    case MountKind::kDir: return "dir";
    case MountKind::kSymlink: return "symlink";
    case MountKind::kOverlay: return "overlay";
    case MountKind::kSynthetic: return "synthetic";
  }
  return "?";
}

std::optional<std::string> link_in_guest_terms(const Mount& m, std::string_view body) {
  if (!m.links_in_guest_terms || !is_within(body, m.source.str())) return std::nullopt;
  const std::string_view rest = m.source.str() == "/" ? body : body.substr(m.source.str().size());
  std::string out = join(m.target.str(), rest);
  if (out == body) return std::nullopt;
  return out;
}

// PRoot's detranslate_path(): a link in the guest rootfs (a host path
// under the root's source) has the rootfs prefix taken off its body; a link
// in a binding outside it, when its body lies in the same binding, has the
// binding's host path replaced by its guest one. So with the host's "/" as
// the root, no bind's links change.
void MountTable::set_links_in_guest_terms() {
  const std::string root = mounts_.front().source.str();
  for (Mount& m : mounts_) {
    const bool bind_outside_root = m.kind == MountKind::kBind && !is_within(m.source.str(), root);
    if (m.kind == MountKind::kRoot || bind_outside_root) m.links_in_guest_terms = true;
  }
}

MountTable::MountTable(HostPath root, bool read_only) {
  mounts_.push_back(Mount{GuestPath("/"), std::move(root), MountKind::kRoot, read_only});
  by_target_.emplace("/", &mounts_.front());
  synthetic_ = Mount{GuestPath("/"), HostPath(), MountKind::kSynthetic, true};
}

std::expected<void, std::string> MountTable::add(Mount m) {
  const std::string raw = m.target.str();
  if (!m.target.is_absolute()) {
    return std::unexpected("mount target " + quoted(raw) + " is not an absolute path");
  }
  const std::string target = normalize_lexically(raw);
  if (target == "/") {
    return std::unexpected("mount target " + quoted(raw) + " is the guest root: choose it with -r");
  }
  if (m.kind == MountKind::kRoot || m.kind == MountKind::kSynthetic) {
    return std::unexpected("mount " + quoted(target) + ": kind " + std::string(to_string(m.kind)) + " cannot be added");
  }
  if (m.kind == MountKind::kSymlink) {
    if (m.symlink_target.empty()) {
      return std::unexpected("symlink " + quoted(target) + " has an empty target");
    }
    m.directory = false;
  } else if (m.source.str().empty() || m.source.str().front() != '/') {
    return std::unexpected("source " + quoted(m.source.str()) + " of mount " + quoted(target) +
                           " is not an absolute path");
  }
  // A non-directory cannot contain anything: mount(2) would say ENOTDIR.
  // Only what stays visible counts: the new mount hides what lies at or
  // under its target.
  for (const auto& [other_target, other] : by_target_) {
    if (!other->directory && other_target != target && is_within(target, other_target)) {
      return std::unexpected("mount target " + quoted(target) + " lies under " +
                             quoted(other_target) + ", which is not a directory");
    }
  }
  m.target = GuestPath(target);
  mounts_.push_back(std::move(m));
  std::erase_if(by_target_, [&](const auto& entry) { return is_within(entry.first, target); });
  by_target_.emplace(target, &mounts_.back());
  ancestors_.clear();
  for (const auto& [visible, mount] : by_target_) {
    if (visible == "/") continue;
    for (std::string_view p = parent_of(visible); p != "/"; p = parent_of(p)) ancestors_.emplace(p);
    ancestors_.emplace("/");
  }
  return {};
}

bool MountTable::is_visible(const Mount& m) const {
  const Mount* top = find(m.target.str());
  return top == &m;
}

std::vector<Mount> MountTable::without(std::string_view guest) const {
  const Mount* top = find(guest);
  if (top == nullptr || guest == "/") return {};
  std::vector<Mount> out;
  bool above = false;  // from `top` on: mounted on it, or after it
  for (const Mount& m : mounts_) {
    if (&m == top) above = true;
    if (above && is_within(m.target.str(), guest)) continue;
    out.push_back(m);
  }
  return out;
}

bool MountTable::make_read_only(std::string_view guest) {
  for (auto m = mounts_.rbegin(); m != mounts_.rend(); ++m) {
    if (m->target.str() != guest || !is_visible(*m)) continue;
    if (m->kind == MountKind::kSymlink) return false;
    m->read_only = true;
    return true;
  }
  return false;
}

const Mount* MountTable::find(std::string_view guest) const {
  auto it = by_target_.find(guest);
  return it == by_target_.end() ? nullptr : it->second;
}

const Mount& MountTable::covering(std::string_view guest) const {
  // Walk up the parents: a table has few mounts but a path has few levels too,
  // and the map makes each level one lookup.
  for (std::string_view p = guest;; p = parent_of(p)) {
    if (const Mount* m = find(p)) return *m;
    if (p == "/" || p.empty()) return root();
  }
}

bool MountTable::is_mount_ancestor(std::string_view guest) const {
  return ancestors_.contains(guest);
}

std::vector<std::string> MountTable::mount_children(std::string_view guest_dir) const {
  std::set<std::string> names;
  for (const auto& [target, mount] : by_target_) {
    if (target == "/" || !is_within(target, guest_dir) || target == guest_dir) continue;
    // The first component of `target` below guest_dir.
    std::string_view rest = std::string_view(target).substr(guest_dir == "/" ? 1 : guest_dir.size() + 1);
    names.emplace(rest.substr(0, rest.find('/')));
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> MountTable::synthetic_children(std::string_view guest_dir,
                                                        const Filesystem& fs) const {
  const Mount& under = covering(guest_dir);
  const std::string_view rel = std::string_view(guest_dir).substr(under.target.str().size());
  const HostPath host(join(under.source.str(), rel));
  std::vector<std::string> out;
  for (std::string& name : mount_children(guest_dir)) {
    auto k = fs.kind(host_child(host, name));
    if (!k || *k == EntryKind::kMissing) out.push_back(std::move(name));
  }
  return out;
}

std::optional<GuestPath> MountTable::to_guest(std::string_view host) const {
  // A synthetic directory: the placeholder tree mirrors guest paths.
  const std::string& placeholder = synthetic_.source.str();
  if (!placeholder.empty() && is_within(host, placeholder)) {
    const std::string guest(host.size() == placeholder.size() ? "/" : host.substr(placeholder.size()));
    if (guest == "/" || ancestors_.contains(guest)) return GuestPath(guest);
    return std::nullopt;
  }
  // A union's layers stand for its target too: the kernel's paths (a cwd,
  // an fd) under a union name the layer that held the entry.
  struct Candidate {
    const std::string* source;
    const Mount* mount;
  };
  std::vector<Candidate> candidates;
  for (const Mount& m : mounts_) {
    if (m.kind == MountKind::kSymlink) continue;
    if (is_within(host, m.source.str())) candidates.push_back({&m.source.str(), &m});
    for (const HostPath& layer : m.layers) {
      if (is_within(host, layer.str())) candidates.push_back({&layer.str(), &m});
    }
  }
  std::ranges::sort(candidates, [](const Candidate& a, const Candidate& b) {
    const auto& as = *a.source;
    const auto& bs = *b.source;
    if (as.size() != bs.size()) return as.size() > bs.size();
    const auto& at = a.mount->target.str();
    const auto& bt = b.mount->target.str();
    return at.size() != bt.size() ? at.size() < bt.size() : at < bt;
  });
  for (const auto& [source, m] : candidates) {
    const std::string_view rest = host.substr(*source == "/" ? 0 : source->size());
    std::string guest = normalize_lexically(join(m->target.str(), rest));
    if (&covering(guest) == m) return GuestPath(std::move(guest));
  }
  return std::nullopt;
}

std::string MountTable::describe() const {
  std::string out = padded("GUEST", 24) + padded("KIND", 10) + padded("MODE", 5) + "SOURCE\n";
  for (const auto& [target, m] : by_target_) {
    const std::string source =
        m->kind == MountKind::kSymlink ? "-> " + m->symlink_target : m->source.str();
    out += padded(target, 24) + padded(to_string(m->kind), 10) +
           padded(m->read_only ? "ro" : "rw", 5) + source + "\n";
  }
  return out;
}

}  // namespace cocoon::vfs
