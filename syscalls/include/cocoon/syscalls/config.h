// What the user asked the guest to see. Front ends fill it; make_handlers()
// turns it into the handlers that produce that view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/syscalls/id_map.h"
#include "cocoon/vfs/mount_setup.h"

namespace cocoon::syscalls {

// Identity emulation (issue 5): -0, --uid/--gid, fakeroot.
struct IdentityOptions {
  std::uint32_t uid = 0, gid = 0;
  // The supplementary groups; nullopt: the gid alone.
  std::optional<std::vector<std::uint32_t>> groups;
  // Files the database does not know show their real owner (fakeroot -u);
  // otherwise the emulated user's.
  bool unknown_is_real = false;
  // The command starts in a user namespace of its own that maps these ids
  // to `uid` and `gid` (bwrap's --unshare-user, with --uid/--gid): every
  // other id reads as the overflow id (identity/id_mapper.h, OneIdMap).
  // Not with --namespaces.
  std::optional<std::pair<std::uint32_t, std::uint32_t>> own_user_ns;
  // The command starts in an emulated user namespace of its own, a child
  // of the first, whose maps are these (an OCI bundle's linux.uidMappings
  // and gidMappings): `uid`, `gid` and `groups` are numbers of the first
  // namespace, which the maps show the guest as the namespace's; an id
  // outside the caller's own is an emulated one, as --uid's. Not with
  // own_user_ns.
  std::optional<UserNsMaps> user_ns;
  // The command's capabilities, the same in all five sets (the bounding set
  // too) whatever its uid: bwrap's sandbox has none but those --cap-add
  // names. nullopt: an exec's as `uid` (root's all, anyone else's none).
  std::optional<std::uint64_t> capabilities;
  // The emulated root passes the real user's own modes when it reads,
  // writes, lists or enters (an open without O_CREAT, chdir, access), as
  // root does; it costs every open a notification. Debian's fakeroot has
  // no such override, and `cocoon fakeroot` turns it off: its packaging
  // runs keep fakeroot's answers and speed. (Creations, removals and
  // renames have it always: their calls stop anyway.)
  bool dac_opens = true;
  std::string db;               // --db FILE: the ownership database; empty: this run only
  std::string import_fakeroot;  // fakeroot -i FILE
  std::string export_fakeroot;  // fakeroot -s FILE, written when the run ends
};

// The calling process's supplementary groups (getgroups(2)): what a user
// namespace entered from here still holds, shown mapped.
std::vector<std::uint32_t> caller_groups();

struct RunConfig {
  // UTS namespace emulation: uname()'s nodename, domainname and release
  // (--hostname, --domainname, --kernel-release), also what
  // /proc/sys/kernel/{hostname,domainname,osrelease} read.
  std::optional<std::string> hostname, domainname, kernel_release;
  bool uts() const { return hostname || domainname || kernel_release; }
  // The guest's root directory (-r); empty: the host's /.
  std::string rootfs;
  bool rootfs_read_only = false;
  // The root is nodev (vfs::Mount::no_devices): bwrap's, but for
  // `--dev-bind / /`.
  bool rootfs_no_devices = false;
  // bwrap's start: the guest's root is an empty private directory that
  // mounts fill (rootfs then unused).
  bool empty_root = false;
  // Mounts in command-line order (-b, --ro-bind, --tmpfs, ...); a kTmpfs or
  // kDir spec's source is filled in by the session (a scratch directory).
  std::vector<vfs::MountSpec> mounts;
  // bwrap's --chmod: modes set on guest paths once the view is built.
  std::vector<std::pair<std::string, unsigned>> chmods;
  // The guest's working directory (-w); unset: cocoon's own when the guest
  // can see it, else "/".
  std::optional<std::string> cwd;
  // PRoot's rules for it (initialize_cwd(), PRoot's cli.c): a directory the
  // guest cannot enter is a warning and the command starts in "/"; and PWD
  // in the command's environment names the canonical guest directory (so a
  // shell does not keep a PWD that names the same host directory by its
  // host path).
  bool cwd_falls_back = false;
  bool export_pwd = false;
  // Guest paths cocoon holds a read lock on (fcntl F_SETLK, F_RDLCK) while
  // the run lasts: bwrap's --lock-file, whose init takes them.
  std::vector<std::string> lock_files;
  // PRoot's rule for absolute symlinks in the root and the binds: a body
  // naming a path under the same mount's source is shown and followed in
  // guest terms (vfs::Mount::links_in_guest_terms).
  bool links_in_guest_terms = false;
  // Confine the guest with Landlock to the root's and the mounts' host trees
  // when there is a view to confine it to (--no-landlock turns it off).
  bool landlock = true;
  // --strict: refuse to start where a wall the threat model claims for
  // this run would rest on path or name translation alone (no Landlock for
  // a view; no abstract-socket scope for --unshare-net), instead of
  // warning and running.
  bool strict = false;
  // --allow-races: run --unshare-net where the kernel cannot back its
  // names (no abstract-socket scope before Linux 6.12, no pidfd_getfd
  // before 5.6) on translation alone, which a guest's thread can race;
  // without it such a run is refused. --no-landlock accepts the abstract
  // names' race by itself (the user turned the wall off).
  bool allow_races = false;
  // cocoon puts itself and a serial guest on one CPU (the tracer's
  // placement); sched_getaffinity then needs answering.
  bool cpu_placement = true;
  // --agent (experimental, x86-64): the stat family answered inside the
  // guest by an agent cocoon places in each process (docs/agent.md), in an
  // identity-only run (no view, no namespaces: nothing to contain), which
  // `agent_table` (set by run_session(): a file in the run's directory)
  // shares the ownership records with. Ignored, with a warning, elsewhere.
  bool agent = false;
  bool agent_quiet = false;  // asked by COCOON_AGENT=1: ignored without a warning
  std::string agent_table;
  // -q: the qemu-user that runs programs of another machine, with its own
  // options ("qemu-aarch64-static -cpu max"; a path or a name in PATH);
  // "auto": the qemu-ARCH-static in PATH for each machine; "none": the
  // kernel refuses them (ENOEXEC); empty: "auto" in a run whose root is
  // not the host's /, else "none" (syscalls/src/exec/exec_foreign.h). The
  // PRoot and bwrap front ends give "none" unless -q is given, as the
  // tools they follow.
  std::string emulator;
  // -q QEMU or -q auto given (the implicit "auto" of a root of its own
  // comes with that root's scratch directory anyway).
  bool emulator_named() const { return !emulator.empty() && emulator != "none"; }
  // Unset: the real credentials, files as they are.
  std::optional<IdentityOptions> identity;
  // PID namespace emulation (--unshare-pid): the command is PID
  // `first_pid` (1; bwrap without --as-pid-1 keeps 1 for its own init, so
  // 2) of a namespace whose members see only each other.
  bool unshare_pid = false;
  int first_pid = 1;
  // Namespaces the guest creates itself (unshare, clone CLONE_NEW*, setns)
  // are emulated (--namespaces); implies identity emulation with the real
  // ids when none was asked for.
  bool namespaces = false;
  // No user namespace may be made inside (bwrap's --disable-userns):
  // unshare and clone with CLONE_NEWUSER get ENOSPC. Not with `namespaces`.
  bool disable_userns = false;
  // The command starts in an emulated network namespace: a loopback and
  // abstract socket names of its own, nothing else reachable
  // (--unshare-net; namespaces/net_isolation.h).
  bool unshare_net = false;
  // The command starts in an emulated IPC namespace (bwrap --unshare-ipc).
  bool unshare_ipc = false;
  // ... cgroup namespace (bwrap --unshare-cgroup): /proc/PID/cgroup shows
  // paths from the command's cgroup as "/".
  bool unshare_cgroup = false;
  // ... UTS namespace (--hostname, --domainname, bwrap --unshare-uts): the
  // names are the options' either way; this makes /proc/PID/ns/uts show
  // a namespace of the guest's own rather than the host's.
  bool unshare_uts = false;
  // (Each kind's option is wired in syscalls/src/emulated_kinds.cc.)

  // Whether any option makes the guest see something other than the host
  // (a root, a mount, ids, a namespace, a name): without one, cocoon only
  // guards the run, and `cocoon trace` would have almost nothing to show.
  bool changes_view() const {
    return uts() || (!rootfs.empty() && rootfs != "/") || empty_root || !mounts.empty() ||
           !chmods.empty() || identity || unshare_pid || namespaces || unshare_net ||
           unshare_ipc || unshare_cgroup || unshare_uts || emulator_named();
  }
};

}  // namespace cocoon::syscalls
