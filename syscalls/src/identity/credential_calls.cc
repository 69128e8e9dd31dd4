// CredentialCalls: the get*id/set*id family, groups and capabilities.
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>
#include <string>

#include "cocoon/tracer/observer.h"
#include "cocoon/tracer/tracee.h"
#include "exec/exec_auxv.h"
#include "proc_fields.h"
#include "file_view.h"
#include "identity.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

using arch::Sys;

bool ours(Sys sys) {
  return arch::is_any(sys, {Sys::getuid, Sys::geteuid, Sys::getgid, Sys::getegid, Sys::getresuid,
                            Sys::getresgid, Sys::getgroups, Sys::setuid, Sys::setgid,
                            Sys::setreuid, Sys::setregid, Sys::setresuid, Sys::setresgid,
                            Sys::setfsuid, Sys::setfsgid, Sys::setgroups, Sys::capget,
                            Sys::capset, Sys::prctl});
}

pid_t parent_of(pid_t pid) {
  const auto ppid = proc_field(pid, "status", "PPid:");
  return ppid ? static_cast<pid_t>(std::stol(*ppid)) : 0;
}


Verdict write_u32s(tracer::SyscallStop& stop, std::initializer_list<std::pair<int, std::uint32_t>> out) {
  for (const auto& [arg, value] : out) {
    if (!stop.memory.write(stop.regs.arg(arg), std::as_bytes(std::span(&value, 1)))) {
      return Verdict::deny(EFAULT);
    }
  }
  return Verdict::skip(0);
}

Verdict result(int err) { return err ? Verdict::deny(err) : Verdict::skip(0); }

// chroot(2) by the emulated root to the root it has: nothing changes, 0
// (Paths::chroot's rule, for the host's own view, where no handler owns
// chroot and the guest's root is the host's "/"; where Paths or Namespaces
// owns it, they end the call first). Anything else goes on to the kernel,
// which answers the real, unprivileged user.
Verdict chroot_to_root(tracer::SyscallStop& stop, const Credentials& c) {
  if (!c.capable(CAP_SYS_CHROOT)) return Verdict::resume();
  auto path = stop.memory.read_path(stop.regs.arg(0));
  if (!path || path->empty()) return Verdict::resume();
  const std::string host =
      path->front() == '/' ? *path : "/proc/" + std::to_string(stop.tracee.tid) + "/cwd/" + *path;
  struct stat dir {}, root {};
  if (::stat(host.c_str(), &dir) != 0 || ::stat("/", &root) != 0) return Verdict::resume();
  const bool same = dir.st_dev == root.st_dev && dir.st_ino == root.st_ino;
  return same ? Verdict::skip(0) : Verdict::resume();
}

