#include "ns_state.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <sstream>

#include "proc_fields.h"

namespace cocoon::syscalls {

namespace {

constexpr const char* kNames[kNsKinds] = {"uts", "pid", "mnt", "user", "ipc", "cgroup", "net", "time"};
// CLONE_NEWTIME is 0x80 (Linux 5.6); older headers lack it.
constexpr std::uint64_t kFlags[kNsKinds] = {CLONE_NEWUTS, CLONE_NEWPID,    CLONE_NEWNS,  CLONE_NEWUSER,
                                            CLONE_NEWIPC, CLONE_NEWCGROUP, CLONE_NEWNET, 0x80};

std::size_t idx(NsKind k) { return static_cast<std::size_t>(k); }


}  // namespace

std::uint64_t clone_flag(NsKind k) { return kFlags[idx(k)]; }
const char* ns_name(NsKind k) { return kNames[idx(k)]; }
std::optional<NsKind> ns_kind_of(std::string_view name) {
  for (std::size_t i = 0; i < kNsKinds; ++i) {
    if (name == kNames[i]) return static_cast<NsKind>(i);
  }
  return std::nullopt;
}

std::optional<std::vector<IdMapRange>> parse_id_map(std::string_view text) {
  std::vector<IdMapRange> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::uint32_t v[3];
    for (auto& x : v) {
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), x);
      if (ec != std::errc{}) return std::nullopt;
      line.remove_prefix(static_cast<std::size_t>(end - line.data()));
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty() || v[2] == 0) return std::nullopt;
    out.push_back({v[0], v[1], v[2]});
  }
  if (id_map_problem(out) != nullptr) return std::nullopt;
  return out;
}

const char* id_map_problem(const IdMap& map) {
  if (map.empty()) return "no mapping";
  if (map.size() > 340) return "more than 340 mappings (the kernel's limit)";
  for (const auto& r : map) {
    if (r.count == 0) return "a mapping of size 0";
    // (u32)(first + count) <= first: a wrap, or 4294967295 inside.
    if (std::uint64_t{r.inside} + r.count > kNoId || std::uint64_t{r.outside} + r.count > kNoId) {
      return "a mapping reaches 4294967295, which is no id";
    }
  }
  const auto overlap = [](std::uint64_t a, std::uint64_t b, std::uint64_t n, std::uint64_t m) {
    return a < b + m && b < a + n;
  };
  for (std::size_t i = 0; i < map.size(); ++i) {
    for (std::size_t j = i + 1; j < map.size(); ++j) {
      if (overlap(map[i].inside, map[j].inside, map[i].count, map[j].count)) {
        return "two mappings overlap inside (containerID)";
      }
      if (overlap(map[i].outside, map[j].outside, map[i].count, map[j].count)) {
        return "two mappings overlap outside (hostID)";
      }
    }
  }
  return nullptr;
}

