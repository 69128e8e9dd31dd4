// The namespaces of every traced process, as cocoon emulates them (issue
// 6): which UTS, PID, mount, user, IPC, cgroup, network and time namespace
// each process is in, created by unshare(2), clone(2)'s CLONE_NEW* flags
// and --unshare-pid, joined with setns(2). The real kernel namespaces never
// change: the guest only sees these.
//
// A namespace is a number (its "inode", what readlink /proc/PID/ns/KIND
// shows); 0 is the one cocoon started in, which readlink shows as the
// kernel does. What a namespace holds lives here too: a UTS namespace's
// names, a user namespace's owner and id maps, a mount namespace's /proc
// (which PID namespace its proc instance shows), and PID namespaces as
// PidNamespace trees.
//
// Owned by the session; shared by the handlers that need it (Namespaces,
// Pids, Uts, the ipc and net ones), the user namespaces' id maps
// (UserNsIds) and the /proc view. Pure bookkeeping: which namespaces a
// process is in is kept in the process registry, the rest (the namespaces
// themselves) here.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cocoon/syscalls/id_map.h"
#include "view/guest_view.h"
#include "identity/id_mapper.h"
#include "pids/pid_namespace.h"
#include "cocoon/tracer/registry.h"
#include "cocoon/vfs/mount_table.h"

namespace cocoon::syscalls {

enum class NsKind : std::uint8_t { kUts, kPid, kMnt, kUser, kIpc, kCgroup, kNet, kTime, kCount };
inline constexpr std::size_t kNsKinds = static_cast<std::size_t>(NsKind::kCount);

// The kind's CLONE_NEW* flag, its name in /proc/PID/ns.
std::uint64_t clone_flag(NsKind k);
const char* ns_name(NsKind k);
std::optional<NsKind> ns_kind_of(std::string_view name);

// Parses what a guest wrote to uid_map / gid_map (user_namespaces(7)): up
// to 340 lines of three numbers; nullopt when malformed or refused
// (id_map_problem(), cocoon/syscalls/id_map.h).
std::optional<std::vector<IdMapRange>> parse_id_map(std::string_view text);

struct UserNs {
  std::uint32_t parent = 0;
  // The creator's effective ids as the parent namespace numbers them, as
  // the maps' outside ids are (kernel: the owner's kuid and kgid).
  std::uint32_t owner_euid = 0, owner_egid = 0;
  std::optional<std::vector<IdMapRange>> uid_map, gid_map;
  bool setgroups_denied = false;
  // The creator held CAP_SETUID/CAP_SETGID where it made the namespace.
  bool owner_privileged = false;
};

// /proc/PID/cgroup's `text` (lines "ID:CONTROLLERS:PATH") as seen from a
// cgroup namespace whose roots are `roots`: each path relative to its
// hierarchy's root ("/" for the root itself, "/.." up from it), as
// cgroup_namespaces(7) shows. Pure.
std::string cgroup_view(const std::string& text, const std::map<std::string, std::string>& roots);
// The roots of a new cgroup namespace made by a process whose
// /proc/PID/cgroup reads `text`.
std::map<std::string, std::string> cgroup_roots_of(const std::string& text);

// Whether `map` may be written as the namespace's uid_map (`uid`) or
// gid_map (user_namespaces(7), "Defining user and group ID mappings"): any
// map for a privileged owner; otherwise one line mapping the owner's own
// effective id, and for gid_map only after setgroups was set to "deny".
// 0, or the errno the kernel's write(2) would fail with.
int id_map_error(const UserNs& ns, bool uid, const std::vector<IdMapRange>& map);

struct UtsNames {
  std::string hostname, domainname;
};

// The pid handlers and the view see it through interfaces of their own
// (PidNamespaces, ViewNamespaces), so that neither includes this header.
class NamespaceState final : public PidNamespaces, public ViewNamespaces {
 public:
  // `root_pid`: the PID namespace the command starts in (--unshare-pid),
  // or null for the host's (numbers as they are).
  NamespaceState(std::shared_ptr<PidNamespace> root_pid, tracer::ProcessRegistry& registry);
  // The command's own new namespace of kind `k` (--unshare-net): every
  // process starts in it. For kPid, the root PID namespace given at
  // construction (--unshare-pid) gets its number, so that readlink shows
  // the guest its own namespace rather than the host's.
  void start_in_new(NsKind k);
  // The command's own user namespace, a child of the first with `maps`
  // and owned by `euid`/`egid` (cocoon's own): every process starts in it,
  // and the namespaces start_in_new() makes after it belong to it, as
  // unshare(2) makes CLONE_NEWUSER's first (an OCI bundle's, runc's order).
  void start_in_user_ns(const UserNsMaps& maps, std::uint32_t euid, std::uint32_t egid);

