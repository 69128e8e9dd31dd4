// Namespaces a guest creates or joins itself (issue 6, --namespaces):
// unshare(2), clone(2)'s CLONE_NEW* flags and setns(2) change the process's
// emulated namespaces (NamespaceState) and never reach the kernel, which on
// the hosts cocoon is for refuses them. The kernel's permission rules are
// applied to the emulated credentials: a new user namespace gives its
// creator every capability in it; the other kinds need CAP_SYS_ADMIN over
// the caller's user namespace.
//
// In an emulated mount namespace, mount(2) changes that namespace's table
// (MountOps): binds (recursive), remounts read-only, tmpfs (a directory of
// cocoon's), proc (which then shows the caller's PID namespace), devpts
// (the host's /dev/pts); propagation changes succeed and change nothing
// (one namespace's mounts reach no other anyway); umount2 and pivot_root
// too. Other filesystem types are EPERM.
//
// uid_map / gid_map / setgroups written by the guest are read back before
// the next id goes through a user namespace (UserNsIds): the ids of
// credentials and files then read through the new maps, as the kernel's
// kuids do.
#pragma once

#include <memory>
#include <unordered_map>

#include "view/guest_view.h"
#include "identity/identity.h"
#include "mount_ops.h"
#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "ns_state.h"

namespace cocoon::syscalls {

class Namespaces final : public tracer::SyscallHandler {
 public:
  // `scope_netns`: a task entering a network namespace it makes gets
  // Landlock's abstract-socket scope (scope_abstract_sockets: Linux 6.12,
  // and Landlock not turned off).
  Namespaces(std::shared_ptr<NamespaceState> ns, std::shared_ptr<IdentityState> identity,
             std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry,
             bool scope_netns = false);
  std::string_view name() const override { return "namespaces"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) override;
  void on_start(tracer::StopControl& control) override { control_ = &control; }

 private:
  void scope_child(pid_t tid);
  tracer::Verdict unshare(tracer::SyscallStop& stop);
  tracer::Verdict clone(tracer::SyscallStop& stop);
  tracer::Verdict setns(tracer::SyscallStop& stop);
  tracer::Verdict mount(tracer::SyscallStop& stop);
  tracer::Verdict umount(tracer::SyscallStop& stop);
  tracer::Verdict pivot_root(tracer::SyscallStop& stop);
  tracer::Verdict chroot(tracer::SyscallStop& stop);
  // A path argument resolved in the caller's view: its guest path, host
  // path and whether it is a directory; the errno otherwise.
  struct Place {
    std::string guest;
    vfs::HostPath host;
    bool directory = true;
  };
  std::expected<Place, int> place(tracer::SyscallStop& stop, int arg, bool follow = true);
  tracer::Verdict replace_table(tracer::SyscallStop& stop, std::expected<TablePtr, int> t);
  bool stacked_root_is_cwd(const tracer::SyscallStop& stop) const;
  // CAP_SYS_ADMIN over the namespaces `tgid`'s user namespace owns.
  bool admin(pid_t tgid);
  bool mount_admin(pid_t tgid);
  // CAP_SYS_ADMIN over user namespace `target`: held in it or an ancestor
  // (and the caller is there), or the caller owns it from its parent
  // (user_namespaces(7), "Capabilities").
  bool admin_over(pid_t tgid, std::uint32_t target);
  // The effective ids of `tgid` (credentials `c`) as its user namespace
  // numbers them: the owner of a user namespace it makes, as that one's
  // parent sees it. nullopt when one is unmapped there (the kernel's
  // create_user_ns() refuses such an owner: EPERM).
  std::optional<std::pair<std::uint32_t, std::uint32_t>> owner_ids(pid_t tgid,
                                                                    const Credentials& c) const;

  std::shared_ptr<NamespaceState> ns_;
  std::shared_ptr<IdentityState> identity_;
  std::shared_ptr<const GuestView> view_;
  std::unique_ptr<MountOps> ops_;
  // A clone's CLONE_NEW* bits, from its entry to the child's birth
  // (on_clone), which may come after the parent's exit stop: not a call
  // slot. Per thread, fresh in a new task.
  tracer::ThreadSlot<std::uint64_t> clone_flags_;
  // Per mount namespace: the host directory of the old root that
  // pivot_root(".", ".") stacked on the new one (and MountOps dropped),
  // which the caller then fchdir()s to and unmounts.
  std::unordered_map<std::uint32_t, std::string> stacked_old_root_;
  bool scope_netns_ = false;
  tracer::StopControl* control_ = nullptr;
};

// Each process's ids through its emulated user namespace and its
// ancestors (identity/id_mapper.h). Reads the id map files the guest wrote
// since the last call first: a map is set once; a malformed or second one
// is ignored (the kernel says EINVAL or EPERM at the write, which cocoon
// does not see).
class UserNsIds final : public IdMapper {
 public:
  explicit UserNsIds(std::shared_ptr<NamespaceState> ns) : ns_(std::move(ns)) {}
  std::optional<std::uint32_t> map_in(pid_t tgid, IdKind kind, std::uint32_t id) override;
  std::uint32_t map_out(pid_t tgid, IdKind kind, std::uint32_t id) override;
  bool may_setgroups(pid_t tgid) override;

 private:
  std::shared_ptr<NamespaceState> ns_;
};

// The /proc files namespaces stand behind: for a host path
// /proc/REAL/ns/KIND of an emulated namespace an empty file named after
// it (what setns(2) is later given); for /proc/REAL/{uid_map,gid_map} of an
// emulated user namespace its map, for /proc/REAL/setgroups "allow" or
// "deny". Empty for anything else.
std::string namespace_file(NamespaceState& ns, const std::string& dir, const std::string& host);
// /proc/REAL/cgroup as reader `reader` sees it from its cgroup namespace
// (paths relative to the namespace's roots), or empty.
std::string namespace_cgroup_file(NamespaceState& ns, const std::string& dir,
                                  const std::string& host, pid_t reader);
// readlink(2) of /proc/REAL/ns/KIND for an emulated namespace: "KIND:[ID]".
std::optional<std::string> namespace_link(const NamespaceState& ns, const std::string& host);
// The file a write-open of /proc/REAL/{uid_map,gid_map,setgroups} gets
// instead (registered as pending), or empty.
std::string namespace_map_file(NamespaceState& ns, const std::string& dir, const std::string& host);

}  // namespace cocoon::syscalls
