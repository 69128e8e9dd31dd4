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
#include "exec/exec_script.h"
#include "exec/loader_cmdline.h"
#include "path_effects.h"
#include "guard/proc_outsiders.h"
#include "symlink_entry.h"
#include "paths.h"
#include "view/proc_path.h"

namespace cocoon::syscalls {

using arch::Sys;
using tracer::Verdict;

namespace {

using CallFlags = Paths::CallFlags;
using Translation = Paths::Translation;

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

// readlink(2) of a symlink under a mount with PRoot's rule
// (vfs::Mount::links_in_guest_terms): its body in guest terms, when that
// differs from what the kernel would read.
std::optional<std::string> guest_terms_body(const vfs::Resolved& r, const GuestView& view) {
  if (!r.mount.links_in_guest_terms) return std::nullopt;
  if (r.kind != vfs::EntryKind::kSymlink && r.kind != vfs::EntryKind::kUnknown) return std::nullopt;
  auto body = view.fs().readlink(r.host);
  if (!body) return std::nullopt;  // not a link after all: the kernel says so
  return vfs::link_in_guest_terms(r.mount, *body);
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

// The steps of translate(), each one a Paths member:
//   resolve_argument  one path argument, in guest terms, checked against
//                     the view (outsiders' /proc, read-only mounts, symlink
//                     entries, readlink's own answers);
//   substitute        one lookup of the view's overlays (proc_overlay.h):
//                     a generated file in place of the host's;
//   plan_program      an exec's program (a script's interpreter, ld.so);
//   write_back        the host paths into the guest's registers, below its
//                     stack (or in place where arg0 cannot be set).
Verdict Paths::translate(tracer::SyscallStop& stop) {
  const arch::SyscallDesc& row = stop.desc;
  auto cf = call_flags(stop);
  if (!cf) return Verdict::deny(cf.error());
  Translation t;
  // Whether the kernel, given the guest's own arguments, does what the
  // resolver found (GuestView::kernel_walks_alike): then nothing is written,
  // neither the guest's memory nor its registers.
  t.exec = arch::is_any(row.sys, {Sys::execve, Sys::execveat});
  t.as_is = !cf->how_resolves && !t.exec;
  for (int i = 0; i < row.path_count; ++i) {
    if (auto v = resolve_argument(stop, i, *cf, t)) return *v;
  }
  if (auto v = union_writes(stop, *cf, t)) return *v;
  // rename(2)/link(2) across mount points: EXDEV, as the kernel says.
  if (row.path_count == 2 && row.paths[1].same_mount && t.resolved[0] && t.resolved[1] &&
      &t.resolved[0]->mount != &t.resolved[1]->mount) {
    tracer::annotate(stop, tracer::NoteKind::kDenied, [] { return "across guest mounts"; });
    return Verdict::deny(EXDEV);
  }
  record(stop, t.resolved, t.guest, t.exec_plan ? &t.exec_plan->host : nullptr, !t.as_is);
  if (t.as_is) return Verdict::resume();
  return write_back(stop, *cf, t);
}

std::optional<Verdict> Paths::resolve_argument(tracer::SyscallStop& stop, int i,
                                               const CallFlags& cf, Translation& t) {
  const arch::PathSpec& a = stop.desc.paths[static_cast<std::size_t>(i)];
  const std::uint64_t addr = stop.regs.arg(a.path);
  if (a.null_ok && addr == 0) return std::nullopt;
  auto path = stop.memory.read_path(addr);
  if (!path) return Verdict::deny(path.error());
  if (path->empty()) {
    // The call acts on the dirfd itself; nothing to translate.
    if (arch::empty_names_dirfd(stop.desc, a, cf.flags)) return std::nullopt;
    return Verdict::deny(ENOENT);
  }
  const bool readlink = arch::is_any(stop.desc.sys, {Sys::readlink, Sys::readlinkat});
  const pid_t tid = stop.tracee.tid, tgid = stop.tracee.tgid;
  const int dirfd = a.dirfd >= 0 ? static_cast<int>(stop.regs.arg(a.dirfd)) : AT_FDCWD;
  if (readlink) {
    auto base = path->front() == '/' ? vfs::GuestPath("/")
                                     : view_->base_dir(tid, dirfd).value_or(vfs::GuestPath("/"));
    if (auto self = view_->proc_self_link(tid, tgid, *path, base)) {
      return reply_readlink(stop, a, *self);
    }
  }
  vfs::ResolveFlags rf = cf.resolve;
  rf.follow_last = arch::follows_last(a, cf.flags);
  // Only exec (not as_is) must know what the last name is; the rest only
  // when the mount is read-only (effect_error), and ask again then.
  rf.lazy_last = t.as_is;
  auto first = view_->resolve_at(tid, tgid, dirfd, *path, rf);
  const bool again = first && first->kind == vfs::EntryKind::kUnknown &&
                     first->mount.read_only && a.effect != arch::Effect::kRead;
  rf.lazy_last = rf.lazy_last && !again;
  auto r = again ? view_->resolve_at(tid, tgid, dirfd, *path, rf) : std::move(first);
  if (!r) return Verdict::deny(r.error());
  if (private_to_an_outsider(r->host.str())) {
    tracer::annotate(stop, tracer::NoteKind::kDenied, [] { return "a process outside the guest"; });
    return Verdict::deny(EACCES);
  }
  if (dumpable_) {
    const auto pid = private_entry_of(r->host.str());
    if (pid && !dumpable_->may_reach(tgid, tid, *pid)) {
      tracer::annotate(stop, tracer::NoteKind::kDenied, [] { return "a process that is not dumpable"; });
      return Verdict::deny(EACCES);
    }
  }
  if (auto v = answer_symlink_entry(stop, a, *r, view_->table(tgid))) return *v;
  if (int err = effect_error(a.effect, cf.flags, *r)) {
    tracer::annotate(stop, tracer::NoteKind::kDenied, [&] {
      return r->mount.read_only ? "read-only mount" : "as the kernel would";
    });
    return Verdict::deny(err);
  }
  if (readlink) {
    if (auto v = answer_readlink(stop, a, r->host.str())) return *v;
    if (auto body = guest_terms_body(*r, *view_)) return reply_readlink(stop, a, *body);
  }
  auto instead = substitute(stop, a, cf, *r);
  if (!instead) return instead.error();
  if (*instead) {
    vfs::Resolved file{r->guest, vfs::HostPath(std::move(**instead)), r->mount, r->kind};
    r.emplace(std::move(file));
    t.as_is = false;
  }
  if (t.exec) {
    if (int err = plan_program(stop, a, *path, *r, t)) return Verdict::deny(err);
  }
  t.as_is = t.as_is && view_->kernel_walks_alike(*path, *r, tgid);
  t.resolved[i].emplace(std::move(*r));
  t.guest[i] = std::move(*path);
  return std::nullopt;
}

// readlink(2) of a link the view answers (/proc/PID/ns/KIND in an emulated
// namespace), or of a /proc magic link, in guest terms.
std::optional<Verdict> Paths::answer_readlink(tracer::SyscallStop& stop, const arch::PathSpec& a,
                                              const std::string& host) const {
  auto link = view_->overlay(host, stop.tracee.tgid, Reach::kReadlink);
  if (link && link->kind == Substitute::Kind::kLinkBody) return reply_readlink(stop, a, link->value);
  if (auto body = magic_body(host, *view_, stop.tracee.tgid)) {
    return reply_readlink(stop, a, exe_override(host, *body).value_or(*body));
  }
  return std::nullopt;
}

std::expected<std::optional<std::string>, Verdict> Paths::substitute(
    tracer::SyscallStop& stop, const arch::PathSpec& a, const CallFlags& cf,
    const vfs::Resolved& r) const {
  const pid_t tgid = stop.tracee.tgid;
  const bool read_only_open =
      a.effect == arch::Effect::kOpenFlags && (cf.flags & O_ACCMODE) == O_RDONLY;
  const bool writes = a.effect != arch::Effect::kRead && !read_only_open;
  // An emulated namespace's /proc/PID/ns/KIND not followed (lstat,
  // O_NOFOLLOW|O_PATH) is the kernel's symlink, as natively (`ls -l`
  // shows "uts -> uts:[N]", readlink answered apart); only following it
  // reaches the namespace's inode, which its stand-in plays.
  if (!arch::follows_last(a, cf.flags) && is_ns_link(r.host.str())) return std::optional<std::string>();
  auto sub = view_->overlay(r.host.str(), tgid, writes ? Reach::kWrite : Reach::kRead);
  if (!sub || sub->kind != Substitute::Kind::kFile) return std::optional<std::string>();
  // Only an open may write a writable substitute (a uid_map); the rest are
  // read-only, as the kernel's /proc files are.
  if (writes && !(sub->writable && a.effect == arch::Effect::kOpenFlags)) {
    return std::unexpected(Verdict::deny(EACCES));
  }
  return std::move(sub->value);
}

int Paths::plan_program(tracer::SyscallStop& stop, const arch::PathSpec& a,
                        const std::string& path, const vfs::Resolved& r, Translation& t) {
  const pid_t tgid = stop.tracee.tgid;
  // AT_EXECFN is the name as passed (bprm->filename; for a dirfd and a
  // relative name, "/dev/fd/N/name": alloc_bprm(), fs/exec.c).
  const int dirfd = a.dirfd >= 0 ? static_cast<int>(stop.regs.arg(a.dirfd)) : AT_FDCWD;
  std::string execfn = dirfd != AT_FDCWD && path.front() != '/'
                           ? "/dev/fd/" + std::to_string(dirfd) + "/" + path
                           : path;
  auto plan = plan_exec(*view_, stop.tracee.tid, tgid, r, execfn);
  if (!plan) return plan.error();
  t.exec_plan = std::move(*plan);
  if (LoaderCmdlines* cmdlines = view_->loader_cmdlines()) cmdlines->planned(tgid, t.exec_plan->loader);
  if (!t.exec_plan->exe_guest.empty()) {
    exe_.set(tgid, {t.exec_plan->exe_host, t.exec_plan->exe_guest});
  }
  if (execfn != t.exec_plan->host) {
    execfn_.set(tgid, {t.exec_plan->host, std::move(execfn)});
  } else {
    execfn_.erase(tgid);
  }
  return 0;
}

Verdict Paths::write_back(tracer::SyscallStop& stop, const CallFlags& cf, const Translation& t) {
  auto& regs = stop.regs;
  const arch::SyscallDesc& row = stop.desc;
  tracer::StackScratch scratch(stop.memory, regs.sp());
  bool want_exit = false;
  int argv_arg = row.paths[0].path + 1;  // execve: 1, execveat: 2
  for (int i = 0; i < row.path_count; ++i) {
    if (!t.resolved[i]) continue;
    const arch::PathSpec& a = row.paths[static_cast<std::size_t>(i)];
    const std::string& host = t.exec_plan ? t.exec_plan->host : t.resolved[i]->host.str();
    tracer::annotate(stop, tracer::NoteKind::kRewrite,
                     [&] { return "\"" + t.guest[i] + "\" -> \"" + host + "\""; });
    if (a.path == 0 && !arch::SyscallRegs::can_set_arg0()) {
      auto done = write_arg0(stop, scratch, host, t.exec);
      if (!done) return Verdict::deny(done.error());
      if (*done == Arg0::kExecveat) argv_arg = 2;
      if (*done == Arg0::kInPlace) want_exit = true;
      continue;
    }
    auto at = scratch.push_string(host);
    if (!at) return Verdict::deny(at.error());
    regs.set_arg(a.path, *at);
  }
  if (t.exec_plan && !t.exec_plan->argv_head.empty()) {
    auto at = push_argv(scratch, stop.memory, regs.arg(argv_arg), t.exec_plan->argv_head);
    if (!at) return Verdict::deny(at.error());
    regs.set_arg(argv_arg, *at);
  }
  if (cf.how) {
    auto at = scratch.push(std::as_bytes(std::span(&*cf.how, 1)));
    if (!at) return Verdict::deny(at.error());
    regs.set_arg(row.flags_arg, *at);
    regs.set_arg(row.flags_arg + 1, sizeof(open_how));
  }
  return want_exit ? Verdict::resume_to_exit() : Verdict::resume();
}

// riscv64 before Linux 6.16 cannot take a new arg0 (docs/kernel-facts.md,
// "Registers per architecture").
std::expected<Paths::Arg0, int> Paths::write_arg0(tracer::SyscallStop& stop,
                                                  tracer::StackScratch& scratch,
                                                  const std::string& host, bool exec) {
  auto& regs = stop.regs;
  if (!exec) {
    if (int err = overwrite_in_place(stop, host, exec)) return std::unexpected(err);
    return Arg0::kInPlace;
  }
  // execve becomes execveat with the host path in arg1: the kernel ignores
  // the dirfd (arg0, still the guest's pointer) for an absolute path
  // (alloc_bprm() and path_init(), fs/exec.c and fs/namei.c). Writing in
  // place would not do for execve: its path often is argv[0] itself.
  auto at = scratch.push_string(host);
  if (!at) return std::unexpected(at.error());
  const std::uint64_t argv = regs.arg(1), envp = regs.arg(2);
  regs.set_nr(arch::find_syscall(Sys::execveat).number(regs.abi()));
  regs.set_arg(1, *at);
  regs.set_arg(2, argv);
  regs.set_arg(3, envp);
  regs.set_arg(4, 0);
  return Arg0::kExecveat;
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