  using Ids = std::array<std::uint32_t, kNsKinds>;
  // The namespaces of process `tgid` (a new process has its parent's:
  // the registry copies them at its birth).
  const Ids& of(pid_t tgid) const;
  std::uint32_t id_of(pid_t tgid, NsKind k) const { return of(tgid)[static_cast<std::size_t>(k)]; }

  // A new process, born with its parent's namespaces: the PID namespace
  // its parent makes children in, and new ones for the CLONE_NEW* bits of
  // `flags`.
  void clone(pid_t parent, pid_t child, std::uint64_t flags, std::uint32_t euid, std::uint32_t egid);
  // unshare(2) for the kinds in `flags`: new namespaces for the caller
  // (for PID, for its future children only). The new user namespace's
  // owner is the caller with `euid`/`egid` outside.
  void unshare(pid_t tgid, std::uint64_t flags, std::uint32_t euid, std::uint32_t egid);
  // setns(2): `tgid` joins namespace `id` of kind `k` (for PID, its
  // future children do).
  bool join(pid_t tgid, NsKind k, std::uint32_t id);
  bool exists(NsKind k, std::uint32_t id) const;

  // PID namespaces: the one `tgid` is in (null: the host's), the one its
  // children will be in, and the one /proc shows to it (its mount
  // namespace's proc instance).
  std::shared_ptr<PidNamespace> pid_ns(pid_t tgid) const override;
  std::shared_ptr<PidNamespace> pid_ns_for_children(pid_t tgid) const;
  std::shared_ptr<PidNamespace> proc_pid_ns(pid_t tgid) const override;
  // The command's own (--unshare-pid), or null.
  const std::shared_ptr<PidNamespace>& root_pid_ns() const override { return root_pid_; }
  // mount -t proc by `tgid`: its mount namespace's /proc shows its PID
  // namespace from now on.
  void mount_proc(pid_t tgid);

  // Mount tables: an emulated mount namespace's own, once a mount changed
  // it (or copied from its creator's); null: the view's initial table.
  std::shared_ptr<const vfs::MountTable> mount_table(pid_t tgid) const override;
  void set_mount_table(pid_t tgid, std::shared_ptr<const vfs::MountTable> t);

  UserNs* user_ns(std::uint32_t id);
  // Id `id` of user namespace `user_ns` as the first one numbers it
  // (make_kuid()): through its map, then each ancestor's; nullopt where
  // one maps nothing to it or has no map yet, and for kNoId.
  std::optional<std::uint32_t> id_to_first(std::uint32_t user_ns, IdKind kind,
                                           std::uint32_t id) const;
  // The first namespace's `id` as user namespace `user_ns` numbers it
  // (from_kuid()), or nullopt.
  std::optional<std::uint32_t> id_from_first(std::uint32_t user_ns, IdKind kind,
                                             std::uint32_t id) const;
  // Whether user namespace `holder` is `target` or one of its ancestors:
  // a capability in `holder` reaches what `target` owns.
  bool user_ns_covers(std::uint32_t holder, std::uint32_t target) const;
  // The user namespace that owns namespace `id` of kind `k`.
  std::uint32_t owner_of(NsKind k, std::uint32_t id) const;

  // The PID namespace `id` was made in: its number (0: the host's), or
  // nullopt when `id` is no PID namespace of cocoon's.
  std::optional<std::uint32_t> pid_parent(std::uint32_t id) const;
  // Whether PID namespace `id` is `tgid`'s own or a descendant of it: one
  // it may name (pidns_get_parent(), kernel/pid_namespace.c).
  bool pid_ns_below(pid_t tgid, std::uint32_t id) const;

