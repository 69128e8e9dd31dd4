// Identities (issue 5): fake root and arbitrary uid/gid. Two handlers share
// one IdentityState:
//  - CredentialCalls answers the get*id/set*id family, getgroups/setgroups
//    and capget/capset from each process's emulated Credentials (inherited
//    on fork, kept across exec as execve(2) keeps them: Credentials::exec);
//  - FileOwners records chown, chmod, mknod of devices and the
//    security.capability xattr in the OwnershipDb instead of refusing them,
//    and answers the stat family and the xattr family (get, list, remove:
//    every row of arch/syscalls.tbl with an xattr or xattrlist role) with
//    what was recorded, and gives a new file its creator's owner
//    (file_creation.h).
// Everything is emulated at the entry stop: the tracer does the real work
// (a stat, a chmod, a regular file standing for a device) itself, writes
// the answer and skips the call, so no call here costs an exit stop except
// the removal of a recorded file (unlink, rmdir, rename over it), whose
// record goes when the kernel says the file went, a removal or rename by
// the emulated root through the real user's closed directories (opened
// for it until the exit), and a creation seen at a ptrace stop that has
// something to record (every bind of a unix socket's is).
//
// Ids are kept as the first user namespace numbers them and go in and out
// through the caller's user namespace (IdentityState::ids, id_mapper.h).
#pragma once

#include <sys/types.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "paths/guest_fds.h"
#include "pids/pid_namespace.h"
#include "credentials.h"
#include "dac_override.h"
#include "file_creation.h"
#include "id_mapper.h"
#include "stand_ins.h"
#include "ownership_db.h"

namespace cocoon::syscalls {

struct IdentityConfig {
  std::uint32_t uid = 0, gid = 0;
  // The supplementary groups; nullopt: the gid alone.
  std::optional<std::vector<std::uint32_t>> groups;
  // Files the database does not know: false, owned by the emulated user
  // (fakeroot's default); true, their real owner (fakeroot -u).
  bool unknown_is_real = false;
  // IdentityOptions::capabilities.
  std::optional<std::uint64_t> capabilities;
  // The emulated root's DAC override also covers the opens that make
  // nothing, chdir and the access family (dac_override.h): on when the
  // run may have CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH and the front
  // end did not turn it off (IdentityOptions::dac_opens).
  bool dac_opens = false;
  // In a user namespace of the command's own (IdentityOptions::user_ns),
  // `uid` and `gid` are only the command's first ids: a file the guest
  // makes needs a record unless its creator's ids are the real ones, which
  // the kernel gives it and unknown_is_real shows.
  bool real_creations = false;
};

struct IdentityState {
  explicit IdentityState(tracer::ProcessRegistry& registry)
      : creds(registry, tracer::OnClone::kCopy, tracer::OnExec::kKeep) {}

  IdentityConfig config;
  OwnershipDb db;
  // Per process: "A child process created by fork(2) inherits copies of
  // its parent's user and groups IDs. During an execve(2), a process's real
  // user and group ID and supplementary group IDs are preserved"; and
  // POSIX has every thread of a process share them, which NPTL carries
  // out over the kernel's per-thread credentials (credentials(7)). What
  // execve changes (the capabilities) CredentialCalls::on_exec does.
  tracer::ProcessSlot<Credentials> creds;
  // Each process's user namespace's id maps (--namespaces: namespaces/
  // sets its own); without them, every process is in the first one.
  std::shared_ptr<IdMapper> ids = std::make_shared<FirstNsIds>();
  // Which emulated PID namespace each process is in, for the pids the
  // socket credentials show (scm_credentials.h); null: none is emulated.
  std::shared_ptr<const PidNamespaces> pids;
  // Files standing for emulated namespaces, dressed as nsfs inodes in
  // what the stat family answers; null: none.
  std::shared_ptr<const StandInFiles> stand_ins;

  // The process's credentials: its own (the configured ones until it
  // changes them), their root_uid its user namespace's now. For a process
  // the registry does not follow (a task cloned with CLONE_UNTRACED, which
  // the filter still sends here), its parent's or the configured ones, and
  // a change is not kept.
  Credentials& of(pid_t tgid);
  // A process of the run that ended keeps its credentials here, the last
  // kDeparted of them, for what a receiver is shown of a message it sent
  // before it went (the kernel's message keeps its sender's credentials;
  // scm_credentials.h). Null: none known.
  void departed(pid_t tgid);
  const Credentials* departed_of(pid_t tgid) const;

 private:
  static constexpr std::size_t kDeparted = 128;
  Credentials stray_;
  std::deque<std::pair<pid_t, Credentials>> departed_;
};

class CredentialCalls final : public tracer::SyscallHandler {
 public:
  explicit CredentialCalls(std::shared_ptr<IdentityState> s) : s_(std::move(s)) {}
  std::string_view name() const override { return "credentials"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exec(tracer::Tracee& tracee, const tracer::GuestMemory& memory) override;
  // A process's end: its credentials are kept a while (IdentityState::departed).
  void on_death(const tracer::Tracee& tracee) override;

 private:
  std::shared_ptr<IdentityState> s_;
};

class FileOwners final : public tracer::SyscallHandler {
 public:
  FileOwners(std::shared_ptr<IdentityState> s, tracer::ProcessRegistry& registry)
      : s_(std::move(s)),
        removing_(registry),
        passing_(registry),
        creations_(*s_, fds_, registry),
        dac_(*s_, fds_, registry) {}
  std::string_view name() const override { return "file-owners"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;
  // A dead task's pidfd goes (GuestFds).
  void on_death(const tracer::Tracee& tracee) override;

 private:
  // `v`, or for a plain resume of an xattr read, DacOverride::read_xattr.
  tracer::Verdict or_passed(tracer::Verdict v, tracer::SyscallStop& stop);
  // For the emulated root: the directories of `targets` opened for it.
  OpenedDirs passing(tracer::SyscallStop& stop,
                     std::initializer_list<const std::expected<Target, int>*> targets);

  std::shared_ptr<IdentityState> s_;
  // unlink/rmdir/rename over a recorded file: its key until the exit says
  // whether the kernel removed it.
  tracer::CallSlot<FileKey> removing_;
  // The real user's directories the emulated root's unlink, rmdir or
  // rename passes (OpenedDirs), until its exit.
  tracer::CallSlot<std::shared_ptr<OpenedDirs>> passing_;
  // The guest's dirfds and fds, for the tracer's own statx (guest_fds.h).
  GuestFds fds_;
  FileCreations creations_;
  DacOverride dac_;
};

// The identity handlers, in their phases: IdArguments decodes the uid and
// gid arguments (id_arguments.h), CredentialCalls and FileOwners emulate,
// PeerCredentials fixes SO_PEERCRED's answer up (peer_credentials.h).
void add_identity_handlers(tracer::HandlerList& list, const std::shared_ptr<IdentityState>& s,
                           tracer::ProcessRegistry& registry);

}  // namespace cocoon::syscalls
