// CredentialCalls: the get*id/set*id family, groups and capabilities.
#include <linux/capability.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>
#include <string>

#include "cocoon/tracer/observer.h"
#include "cocoon/tracer/tracee.h"
#include "../proc_fields.h"
#include "identity.h"
#include "../namespaces/namespaces.h"

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
                            Sys::capset});
}

pid_t parent_of(pid_t pid) {
  const auto ppid = proc_field(pid, "status", "PPid:");
  return ppid ? static_cast<pid_t>(std::stol(*ppid)) : 0;
}

std::uint32_t u32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

Verdict write_u32s(tracer::SyscallStop& stop, std::initializer_list<std::pair<int, std::uint32_t>> out) {
  for (const auto& [arg, value] : out) {
    if (!stop.memory.write(stop.regs.arg(arg), std::as_bytes(std::span(&value, 1)))) {
      return Verdict::deny(EFAULT);
    }
  }
  return Verdict::skip(0);
}

Verdict result(int err) { return err ? Verdict::deny(err) : Verdict::skip(0); }

// getgroups(2): size 0 asks the count; a smaller buffer is EINVAL.
Verdict getgroups(tracer::SyscallStop& stop, const Credentials& c) {
  const auto size = static_cast<std::int64_t>(static_cast<std::int32_t>(stop.regs.arg(0)));
  const auto n = static_cast<std::int64_t>(c.groups.size());
  if (size < 0) return Verdict::deny(EINVAL);
  if (size == 0) return Verdict::skip(n);
  if (size < n) return Verdict::deny(EINVAL);
  if (n && !stop.memory.write(stop.regs.arg(1), std::as_bytes(std::span(c.groups)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(n);
}

// setgroups(2): may_setgroups() comes before the size and the list are
// looked at (kernel/groups.c), so an unprivileged caller gets EPERM.
Verdict setgroups(tracer::SyscallStop& stop, Credentials& c) {
  if (!c.privileged()) return Verdict::deny(EPERM);
  const auto size = static_cast<std::int64_t>(static_cast<std::int32_t>(stop.regs.arg(0)));
  if (size < 0 || static_cast<std::size_t>(size) > kNgroupsMax) return Verdict::deny(EINVAL);
  std::vector<std::uint32_t> list(static_cast<std::size_t>(size));
  if (size && !stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(list)))) {
    return Verdict::deny(EFAULT);
  }
  return result(c.setgroups(std::move(list)));
}

// capget(2)/capset(2) (kernel/capability.c): an unknown version is answered
// with the preferred one in the header and EINVAL (0 with no data). The
// emulated root has every capability, anyone else none.
Verdict capabilities(tracer::SyscallStop& stop, const Credentials& c, bool set) {
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
  std::array<__user_cap_data_struct, 2> data{};
  if (set) {
    if (!stop.memory.read(stop.regs.arg(1), std::as_writable_bytes(std::span(data).first(words)))) {
      return Verdict::deny(EFAULT);
    }
    bool empty = true;
    for (std::size_t i = 0; i < words; ++i) {
      empty = empty && (data[i].effective | data[i].permitted | data[i].inheritable) == 0;
    }
    return c.privileged() || empty ? Verdict::skip(0) : Verdict::deny(EPERM);
  }
  if (stop.regs.arg(1) == 0) return Verdict::skip(0);
  if (c.privileged()) {
    // CAP_LAST_CAP of the kernel headers: every capability up to it.
    constexpr std::uint64_t all = (std::uint64_t{1} << (CAP_LAST_CAP + 1)) - 1;
    data[0].effective = data[0].permitted = static_cast<std::uint32_t>(all);
    data[1].effective = data[1].permitted = static_cast<std::uint32_t>(all >> 32);
  }
  if (!stop.memory.write(stop.regs.arg(1), std::as_bytes(std::span(data).first(words)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(0);
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

}  // namespace

Credentials& IdentityState::of(pid_t tgid) {
  if (Credentials* c = creds.find(tgid)) return *c;
  if (Credentials* c = creds.set(tgid, Credentials::of(config.uid, config.gid))) return *c;
  const Credentials* parent = creds.find(parent_of(tgid));
  stray_ = parent != nullptr ? *parent : Credentials::of(config.uid, config.gid);
  return stray_;
}

// The filter cannot answer get*id itself: SECCOMP_RET_ERRNO only returns
// -1..-4095 or 0, so a constant could only say 0, and would go on saying it
// after a setuid(2). They stop; they are few in real programs.
Decision CredentialCalls::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (!ours(row.sys)) return Decision::allow();
  // i386's 16-bit and 32-bit variants (getuid32...) are not decoded:
  // refused rather than let the real ids through. The rest is answered
  // from the emulated credentials without a register edit: a notification.
  return abi == arch::host_arch() ? Decision::notify() : Decision::fail(ENOSYS);
}

// execve recomputes the capabilities from the ids (capabilities(7)): a
// user namespace's creator keeps them only as its root.
void CredentialCalls::on_exec(tracer::Tracee& tracee, const tracer::GuestMemory&) {
  if (Credentials* c = s_->creds.find(tracee.tgid)) c->ns_caps = false;
}

Verdict CredentialCalls::on_entry(tracer::SyscallStop& stop) {
  if (ns_) apply_id_maps(*ns_, *s_);
  Credentials& c = s_->of(stop.tracee.tgid);
  const auto a = [&](int i) { return u32(stop.regs.arg(i)); };
  switch (stop.desc.sys) {
    case Sys::getuid: return faked(stop, c.ruid, "Uid:", 0);
    case Sys::geteuid: return faked(stop, c.euid, "Uid:", 1);
    case Sys::getgid: return faked(stop, c.rgid, "Gid:", 0);
    case Sys::getegid: return faked(stop, c.egid, "Gid:", 1);
    case Sys::getresuid: return write_u32s(stop, {{0, c.ruid}, {1, c.euid}, {2, c.suid}});
    case Sys::getresgid: return write_u32s(stop, {{0, c.rgid}, {1, c.egid}, {2, c.sgid}});
    case Sys::getgroups: return getgroups(stop, c);
    case Sys::setuid: return result(c.setuid(a(0)));
    case Sys::setgid: return result(c.setgid(a(0)));
    case Sys::setreuid: return result(c.setreuid(a(0), a(1)));
    case Sys::setregid: return result(c.setregid(a(0), a(1)));
    case Sys::setresuid: return result(c.setresuid(a(0), a(1), a(2)));
    case Sys::setresgid: return result(c.setresgid(a(0), a(1), a(2)));
    case Sys::setfsuid: return Verdict::skip(c.setfsuid(a(0)));
    case Sys::setfsgid: return Verdict::skip(c.setfsgid(a(0)));
    case Sys::setgroups: return setgroups(stop, c);
    case Sys::capget: return capabilities(stop, c, false);
    case Sys::capset: return capabilities(stop, c, true);
    default: return Verdict::resume();
  }
}

}  // namespace cocoon::syscalls