  // The files standing for emulated namespaces (/proc/PID/ns/KIND opened):
  // `dir`/KIND-ID, empty, made on demand; dress() shows them as the
  // kernel's nsfs inodes (identity/stand_ins.h).
  void set_stand_in_dir(std::string dir) { stand_in_dir_ = std::move(dir); }
  std::string stand_in(NsKind k, std::uint32_t id);
  struct Named {
    NsKind kind;
    std::uint32_t id;
  };
  // The namespace the host file `path` stands for, if it is a stand-in.
  std::optional<Named> stand_in_of(const std::string& path) const;
  std::optional<Named> stand_in_of(dev_t dev, ino_t ino) const;
  bool has_stand_ins() const { return !stand_ins_.empty(); }

  // UTS namespace `id`'s names, made from `initial` when first asked (a
  // new namespace starts with a copy of its creator's).
  UtsNames& uts(std::uint32_t id, const UtsNames& initial);

  // Files standing for /proc/PID/{uid_map,gid_map,setgroups} a guest opened
  // to write (the kernel's own would refuse it), read back before the next
  // id goes through a user namespace (UserNsIds): the user namespace they
  // are for, and which file.
  struct PendingMap {
    std::uint32_t user_ns = 0;
    std::string what;  // "uid_map", "gid_map", "setgroups"
    std::string file;
  };
  std::vector<PendingMap> pending_maps;
  // System V IPC objects the guest made, (kind << 32 | id) -> the IPC
  // namespace they belong to (ipc_isolation.h); others are the initial one's.
  std::unordered_map<std::uint64_t, std::uint32_t> ipc_objects;
  // The key the guest gave for an object of an emulated namespace (the
  // kernel holds ipc_key()'s): what IPC_STAT and /proc/sysvipc show it.
  std::unordered_map<std::uint64_t, std::int32_t> ipc_keys;

  // Network namespaces: the host loopback address L (127.R.S.T, host byte
  // order) each one has once its processes used a socket (net_isolation.h),
  // for what /proc/net shows it (net_proc.h).
  std::map<std::uint32_t, std::uint32_t> net_loopbacks;

  // Cgroup namespaces: the cgroup each hierarchy's root is in a namespace
  // ("4:memory" -> "/a/b", from /proc/PID/cgroup of its creator).
  std::map<std::uint32_t, std::map<std::string, std::string>> cgroup_roots;

 private:
  std::uint32_t make(NsKind k, pid_t tgid);
  void enter_new(pid_t tgid, std::uint64_t flags, std::uint32_t euid, std::uint32_t egid,
                 bool pid_now);
  // Process `tgid`'s own Ids to change (the initial ones until now); null
  // for a process the registry does not follow.
  Ids* own(pid_t tgid);

  // Above the kernel's numbers: its initial namespaces are 0xeffffff9 to
  // 0xefffffff, the others count up from 0xf0000000 (proc_alloc_inum(),
  // fs/proc/generic.c). So an emulated namespace sorts after the host's,
  // as a new one of the kernel's would (lsns lists by number).
  std::uint32_t next_id_ = 0xf8000001u;
  // Per process: "If CLONE_NEWxxx is not set, the child is created in the
  // same [...] namespace as the calling process" (clone(2), for each
  // kind); execve(2) changes no namespace; the threads of a process share
  // them here (cocoon's model: unshare(2) and setns(2) by one thread move
  // its whole group). None: the command's (`initial_`).
  tracer::ProcessSlot<Ids> by_process_;
  // Per process, the PID namespace its children go to when it is not its
  // own (unshare(CLONE_NEWPID), setns: pid_namespaces(7)). Fresh in a new
  // process: its own PID namespace is that one, so its children join it
  // anyway.
  tracer::ProcessSlot<std::uint32_t> pid_children_;
  Ids initial_{};  // a process not seen before: the command's
  std::map<std::uint32_t, NsKind> kinds_;
  std::map<std::uint32_t, std::uint32_t> owners_;  // namespace -> owning user namespace
  std::map<std::uint32_t, UserNs> users_;
  std::map<std::uint32_t, UtsNames> uts_;
  std::map<std::uint32_t, std::shared_ptr<PidNamespace>> pids_;  // PID namespace id -> numbers
  std::map<std::uint32_t, std::uint32_t> proc_of_mnt_;           // mount ns -> PID ns of its /proc
  std::map<std::uint32_t, std::shared_ptr<const vfs::MountTable>> tables_;  // mount ns -> table
  std::shared_ptr<PidNamespace> root_pid_;
  std::string stand_in_dir_;
  std::map<std::pair<dev_t, ino_t>, Named> stand_ins_;  // the host file's -> its namespace
};

}  // namespace cocoon::syscalls
