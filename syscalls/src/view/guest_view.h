// The guest's filesystem view for the path handlers: the mount table, the
// resolver over the real host filesystem, and where a tracee's cwd and
// dirfds are in guest terms.
//
// cwd and dirfds are read back from the kernel (/proc/TID/cwd,
// /proc/TID/fd/N: one readlink each) and mapped host -> guest, instead of
// being tracked: tracking needs the result of every open, chdir and close,
// an exit stop each, and a readlink is ~1 µs against ~20 µs per stop.
#pragma once

#include <sys/types.h>

#include <expected>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "cocoon/vfs/filesystem.h"
#include "cocoon/vfs/mount_table.h"
#include "cocoon/vfs/resolver.h"
#include "proc_overlay.h"

namespace cocoon::syscalls {

class NamespaceState;
class LoaderCmdlines;
class Emulators;
class ProcStatusFiles;
class PidNamespace;

// What the emulated namespaces change in a process's view (--namespaces,
// --unshare-pid): implemented by namespaces/ (NamespaceState), which makes
// them; the view only asks.
class ViewNamespaces {
 public:
  virtual ~ViewNamespaces() = default;
  // The table of `tgid`'s mount namespace once a mount changed it; null:
  // the view's own.
  virtual std::shared_ptr<const vfs::MountTable> mount_table(pid_t tgid) const = 0;
  // The PID namespace whose numbers `tgid`'s /proc shows; null: the host's.
  virtual std::shared_ptr<PidNamespace> proc_pid_ns(pid_t tgid) const = 0;
};

// Who may look past the real user's own modes (the emulated root's
// CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): implemented by identity/
// (dac_override.h), which knows the credentials; the view only asks,
// when a lookup of its own meets EACCES.
class LookupOverride {
 public:
  virtual ~LookupOverride() = default;
  // For `tgid`: the real user's own directories on the way to `host`
  // opened for search, given back when the handle goes; null when `tgid`
  // may not, or nothing was opened.
  virtual std::shared_ptr<void> open_way(pid_t tgid, const std::string& host) const = 0;
};

class GuestView {
 public:
  explicit GuestView(vfs::MountTable table) : table_(std::move(table)) {}

  const vfs::MountTable& table() const { return table_; }
  // The table process `tgid` sees: its emulated mount namespace's when a
  // mount changed it (--namespaces), else the view's.
  const vfs::MountTable& table(pid_t tgid) const;
  const vfs::Filesystem& fs() const { return fs_; }

  // Whether the view is the host's own: root "/" and no mounts. Then no path
  // needs translating and nothing is traced for paths.
  bool is_identity() const;

  // The guest path of a tracee's cwd, or of its directory fd `fd` (AT_FDCWD
  // for the cwd). ENOTDIR when fd is not a directory (asked of the kernel
  // only with `check_dir`: one stat), EBADF when not open, ENOENT when the
  // directory is outside the guest's view.
  std::expected<vfs::GuestPath, int> base_dir(pid_t tid, int fd, bool check_dir = true,
                                              pid_t tgid = 0) const;

  // Resolves `path` for tracee `tid` (pid `tgid`), relative to `base`.
  // /proc/self and /proc/thread-self name the tracee, not cocoon.
  std::expected<vfs::Resolved, int> resolve(pid_t tid, pid_t tgid, const std::string& path,
                                            const vfs::GuestPath& base,
                                            vfs::ResolveFlags flags) const;

  // resolve() from where the kernel would start: "/" for an absolute path,
  // else (and for RESOLVE_BENEATH / RESOLVE_IN_ROOT, which scope to it)
  // `dirfd`'s directory, AT_FDCWD meaning the cwd.
  std::expected<vfs::Resolved, int> resolve_at(pid_t tid, pid_t tgid, int dirfd,
                                               const std::string& path,
                                               vfs::ResolveFlags flags) const;

  // Whether the host kernel, handed the guest's own `path` (and dirfd),
  // reaches the entry `r` names: a plain walk (vfs::Resolved::plain) that
  // starts where the kernel starts, i.e. relative, or absolute with the
  // host's "/" as the guest's root. Then the call needs no rewriting.
  bool kernel_walks_alike(const std::string& path, const vfs::Resolved& r, pid_t tgid = 0) const;

  // A host path the kernel produced (a link body in /proc) in guest terms;
  // paths outside the view keep the kernel's "(unreachable)" convention.
  std::string to_guest(const std::string& host, pid_t tgid = 0) const;

