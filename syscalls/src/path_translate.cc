// Paths::translate: the entry-stop work for every syscall whose row has path
// specs (arch/syscalls.tbl: path[FOLLOW,EFFECT...]).
#include <fcntl.h>
#include <linux/openat2.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/arch/regs_io.h"
#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/observer.h"
#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"
#include "exec_script.h"
#include "path_effects.h"
#include "proc_outsiders.h"
#include "symlink_entry.h"
#include "paths.h"

namespace cocoon::syscalls {

using arch::Sys;
using tracer::Verdict;

namespace {

// The flags that decide following and writing: openat2 keeps them in struct
// open_how (include/uapi/linux/openat2.h), which the tracer rewrites with
// resolve = 0, since it resolved in guest terms already.
struct CallFlags {
  std::uint64_t flags = 0;  // the flags argument (AT_*, open flags, inotify mask)
  std::optional<open_how> how;
  bool how_resolves = false;  // the guest's open_how.resolve was not 0
  vfs::ResolveFlags resolve;
};

// The row's flags argument: AT_* flags, open flags, an inotify mask, or
// openat2's struct open_how and its size (the argument after it).
std::expected<CallFlags, int> call_flags(const tracer::SyscallStop& stop) {
  CallFlags f;
  const int at = stop.desc.flags_arg;
  if (at < 0) return f;
  f.flags = stop.regs.arg(at);
  if (stop.desc.args[static_cast<std::size_t>(at)] != arch::ArgRole::kOpenHow) return f;
  if (stop.regs.arg(at + 1) < sizeof(open_how)) return std::unexpected(EINVAL);
  open_how how{};
  if (!stop.memory.read(stop.regs.arg(at), std::as_writable_bytes(std::span(&how, 1)))) {
    return std::unexpected(EFAULT);
  }
  f.flags = how.flags;
  f.resolve.beneath = how.resolve & RESOLVE_BENEATH;
  f.resolve.in_root = how.resolve & RESOLVE_IN_ROOT;
  f.resolve.no_symlinks = how.resolve & RESOLVE_NO_SYMLINKS;
  f.resolve.no_magiclinks = how.resolve & RESOLVE_NO_MAGICLINKS;
  f.resolve.no_xdev = how.resolve & RESOLVE_NO_XDEV;
  f.how_resolves = how.resolve != 0;
  how.resolve = 0;
  f.how = how;
  return f;
}

// Reads a /proc magic link the tracer found for readlink(2), in guest
// terms; nullopt when `host` is not one (then the kernel answers).
std::optional<std::string> magic_body(const std::string& host, const GuestView& view, pid_t tgid) {
  if (!host.starts_with("/proc/") || !vfs::is_proc_magic_link(host.substr(6))) return std::nullopt;
  auto link = view.fs().readlink(vfs::HostPath(host));
  if (!link) return std::nullopt;
  if (auto guest = vfs::proc_link_in_guest(view.table(tgid), host, *link)) return guest->str();
  return view.to_guest(*link, tgid);  // "(unreachable)/..." or "pipe:[N]"
}

// The argv of a script's exec: `head` (interpreter, its argument, the
// script), then the guest's own argv[1...], whose strings stay where they
// are: only the pointer array is new. Both go below the guest's stack.
std::expected<std::uint64_t, int> push_argv(tracer::StackScratch& scratch,
                                            const tracer::GuestMemory& memory,
                                            std::uint64_t old_argv,
                                            const std::vector<std::optional<std::string>>& head) {
  std::uint64_t argv0 = 0;  // the guest's own argv[0], where head asks for it
  if (old_argv != 0) {
    if (!memory.read(old_argv, std::as_writable_bytes(std::span(&argv0, 1)))) {
      return std::unexpected(EFAULT);
    }
  }
  std::vector<std::uint64_t> ptrs;
  for (const auto& s : head) {
    if (!s) {
      if (argv0 == 0) return std::unexpected(EINVAL);  // no argv[0] to keep
      ptrs.push_back(argv0);
      continue;
    }
    auto at = scratch.push_string(*s);
    if (!at) return at;
    ptrs.push_back(*at);
  }
  // Read in blocks (a long argv costs a few process_vm_readv calls), each
  // cut at the first unmapped page; argv[0] is the guest's, replaced.
  std::array<std::uint64_t, 64> block{};
  std::uint64_t index = 0;
  for (std::uint64_t at = old_argv; at != 0;) {
    auto got = memory.read_some(at, std::as_writable_bytes(std::span(block)));
    const std::size_t n = got ? *got / sizeof block[0] : 0;
    if (n == 0) return std::unexpected(EFAULT);
    std::size_t i = 0;
    for (; i < n && block[i] != 0; ++i, ++index) {
      if (index > 0) ptrs.push_back(block[i]);
    }
    if (i < n) break;  // the NULL
    at += n * sizeof block[0];
  }
  ptrs.push_back(0);
  return scratch.push(std::as_bytes(std::span(ptrs)));
}

// The decoded call (tracer/decoded_call.h): each path argument resolved,
// by the guest's argument index; `exec_host`, an exec's program as the
// kernel gets it (a script's interpreter).
void record(tracer::SyscallStop& stop, const std::optional<vfs::Resolved> (&resolved)[2],
            const std::string (&guest)[2], const std::string* exec_host, bool rewritten) {
  const arch::SyscallDesc& row = stop.desc;
  for (int i = 0; i < row.path_count; ++i) {
    if (!resolved[i]) continue;
    const vfs::Resolved& r = *resolved[i];
    stop.call.paths[static_cast<std::size_t>(row.paths[static_cast<std::size_t>(i)].path)] =
        tracer::DecodedPath{guest[i], exec_host ? *exec_host : r.host.str(), r.mount.target.str(),
                            r.mount.read_only, rewritten};
  }
}

}  // namespace

// readlink(2)'s answer: the body, cut at the buffer's size, no NUL.
Verdict reply_readlink(tracer::SyscallStop& stop, const arch::PathSpec& a, std::string_view body) {
  const auto size = static_cast<std::int64_t>(stop.regs.arg(a.path + 2));
  if (size <= 0) return Verdict::deny(EINVAL);
  const auto len = std::min<std::size_t>(body.size(), static_cast<std::size_t>(size));
  if (!stop.memory.write(stop.regs.arg(a.path + 1), std::as_bytes(std::span(body.data(), len)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(static_cast<std::int64_t>(len));
}

std::optional<std::string> Paths::exe_override(const std::string& proc_link,
                                               const std::string& body) const {
  if (!proc_link.ends_with("/exe")) return std::nullopt;
  const pid_t pid = static_cast<pid_t>(std::strtol(proc_link.c_str() + 6, nullptr, 10));
  const ExeRecord* exe = exe_.find(pid);
  if (exe == nullptr || view_->to_guest(exe->interpreter_host) != body) return std::nullopt;
  return exe->program_guest;
}

Verdict Paths::translate(tracer::SyscallStop& stop) {
  auto& regs = stop.regs;
  const arch::SyscallDesc& row = stop.desc;
  // The two calls that need more than their paths translated.
  const bool exec = arch::is_any(row.sys, {Sys::execve, Sys::execveat});
  const bool readlink = arch::is_any(row.sys, {Sys::readlink, Sys::readlinkat});
  auto cf = call_flags(stop);
  if (!cf) return Verdict::deny(cf.error());
  const pid_t tid = stop.tracee.tid;
  std::optional<vfs::Resolved> resolved[2];
  std::string guest[2];  // the guest's strings, for the teaching view's notes
  std::optional<ExecPlan> exec_plan;
  // Whether the kernel, given the guest's own arguments, does what the
  // resolver found (GuestView::kernel_walks_alike): then nothing is written,
  // neither the guest's memory nor its registers.
  bool as_is = !cf->how_resolves && !exec;
  for (int i = 0; i < row.path_count; ++i) {
    const arch::PathSpec& a = row.paths[static_cast<std::size_t>(i)];
    const std::uint64_t addr = regs.arg(a.path);
    if (a.null_ok && addr == 0) continue;
    auto path = stop.memory.read_path(addr);
    if (!path) return Verdict::deny(path.error());
    if (path->empty()) {
      // The call acts on the dirfd itself; nothing to translate.
      if (arch::empty_names_dirfd(row, a, cf->flags)) continue;
      return Verdict::deny(ENOENT);
    }
    if (readlink) {
      const int base_fd = a.dirfd >= 0 ? static_cast<int>(regs.arg(a.dirfd)) : AT_FDCWD;
      auto base = path->front() == '/' ? vfs::GuestPath("/") : view_->base_dir(tid, base_fd).value_or(vfs::GuestPath("/"));
      if (auto self = view_->proc_self_link(tid, stop.tracee.tgid, *path, base)) {
        return reply_readlink(stop, a, *self);
      }
    }
    vfs::ResolveFlags rf = cf->resolve;
    rf.follow_last = arch::follows_last(a, cf->flags);
    // Only exec (not as_is) must know what the last name is; the rest only
    // when the mount is read-only (effect_error), and ask again then.
    rf.lazy_last = as_is;
    const int dirfd = a.dirfd >= 0 ? static_cast<int>(regs.arg(a.dirfd)) : AT_FDCWD;
    auto first = view_->resolve_at(tid, stop.tracee.tgid, dirfd, *path, rf);
    const bool again = first && first->kind == vfs::EntryKind::kUnknown &&
                       first->mount.read_only && a.effect != arch::Effect::kRead;
    rf.lazy_last = rf.lazy_last && !again;
    auto r = again ? view_->resolve_at(tid, stop.tracee.tgid, dirfd, *path, rf) : std::move(first);
    if (!r) return Verdict::deny(r.error());
    if (private_to_an_outsider(r->host.str())) {
      tracer::annotate(stop, tracer::NoteKind::kDenied, [] { return "a process outside the guest"; });
      return Verdict::deny(EACCES);
    }
    if (auto v = answer_symlink_entry(stop, a, *r, view_->table(stop.tracee.tgid))) return *v;
    if (int err = effect_error(a.effect, cf->flags, *r)) {
      tracer::annotate(stop, tracer::NoteKind::kDenied, [&] {
        return r->mount.read_only ? "read-only mount" : "as the kernel would";
      });
      return Verdict::deny(err);
    }
    if (readlink) {
      if (auto body = view_->link_answer(r->host.str())) return reply_readlink(stop, a, *body);
      if (auto body = magic_body(r->host.str(), *view_, stop.tracee.tgid)) {
        return reply_readlink(stop, a, exe_override(r->host.str(), *body).value_or(*body));
      }
    }
    // A user namespace's uid_map opened to be written: a file read back
    // when credentials are next needed (namespaces.h).
    if (a.effect == arch::Effect::kOpenFlags && (cf->flags & O_ACCMODE) != O_RDONLY) {
      if (auto file = view_->writable_file(r->host.str()); !file.empty()) {
        vfs::Resolved w{r->guest, vfs::HostPath(file), r->mount, r->kind};
        r.emplace(std::move(w));
        as_is = false;
        resolved[i].emplace(*r);
        guest[i] = std::move(*path);
        continue;
      }
    }
    // /proc/PID/mounts and mountinfo (the guest's table), generated files:
    // read-only.
    if (auto file = view_->generated_file(r->host.str(), stop.tracee.tgid); !file.empty()) {
      const bool writes = a.effect != arch::Effect::kRead &&
                          (a.effect != arch::Effect::kOpenFlags || (cf->flags & O_ACCMODE) != O_RDONLY);
      if (writes) {
        return Verdict::deny(EACCES);  // read-only, as the kernel's are
      }
      vfs::Resolved generated{r->guest, vfs::HostPath(file), r->mount, r->kind};
      r.emplace(std::move(generated));
      as_is = false;
    }
    if (exec) {
      // AT_EXECFN is the name as passed (bprm->filename; for a dirfd and a
      // relative name, "/dev/fd/N/name": alloc_bprm(), fs/exec.c).
      const int dirfd = a.dirfd >= 0 ? static_cast<int>(regs.arg(a.dirfd)) : AT_FDCWD;
      std::string execfn = dirfd != AT_FDCWD && path->front() != '/'
                               ? "/dev/fd/" + std::to_string(dirfd) + "/" + *path
                               : *path;
      auto plan = plan_exec(*view_, tid, stop.tracee.tgid, *r, execfn);
      if (!plan) return Verdict::deny(plan.error());
      exec_plan = std::move(*plan);
      if (!exec_plan->exe_guest.empty()) {
        exe_.set(stop.tracee.tgid, {exec_plan->host, exec_plan->exe_guest});
      }
      if (execfn != exec_plan->host) {
        execfn_.set(stop.tracee.tgid, {exec_plan->host, std::move(execfn)});
      } else {
        execfn_.erase(stop.tracee.tgid);
      }
    }
    as_is = as_is && view_->kernel_walks_alike(*path, *r, stop.tracee.tgid);
    resolved[i].emplace(*r);
    guest[i] = std::move(*path);
  }
  // rename(2)/link(2) across mount points: EXDEV, as the kernel says.
  if (row.path_count == 2 && row.paths[1].same_mount && resolved[0] && resolved[1] &&
      &resolved[0]->mount != &resolved[1]->mount) {
    tracer::annotate(stop, tracer::NoteKind::kDenied, [] { return "across guest mounts"; });
    return Verdict::deny(EXDEV);
  }
  record(stop, resolved, guest, exec_plan ? &exec_plan->host : nullptr, !as_is);
  if (as_is) return Verdict::resume();
  tracer::StackScratch scratch(stop.memory, regs.sp());
  bool want_exit = false;
  int argv_arg = row.paths[0].path + 1;  // execve: 1, execveat: 2
  for (int i = 0; i < row.path_count; ++i) {
    if (!resolved[i]) continue;
    const arch::PathSpec& a = row.paths[static_cast<std::size_t>(i)];
    const std::string& host = exec_plan ? exec_plan->host : resolved[i]->host.str();
    tracer::annotate(stop, tracer::NoteKind::kRewrite,
                     [&] { return "\"" + guest[i] + "\" -> \"" + host + "\""; });
    // riscv64 before Linux 6.16 cannot take a new arg0 (docs/kernel-facts.md,
    // "Registers per architecture").
    // execve becomes execveat with the host path in arg1: the kernel ignores
    // the dirfd (arg0, still the guest's pointer) for an absolute path
    // (alloc_bprm() and path_init(), fs/exec.c and fs/namei.c). Writing in
    // place would not do for execve: its path often is argv[0] itself.
    if (a.path == 0 && !arch::SyscallRegs::can_set_arg0() && exec) {
      auto at = scratch.push_string(host);
      if (!at) return Verdict::deny(at.error());
      const std::uint64_t argv = regs.arg(1), envp = regs.arg(2);
      regs.set_nr(arch::find_syscall(Sys::execveat).number(regs.abi()));
      regs.set_arg(1, *at);
      regs.set_arg(2, argv);
      regs.set_arg(3, envp);
      regs.set_arg(4, 0);
      argv_arg = 2;
      continue;
    }
    if (a.path == 0 && !arch::SyscallRegs::can_set_arg0()) {
      if (int err = overwrite_in_place(stop, host, exec)) {
        return Verdict::deny(err);
      }
      want_exit = true;
      continue;
    }
    auto at = scratch.push_string(host);
    if (!at) return Verdict::deny(at.error());
    regs.set_arg(a.path, *at);
  }
  if (exec_plan && !exec_plan->argv_head.empty()) {
    auto at = push_argv(scratch, stop.memory, regs.arg(argv_arg), exec_plan->argv_head);
    if (!at) return Verdict::deny(at.error());
    regs.set_arg(argv_arg, *at);
  }
  if (cf->how) {
    auto at = scratch.push(std::as_bytes(std::span(&*cf->how, 1)));
    if (!at) return Verdict::deny(at.error());
    regs.set_arg(row.flags_arg, *at);
    regs.set_arg(row.flags_arg + 1, sizeof(open_how));
  }
  return want_exit ? Verdict::resume_to_exit() : Verdict::resume();
}

int Paths::overwrite_in_place(tracer::SyscallStop& stop, const std::string& host, bool exec) {
  const std::uint64_t addr = stop.regs.arg(0);
  auto guest = stop.memory.read_path(addr);
  if (!guest) return guest.error();
  std::vector<std::byte> saved(std::max(guest->size(), host.size()) + 1);
  // Past the guest's string the memory must exist to be borrowed.
  if (!stop.memory.read(addr, saved)) return ENAMETOOLONG;
  std::string with_nul = host;
  with_nul.push_back('\0');
  if (!stop.memory.write_force(addr, std::as_bytes(std::span(with_nul)))) return EFAULT;
  restore_.set(stop.tracee.tid, Restore{addr, std::move(saved), exec});
  return 0;
}

void Paths::on_exit(tracer::SyscallStop& stop) {
  const auto taken = restore_.take(stop.tracee.tid);
  if (!taken) return;
  const Restore& r = *taken;
  if (r.exec && stop.regs.result() == 0) return;  // a new image: nothing to put back
  (void)stop.memory.write_force(r.addr, r.bytes);
}

}  // namespace cocoon::syscalls