// getgroups(2): size 0 asks the count; a smaller buffer is EINVAL. Each
// group as the caller's user namespace sees it (groups16_to_user,
// kernel/groups.c: from_kgid_munged()).
Verdict getgroups(tracer::SyscallStop& stop, const Credentials& c, IdMapper& ids) {
  const auto size = static_cast<std::int64_t>(static_cast<std::int32_t>(stop.regs.arg(0)));
  const auto n = static_cast<std::int64_t>(c.groups.size());
  if (size < 0) return Verdict::deny(EINVAL);
  if (size == 0) return Verdict::skip(n);
  if (size < n) return Verdict::deny(EINVAL);
  std::vector<std::uint32_t> seen;
  for (std::uint32_t g : c.groups) seen.push_back(ids.map_out(stop.tracee.tgid, IdKind::kGid, g));
  if (n && !stop.memory.write(stop.regs.arg(1), std::as_bytes(std::span(seen)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(n);
}

// setgroups(2): may_setgroups() comes before the size and the list are
// looked at (kernel/groups.c), so an unprivileged caller, or one whose
// user namespace does not allow it, gets EPERM; a group the caller's user
// namespace does not map is EINVAL (groups_from_user(): make_kgid(), then
// gid_valid()).
Verdict setgroups(tracer::SyscallStop& stop, Credentials& c, IdMapper& ids) {
  if (!c.capable(CAP_SETGID) || !ids.may_setgroups(stop.tracee.tgid)) return Verdict::deny(EPERM);
  const auto size = static_cast<std::int64_t>(static_cast<std::int32_t>(stop.regs.arg(0)));
  if (size < 0 || static_cast<std::size_t>(size) > kNgroupsMax) return Verdict::deny(EINVAL);
  std::vector<std::uint32_t> list(static_cast<std::size_t>(size));
  if (size && !stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(list)))) {
    return Verdict::deny(EFAULT);
  }
  for (std::uint32_t& g : list) {
    auto first = ids.map_in(stop.tracee.tgid, IdKind::kGid, g);
    if (!first) return Verdict::deny(EINVAL);
    g = *first;
  }
  return result(c.setgroups(std::move(list)));
}

// A pid a call names, as the caller's PID namespace numbers it
// (find_task_by_vpid()): the host's number, 0 for none there.
pid_t host_pid(const IdentityState& s, pid_t tgid, pid_t vpid) {
  if (!s.pids || vpid <= 0) return vpid;
  const auto ns = s.pids->pid_ns(tgid);
  if (!ns) return vpid;
  return ns->real_of(vpid).value_or(0);
}

// capget(2)/capset(2) (kernel/capability.c): an unknown version is answered
// with the preferred one in the header and EINVAL (0 with no data). The
// sets are the emulated ones; version 1 carries their low 32 bits (capset
// then clears the high ones, as the kernel does). capget of another
// process answers for a process of the run (by its pid in the caller's
// PID namespace), ESRCH for any other; capset only for the caller itself
// (EPERM).
Verdict capabilities(tracer::SyscallStop& stop, IdentityState& s, bool set) {
  __user_cap_header_struct hdr{};
  if (!stop.memory.read(stop.regs.arg(0), std::as_writable_bytes(std::span(&hdr, 1)))) {
    return Verdict::deny(EFAULT);
  }
  std::size_t words = 0;
  if (hdr.version == _LINUX_CAPABILITY_VERSION_1) words = 1;
  if (hdr.version == _LINUX_CAPABILITY_VERSION_2 || hdr.version == _LINUX_CAPABILITY_VERSION_3) {
    words = 2;
  }
  if (words == 0) {
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    if (!stop.memory.write(stop.regs.arg(0), std::as_bytes(std::span(&hdr, 1)))) {
      return Verdict::deny(EFAULT);
    }
    return stop.regs.arg(1) == 0 && !set ? Verdict::skip(0) : Verdict::deny(EINVAL);
  }
  if (hdr.pid < 0) return Verdict::deny(EINVAL);
  // The header's pid is the caller's PID namespace's (libcap-ng's capng_apply
  // gives getpid()): 1 for the first process of a container.
  const pid_t pid = host_pid(s, stop.tracee.tgid, hdr.pid);
  const bool self = hdr.pid == 0 || pid == stop.tracee.tid || pid == stop.tracee.tgid;
  if (set && !self) return Verdict::deny(EPERM);
  const Credentials* c = self ? &s.of(stop.tracee.tgid) : pid != 0 ? s.creds.find(pid) : nullptr;
  if (c == nullptr) return Verdict::deny(ESRCH);
  std::array<__user_cap_data_struct, 2> data{};
  const auto word = [](std::uint64_t v, std::size_t i) { return static_cast<std::uint32_t>(v >> (32 * i)); };
  if (set) {
    if (!stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(data).first(words)))) {
      return Verdict::deny(EFAULT);
    }
    const auto set_of = [&](auto field) {
      return std::uint64_t{data[0].*field} | std::uint64_t{data[1].*field} << 32;
    };
    using D = __user_cap_data_struct;
    return result(s.of(stop.tracee.tgid).capset(set_of(&D::effective), set_of(&D::permitted),
                                                set_of(&D::inheritable)));
  }
  if (stop.regs.arg(1) == 0) return Verdict::skip(0);
  for (std::size_t i = 0; i < words; ++i) {
    data[i] = {word(c->caps.effective, i), word(c->caps.permitted, i), word(c->caps.inheritable, i)};
  }
  if (!stop.memory.write(stop.regs.arg(1), std::as_bytes(std::span(data).first(words)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(0);
}

// prctl(2)'s capability options (Credentials::prctl); the others go to
// the kernel (the filter stops only these: decision()).
Verdict prctl(tracer::SyscallStop& stop, Credentials& c) {
  const auto option = static_cast<int>(stop.regs.arg(0));
  if (!Credentials::prctl_option(option)) return Verdict::resume();
  const auto& r = stop.regs;
  const std::int64_t v = c.prctl(option, r.arg(1), r.arg(2), r.arg(3), r.arg(4));
  return v < 0 ? Verdict::deny(static_cast<int>(-v)) : Verdict::skip(v);
}

// The emulated id; the teaching view is also told the real one, the
// `index`th number of /proc/TID/status's `key` line (real, effective,
// saved, fs: proc(5)).
Verdict faked(const tracer::SyscallStop& stop, std::uint32_t value, std::string_view key,
              int index) {
  tracer::annotate(stop, tracer::NoteKind::kFaked, [&] {
    std::ifstream in("/proc/" + std::to_string(stop.tracee.tid) + "/status");
    std::string word;
    while (in >> word && word != key) {
    }
    for (int i = 0; i <= index && in >> word; ++i) {
    }
    return "real " + word;
  });
  return Verdict::skip(value);
}

// The bounding set cocoon runs with, which the command inherits (proc(5):
// CapBnd in /proc/PID/status); every capability if it cannot be read.
std::uint64_t own_bounding_set() {
  static const std::uint64_t bounding = [] {
    const auto hex = proc_field(::getpid(), "status", "CapBnd:");
    return hex ? std::stoull(*hex, nullptr, 16) : kAllCaps;
  }();
  return bounding;
}

// What the command starts with: the configured ids and groups, and root's
// capabilities when the uid is 0 (those of an exec as root), or the
// configured ones in every set (bwrap's: set_ambient_capabilities() and
// drop_cap_bounding_set() in bubblewrap.c leave the sandbox those alone).
Credentials first_credentials(const IdentityConfig& config) {
  Credentials c = Credentials::of(config.uid, config.gid, own_bounding_set());
  if (config.capabilities) {
    const std::uint64_t caps = *config.capabilities & kAllCaps;
    c.caps = CapSets{caps, caps, caps, caps, caps};
  }
  if (config.groups) {
    c.groups = *config.groups;
    std::sort(c.groups.begin(), c.groups.end());
  }
  return c;
}

// The ids execve(2) gives a set-user-ID or set-group-ID program
// (bprm_fill_uid(), fs/exec.c): its owner and group as the guest sees them
// (a recorded chown and chmod count, as under real root), unless it is on
// a nosuid mount or the caller's user namespace does not map them both.
// The program is /proc/TID/exe: for a script, its interpreter, whose bits
// the kernel takes ("Linux ignores the set-user-ID and set-group-ID bits
// on scripts", execve(2)).
struct SetIds {
  std::optional<std::uint32_t> uid, gid;
};

SetIds set_ids_of_program(IdentityState& s, pid_t tid, pid_t tgid) {
  const std::string exe = "/proc/" + std::to_string(tid) + "/exe";
  struct statx sx {};
  if (::statx(AT_FDCWD, exe.c_str(), 0, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0) return {};
  const Shown v = shown(s, sx);
  const bool set_uid = v.mode & S_ISUID;
  // A set-group-ID file without group execute is a mandatory-locking
  // candidate, not a set-group-ID program.
  const bool set_gid = (v.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
  if (!set_uid && !set_gid) return {};
  struct statvfs fs {};
  if (::statvfs(exe.c_str(), &fs) != 0 || (fs.f_flag & ST_NOSUID)) return {};
  if (!s.ids->maps(tgid, IdKind::kUid, v.uid) || !s.ids->maps(tgid, IdKind::kGid, v.gid)) return {};
  SetIds out;
  if (set_uid) out.uid = v.uid;
  if (set_gid) out.gid = v.gid;
  return out;
}

}  // namespace

Credentials& IdentityState::of(pid_t tgid) {
  Credentials* c = creds.find(tgid);
  if (c == nullptr) c = creds.set(tgid, first_credentials(config));
  if (c == nullptr) {
    const Credentials* parent = creds.find(parent_of(tgid));
    stray_ = parent != nullptr ? *parent : first_credentials(config);
    c = &stray_;
  }
  // The process may have entered another user namespace (unshare, setns),
  // or its namespace got a uid_map, since it was last asked.
  c->root_uid = ids->map_in(tgid, IdKind::kUid, 0).value_or(kNoRootUid);
  return *c;
}

void IdentityState::departed(pid_t tgid) {
  const Credentials* c = creds.find(tgid);
  if (c == nullptr) return;
  if (departed_.size() == kDeparted) departed_.pop_front();
  departed_.emplace_back(tgid, *c);
}

const Credentials* IdentityState::departed_of(pid_t tgid) const {
  // Newest first: a number may have been reused within the run.
  for (auto it = departed_.rbegin(); it != departed_.rend(); ++it) {
    if (it->first == tgid) return &it->second;
  }
  return nullptr;
}

void CredentialCalls::on_death(const tracer::Tracee& tracee) {
  // A leader's death is its process's end (its threads went before it).
  if (tracee.tid == tracee.tgid) s_->departed(tracee.tgid);
}

// The filter cannot answer get*id itself: SECCOMP_RET_ERRNO only returns
// -1..-4095 or 0, so a constant could only say 0, and would go on saying it
// after a setuid(2). They stop; they are few in real programs.
Decision CredentialCalls::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  // chroot(2) where no handler answers it (the host's own view): after the
  // owner, if any, as the fix-up that lets the emulated root chroot to "/".
  if (row.sys == Sys::chroot) {
    return abi == arch::host_arch() ? Decision::trace().in(tracer::Phase::kFixup)
                                    : Decision::allow();
  }
  // prctl(2): only its capability options stop (a ptrace stop: the
  // policy's value tests trace), the rest never do.
  if (row.sys == Sys::prctl) {
    return abi == arch::host_arch()
               ? Decision::allow().tracing_values(
                     0, {PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_GET_KEEPCAPS, PR_SET_KEEPCAPS,
                         PR_GET_SECUREBITS, PR_SET_SECUREBITS, PR_CAP_AMBIENT})
               : Decision::allow();
  }
  if (!ours(row.sys)) return Decision::allow();
  // i386's 16-bit and 32-bit variants (getuid32...) are not decoded:
  // refused rather than let the real ids through. The rest is answered
  // from the emulated credentials without a register edit: a notification.
  return abi == arch::host_arch() ? Decision::notify() : Decision::fail(ENOSYS);
}

// execve recomputes the capabilities from the ids (capabilities(7):
// Credentials::exec): a user namespace's creator keeps them only as its
// root. A set-id program
// the guest sees as such is honoured (not as under Debian's fakeroot, whose
// ids stay what they were): the ids move as the kernel moves them for real
// root's programs (Credentials::exec). The new image's
// auxiliary vector shows the emulated ids; an exec whose effective ids are
// not the real ones is a secure one (bprm->secureexec, set by
// cap_bprm_creds_from_file() in security/commoncap.c).
void CredentialCalls::on_exec(tracer::Tracee& tracee, const tracer::GuestMemory& memory) {
  const pid_t tgid = tracee.tgid;
  Credentials& c = s_->of(tgid);
  const SetIds program = set_ids_of_program(*s_, tracee.tid, tgid);
  const bool secure = c.exec(program.uid, program.gid);
  // In the process's own user namespace, as getuid(2) gives them
  // (create_elf_tables(): from_kuid_munged(cred->user_ns, ...)).
  IdMapper& ids = *s_->ids;
  const auto uid = [&](std::uint32_t v) { return ids.map_out(tgid, IdKind::kUid, v); };
  const auto gid = [&](std::uint32_t v) { return ids.map_out(tgid, IdKind::kGid, v); };
  write_auxv_ids(tracee.tid, memory,
                 {uid(c.ruid), uid(c.euid), gid(c.rgid), gid(c.egid), secure});
}

// Ids come out through the caller's user namespace and go in through it
// (id_mapper.h): the credentials hold the first namespace's.
Verdict CredentialCalls::on_entry(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.tgid;
  Credentials& c = s_->of(tgid);
  IdMapper& ids = *s_->ids;
  const auto uid = [&](std::uint32_t v) { return ids.map_out(tgid, IdKind::kUid, v); };
  const auto gid = [&](std::uint32_t v) { return ids.map_out(tgid, IdKind::kGid, v); };
  // A set*id call: its `count` id arguments, mapped in by IdArguments (the
  // translate phase); an unmapped one is EINVAL before any permission
  // check (kernel/sys.c: make_kuid(), then uid_valid()); -1 stays
  // "unchanged" for `change` to judge.
  const auto set = [&](int count, auto change) {
    std::array<std::uint32_t, 3> v{};
    for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
      const tracer::DecodedId* id = stop.call.id(static_cast<int>(i));
      if (id == nullptr) return Verdict::deny(ENOSYS);  // no decoder ran: a wiring bug
      if (!id->unchanged() && !id->mapped) return Verdict::deny(EINVAL);
      v[i] = id->unchanged() ? kUnchanged : *id->mapped;
    }
    return result(change(v));
  };
  // setfsuid(2) returns the old id, and changes nothing for an id the
  // caller's namespace does not map (kernel/sys.c __sys_setfsuid()).
  const auto setfs = [&](IdKind kind, std::uint32_t old, auto change) {
    const tracer::DecodedId* id = stop.call.id(0);
    if (id != nullptr && id->mapped) change(*id->mapped);
    return Verdict::skip(ids.map_out(tgid, kind, old));
  };
  using enum IdKind;
  switch (stop.desc.sys) {
    case Sys::getuid: return faked(stop, uid(c.ruid), "Uid:", 0);
    case Sys::geteuid: return faked(stop, uid(c.euid), "Uid:", 1);
    case Sys::getgid: return faked(stop, gid(c.rgid), "Gid:", 0);
    case Sys::getegid: return faked(stop, gid(c.egid), "Gid:", 1);
    case Sys::getresuid:
      return write_u32s(stop, {{0, uid(c.ruid)}, {1, uid(c.euid)}, {2, uid(c.suid)}});
    case Sys::getresgid:
      return write_u32s(stop, {{0, gid(c.rgid)}, {1, gid(c.egid)}, {2, gid(c.sgid)}});
    case Sys::getgroups: return getgroups(stop, c, ids);
    case Sys::setuid: return set(1, [&](const auto& v) { return c.setuid(v[0]); });
    case Sys::setgid: return set(1, [&](const auto& v) { return c.setgid(v[0]); });
    case Sys::setreuid:
      return set(2, [&](const auto& v) { return c.setreuid(v[0], v[1]); });
    case Sys::setregid:
      return set(2, [&](const auto& v) { return c.setregid(v[0], v[1]); });
    case Sys::setresuid:
      return set(3, [&](const auto& v) { return c.setresuid(v[0], v[1], v[2]); });
    case Sys::setresgid:
      return set(3, [&](const auto& v) { return c.setresgid(v[0], v[1], v[2]); });
    case Sys::setfsuid:
      return setfs(kUid, c.fsuid, [&](std::uint32_t id) { c.setfsuid(id); });
    case Sys::setfsgid:
      return setfs(kGid, c.fsgid, [&](std::uint32_t id) { c.setfsgid(id); });
    case Sys::setgroups: return setgroups(stop, c, ids);
    case Sys::capget: return capabilities(stop, *s_, false);
    case Sys::capset: return capabilities(stop, *s_, true);
    case Sys::prctl: return prctl(stop, c);
    case Sys::chroot: return chroot_to_root(stop, c);
    default: return Verdict::resume();
  }
}

}  // namespace cocoon::syscalls