std::optional<std::uint32_t> map_inside(const IdMap& map, std::uint32_t outside) {
  for (const auto& r : map) {
    if (outside >= r.outside && outside - r.outside < r.count) return r.inside + (outside - r.outside);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> map_outside(const IdMap& map, std::uint32_t inside) {
  for (const auto& r : map) {
    if (inside >= r.inside && inside - r.inside < r.count) return r.outside + (inside - r.inside);
  }
  return std::nullopt;
}

namespace {

std::vector<std::string_view> components(std::string_view p) {
  std::vector<std::string_view> out;
  while (!p.empty()) {
    const auto slash = p.find('/');
    auto c = p.substr(0, slash);
    if (!c.empty()) out.push_back(c);
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> cgroup_roots_of(const std::string& text) {
  std::map<std::string, std::string> roots;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto last = line.rfind(':');
    if (last != std::string::npos) roots[line.substr(0, last)] = line.substr(last + 1);
  }
  return roots;
}

std::string cgroup_view(const std::string& text, const std::map<std::string, std::string>& roots) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto last = line.rfind(':');
    auto root = last == std::string::npos ? roots.end() : roots.find(line.substr(0, last));
    if (root == roots.end()) {
      out += line + "\n";
      continue;
    }
    const std::string path = line.substr(last + 1);  // `to` views into it
    const auto from = components(root->second), to = components(path);
    std::size_t common = 0;
    while (common < from.size() && common < to.size() && from[common] == to[common]) ++common;
    std::string rel;
    for (std::size_t i = common; i < from.size(); ++i) rel += "/..";
    for (std::size_t i = common; i < to.size(); ++i) rel += "/" + std::string(to[i]);
    out += line.substr(0, last + 1) + (rel.empty() ? "/" : rel) + "\n";
  }
  return out;
}

int id_map_error(const UserNs& ns, bool uid, const std::vector<IdMapRange>& map) {
  if (ns.owner_privileged) return 0;
  if (map.size() != 1 || map.front().count != 1) return EPERM;
  if (map.front().outside != (uid ? ns.owner_euid : ns.owner_egid)) return EPERM;
  if (!uid && !ns.setgroups_denied) return EPERM;
  return 0;
}

NamespaceState::NamespaceState(std::shared_ptr<PidNamespace> root_pid,
                               tracer::ProcessRegistry& registry)
    : by_process_(registry, tracer::OnClone::kCopy, tracer::OnExec::kKeep),
      pid_children_(registry, tracer::OnClone::kFresh, tracer::OnExec::kKeep),
      root_pid_(std::move(root_pid)) {
  pids_[0] = root_pid_;
}

const NamespaceState::Ids& NamespaceState::of(pid_t tgid) const {
  const Ids* ids = by_process_.find(tgid);
  return ids != nullptr ? *ids : initial_;
}

NamespaceState::Ids* NamespaceState::own(pid_t tgid) {
  if (Ids* ids = by_process_.find(tgid)) return ids;
  return by_process_.set(tgid, initial_);
}

void NamespaceState::start_in_new(NsKind k) {
  const std::uint32_t id = next_id_++;
  if (k == NsKind::kPid) pids_[id] = root_pid_;  // (pids_[0] stays it too: /proc's default)
  // The command starts in cocoon's cgroup: that is its namespace's root.
  if (k == NsKind::kCgroup) cgroup_roots[id] = cgroup_roots_of(read_file("/proc/self/cgroup"));
  kinds_[id] = k;
  owners_[id] = k == NsKind::kUser ? 0 : initial_[idx(NsKind::kUser)];
  initial_[idx(k)] = id;
}

void NamespaceState::start_in_user_ns(const UserNsMaps& maps, std::uint32_t euid,
                                      std::uint32_t egid) {
  start_in_new(NsKind::kUser);
  // Privileged: any map but the one an unprivileged owner may write
  // itself (id_map_error()), which comes with setgroups denied.
  users_[initial_[idx(NsKind::kUser)]] =
      UserNs{0, euid, egid, maps.uid_map, maps.gid_map, maps.setgroups_denied, !maps.setgroups_denied};
}

std::uint32_t NamespaceState::make(NsKind k, pid_t tgid) {
  const std::uint32_t id = next_id_++;
  kinds_[id] = k;
  // A new namespace is owned by the caller's user namespace (for a new
  // user namespace: by its parent), user_namespaces(7).
  owners_[id] = id_of(tgid, NsKind::kUser);
  if (k == NsKind::kPid) {
    pids_[id] = std::make_shared<PidNamespace>(1, pid_ns(tgid));
  }
  if (k == NsKind::kMnt) {
    const std::uint32_t from = id_of(tgid, NsKind::kMnt);
    proc_of_mnt_[id] = proc_of_mnt_[from];
    if (auto it = tables_.find(from); it != tables_.end()) tables_[id] = it->second;  // shared until changed
  }
  if (k == NsKind::kCgroup) cgroup_roots[id] = cgroup_roots_of(read_file("/proc/" + std::to_string(tgid) + "/cgroup"));
  if (k == NsKind::kUts) {
    if (auto it = uts_.find(id_of(tgid, NsKind::kUts)); it != uts_.end()) uts_[id] = it->second;
  }
  return id;
}

void NamespaceState::clone(pid_t parent, pid_t child, std::uint64_t flags, std::uint32_t euid,
                           std::uint32_t egid) {
  if (const std::uint32_t* pid_ns = pid_children_.find(parent)) {
    if (Ids* ids = own(child)) (*ids)[idx(NsKind::kPid)] = *pid_ns;
  }
  enter_new(child, flags, euid, egid, /*pid_now=*/true);
}

void NamespaceState::unshare(pid_t tgid, std::uint64_t flags, std::uint32_t euid,
                             std::uint32_t egid) {
  enter_new(tgid, flags, euid, egid, /*pid_now=*/false);
}

// CLONE_NEWUSER first: the other new namespaces belong to it. A new PID
// namespace is entered at once by a new process; unshare(2) leaves its
// caller where it is and puts its future children in it.
void NamespaceState::enter_new(pid_t tgid, std::uint64_t flags, std::uint32_t euid,
                               std::uint32_t egid, bool pid_now) {
  Ids* ids = own(tgid);
  if (ids == nullptr) return;
  if (flags & CLONE_NEWUSER) {
    const std::uint32_t parent = (*ids)[idx(NsKind::kUser)];
    const std::uint32_t u = make(NsKind::kUser, tgid);
    users_[u] = UserNs{parent, euid, egid, std::nullopt, std::nullopt, false};
    (*ids)[idx(NsKind::kUser)] = u;
  }
  // In the kernel's order (create_new_namespaces(), kernel/nsproxy.c), so
  // that the numbers, and lsns's rows sorted by them, come as its do.
  constexpr NsKind kOrder[] = {NsKind::kMnt, NsKind::kUts,    NsKind::kIpc, NsKind::kPid,
                               NsKind::kCgroup, NsKind::kNet, NsKind::kTime};
  for (const NsKind k : kOrder) {
    const std::size_t i = idx(k);
    if (!(flags & kFlags[i]) || kFlags[i] == 0) continue;
    const std::uint32_t id = make(k, tgid);
    if (k == NsKind::kPid && !pid_now) {
      pid_children_.set(tgid, id);
    } else {
      (*ids)[i] = id;
    }
  }
}

bool NamespaceState::exists(NsKind k, std::uint32_t id) const {
  if (id == 0) return true;
  auto it = kinds_.find(id);
  return it != kinds_.end() && it->second == k;
}

bool NamespaceState::join(pid_t tgid, NsKind k, std::uint32_t id) {
  if (!exists(k, id)) return false;
  if (k == NsKind::kPid) {
    pid_children_.set(tgid, id);
  } else if (Ids* ids = own(tgid)) {
    (*ids)[idx(k)] = id;
  }
  return true;
}

std::shared_ptr<PidNamespace> NamespaceState::pid_ns(pid_t tgid) const {
  auto it = pids_.find(id_of(tgid, NsKind::kPid));
  return it == pids_.end() ? nullptr : it->second;
}

std::shared_ptr<PidNamespace> NamespaceState::pid_ns_for_children(pid_t tgid) const {
  const std::uint32_t* c = pid_children_.find(tgid);
  if (c == nullptr) return pid_ns(tgid);
  auto it = pids_.find(*c);
  return it == pids_.end() ? nullptr : it->second;
}

std::shared_ptr<PidNamespace> NamespaceState::proc_pid_ns(pid_t tgid) const {
  auto m = proc_of_mnt_.find(id_of(tgid, NsKind::kMnt));
  const std::uint32_t pid_id = m == proc_of_mnt_.end() ? 0 : m->second;
  auto it = pids_.find(pid_id);
  return it == pids_.end() ? nullptr : it->second;
}

void NamespaceState::mount_proc(pid_t tgid) {
  proc_of_mnt_[id_of(tgid, NsKind::kMnt)] = id_of(tgid, NsKind::kPid);
}

std::shared_ptr<const vfs::MountTable> NamespaceState::mount_table(pid_t tgid) const {
  auto it = tables_.find(id_of(tgid, NsKind::kMnt));
  return it == tables_.end() ? nullptr : it->second;
}

void NamespaceState::set_mount_table(pid_t tgid, std::shared_ptr<const vfs::MountTable> t) {
  tables_[id_of(tgid, NsKind::kMnt)] = std::move(t);
}

UserNs* NamespaceState::user_ns(std::uint32_t id) {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

namespace {

const std::optional<std::vector<IdMapRange>>& map_of(const UserNs& u, IdKind kind) {
  return kind == IdKind::kUid ? u.uid_map : u.gid_map;
}

}  // namespace

std::optional<std::uint32_t> NamespaceState::id_to_first(std::uint32_t user_ns, IdKind kind,
                                                         std::uint32_t id) const {
  for (std::uint32_t u = user_ns; u != 0;) {
    auto it = users_.find(u);
    if (it == users_.end() || !map_of(it->second, kind)) return std::nullopt;
    auto outside = map_outside(*map_of(it->second, kind), id);
    if (!outside) return std::nullopt;
    id = *outside;
    u = it->second.parent;
  }
  if (id == kNoId) return std::nullopt;
  return id;
}

std::optional<std::uint32_t> NamespaceState::id_from_first(std::uint32_t user_ns, IdKind kind,
                                                           std::uint32_t id) const {
  if (id == kNoId) return std::nullopt;
  std::vector<const UserNs*> chain;  // user_ns first, the first one's child last
  for (std::uint32_t u = user_ns; u != 0;) {
    auto it = users_.find(u);
    if (it == users_.end()) return std::nullopt;
    chain.push_back(&it->second);
    u = it->second.parent;
  }
  for (auto n = chain.rbegin(); n != chain.rend(); ++n) {
    const auto& map = map_of(**n, kind);
    if (!map) return std::nullopt;
    auto inside = map_inside(*map, id);
    if (!inside) return std::nullopt;
    id = *inside;
  }
  return id;
}

bool NamespaceState::user_ns_covers(std::uint32_t holder, std::uint32_t target) const {
  for (std::uint32_t u = target;;) {
    if (u == holder) return true;
    if (u == 0) return false;
    auto it = users_.find(u);
    if (it == users_.end()) return false;
    u = it->second.parent;
  }
}

std::uint32_t NamespaceState::owner_of(NsKind k, std::uint32_t id) const {
  if (id == 0) return 0;
  if (k == NsKind::kUser) {
    auto it = users_.find(id);
    return it == users_.end() ? 0 : it->second.parent;
  }
  auto it = owners_.find(id);
  return it == owners_.end() ? 0 : it->second;
}

std::optional<std::uint32_t> NamespaceState::pid_parent(std::uint32_t id) const {
  auto it = pids_.find(id);
  if (id == 0 || it == pids_.end() || !it->second) return std::nullopt;
  const auto& parent = it->second->parent();
  if (!parent) return 0;
  for (const auto& [pid_id, p] : pids_) {
    if (pid_id != 0 && p == parent) return pid_id;
  }
  return 0;
}

bool NamespaceState::pid_ns_below(pid_t tgid, std::uint32_t id) const {
  const auto active = pid_ns(tgid);
  if (!active) return true;  // the host's is above every one
  auto it = pids_.find(id);
  for (auto p = it == pids_.end() ? nullptr : it->second; p; p = p->parent()) {
    if (p == active) return true;
  }
  return false;
}

std::string NamespaceState::stand_in(NsKind k, std::uint32_t id) {
  const std::string file = stand_in_dir_ + "/" + ns_name(k) + "-" + std::to_string(id);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0) stand_ins_[{st.st_dev, st.st_ino}] = Named{k, id};
  if (fd >= 0) ::close(fd);
  return file;
}

std::optional<NamespaceState::Named> NamespaceState::stand_in_of(const std::string& path) const {
  if (stand_in_dir_.empty() || !path.starts_with(stand_in_dir_ + "/")) return std::nullopt;
  const std::string name = path.substr(stand_in_dir_.size() + 1);
  const auto dash = name.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  const auto kind = ns_kind_of(name.substr(0, dash));
  std::uint32_t id = 0;
  const char* digits = name.data() + dash + 1;
  auto [end, ec] = std::from_chars(digits, name.data() + name.size(), id);
  if (!kind || ec != std::errc{} || end != name.data() + name.size() || !exists(*kind, id)) {
    return std::nullopt;
  }
  return Named{*kind, id};
}

std::optional<NamespaceState::Named> NamespaceState::stand_in_of(dev_t dev, ino_t ino) const {
  auto it = stand_ins_.find({dev, ino});
  if (it == stand_ins_.end()) return std::nullopt;
  return it->second;
}

UtsNames& NamespaceState::uts(std::uint32_t id, const UtsNames& initial) {
  return uts_.try_emplace(id, initial).first->second;
}

}  // namespace cocoon::syscalls