  // The sources of substitute files (proc_overlay.h), asked in the order
  // they were added; the first that knows `host` answers.
  void add_overlay(std::shared_ptr<const ProcOverlay> overlay) {
    overlays_.push_back(std::move(overlay));
  }
  std::optional<Substitute> overlay(const std::string& host, pid_t tgid, Reach reach) const;
  // Every overlay's files, for Landlock.
  std::vector<std::string> overlay_files() const;
  // The fixed files (/proc/sys/kernel/hostname...): one overlay, the first.
  FixedFiles& fixed_files() { return *fixed_; }
  const FixedFiles& fixed_files() const { return *fixed_; }

  // The emulated namespaces (--unshare-pid, --namespaces), null without:
  // /proc paths then name processes by their numbers in the reader's
  // /proc's PID namespace. `state` is handed on to the handlers that
  // emulate them (namespaces()); the view itself only asks `seen` (the same
  // object) which table and which /proc each process sees.
  void set_namespaces(std::shared_ptr<NamespaceState> state,
                      std::shared_ptr<const ViewNamespaces> seen) {
    state_ = std::move(state);
    ns_ = std::move(seen);
  }
  const std::shared_ptr<NamespaceState>& namespaces() const { return state_; }
  // The emulated root's lookups (LookupOverride); null: the real user's.
  void set_lookup_override(std::shared_ptr<const LookupOverride> o) { override_ = std::move(o); }
  // readlink(2) of /proc/self or /proc/thread-self (after normalising the
  // guest's path): what the guest's own /proc would answer, else nullopt.
  std::optional<std::string> proc_self_link(pid_t tid, pid_t tgid, const std::string& path,
                                            const vfs::GuestPath& base) const;

  // Where Sockets may make the short symlinks that let a socket path
  // longer than sun_path be bound and reached (a directory in the scratch
  // directory, made on first need); empty: nowhere.
  void set_socket_link_dir(std::string dir) { socket_link_dir_ = std::move(dir); }
  // The prefix of the directories where an exec through the guest's ld.so
  // gets a symlink named after the program (exec_script.cc, named_after:
  // the process's name); empty: the exec names ld.so.
  void set_exec_name_prefix(std::string prefix) { exec_name_prefix_ = std::move(prefix); }
  const std::string& exec_name_prefix() const { return exec_name_prefix_; }
  // The qemu-users that programs of another machine run through (-q,
  // exec_foreign.h); null: none, the kernel refuses them (ENOEXEC).
  void set_emulators(std::shared_ptr<const Emulators> emulators) { emulators_ = std::move(emulators); }
  const Emulators* emulators() const { return emulators_.get(); }
  // /proc/PID/cmdline of the programs started so (exec/loader_cmdline.h):
  // one of the overlays, told by Paths how each exec starts its program;
  // null without a scratch directory.
  void set_loader_cmdlines(std::shared_ptr<LoaderCmdlines> cmdlines);
  LoaderCmdlines* loader_cmdlines() const { return loader_cmdlines_.get(); }
  // /proc/PID/status, with the lines the emulations change
  // (view/proc_status.h): one of the overlays, which each such emulation
  // gives an editor before the run; null without a scratch directory.
  void set_status_files(std::shared_ptr<ProcStatusFiles> files);
  ProcStatusFiles* status_files() const { return status_files_.get(); }
  // Where mounts made at run time (an emulated mount namespace's tmpfs) get
  // their directories, and placeholders (empty: none can be made).
  void set_runtime_dir(std::string dir) { runtime_dir_ = std::move(dir); }
  const std::string& runtime_dir() const { return runtime_dir_; }
  const std::string& socket_link_dir() const { return socket_link_dir_; }

 private:
  // Whether `tgid`'s table has a union mount (vfs/union.h).
  bool has_unions(pid_t tgid) const;
  // resolve() over `fs`.
  std::expected<vfs::Resolved, int> resolve_in(const vfs::Filesystem& fs, pid_t tid, pid_t tgid,
                                               const std::string& path, const vfs::GuestPath& base,
                                               vfs::ResolveFlags flags) const;
  // 0 when `fd` of `tid` is an open directory, else ENOTDIR or EBADF.
  int dir_fd_error(pid_t tid, int fd) const;

  vfs::MountTable table_;
  vfs::HostFilesystem fs_;
  std::shared_ptr<FixedFiles> fixed_ = std::make_shared<FixedFiles>();
  std::vector<std::shared_ptr<const ProcOverlay>> overlays_{fixed_};
  std::shared_ptr<NamespaceState> state_;
  std::shared_ptr<const ViewNamespaces> ns_;
  std::shared_ptr<const LookupOverride> override_;
  std::string socket_link_dir_;
  std::string runtime_dir_;
  std::string exec_name_prefix_;
  std::shared_ptr<const Emulators> emulators_;
  std::shared_ptr<LoaderCmdlines> loader_cmdlines_;
  std::shared_ptr<ProcStatusFiles> status_files_;
};

}  // namespace cocoon::syscalls
