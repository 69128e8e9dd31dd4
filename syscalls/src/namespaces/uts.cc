#include "uts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>

#include "cocoon/tracer/observer.h"
#include "cocoon/tracer/tracee.h"
#include "identity/identity.h"
#include "ns_state.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// __NEW_UTS_LEN of include/uapi/linux/utsname.h.
constexpr std::size_t kUtsLen = 64;

}  // namespace

Uts::Uts(UtsConfig config, std::shared_ptr<const GuestView> view,
         std::shared_ptr<IdentityState> identity, std::shared_ptr<NamespaceState> ns)
    : view_(std::move(view)), identity_(std::move(identity)), ns_(std::move(ns)) {
  struct utsname u {};
  ::uname(&u);
  own_ = std::make_unique<UtsNames>(UtsNames{config.hostname.value_or(u.nodename),
                                             config.domainname.value_or(u.domainname)});
  release_ = config.release.value_or(u.release);
  if (ns_) ns_->uts(0, *own_);
}

Uts::~Uts() = default;

UtsNames& Uts::names(pid_t tgid) {
  if (!ns_) return *own_;
  return ns_->uts(ns_->id_of(tgid, NsKind::kUts), *own_);
}

Decision Uts::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  using arch::Sys;
  const bool ours = arch::is_any(row.sys, {Sys::uname, Sys::sethostname, Sys::setdomainname});
  if (!ours) return Decision::allow();
  // The i386 ABI's struct new_utsname has the same layout, but i386 decoding
  // of pointers is not wired up yet: refuse rather than leak the host's name.
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  return Decision::trace();
}

// CAP_SYS_ADMIN over the (one) UTS namespace: the emulated root's with -0;
// without identity emulation the real user's, which cocoon's own euid says.
// With emulated namespaces, the capability must be held in the user
// namespace that owns the caller's UTS namespace, or an ancestor of it.
bool Uts::privileged(const tracer::SyscallStop& stop) const {
  const pid_t tgid = stop.tracee.tgid;
  if (ns_ && identity_) {
    const std::uint32_t owner = ns_->owner_of(NsKind::kUts, ns_->id_of(tgid, NsKind::kUts));
    if (!ns_->user_ns_covers(ns_->id_of(tgid, NsKind::kUser), owner)) return false;
  }
  if (identity_) return identity_->of(tgid).capable(CAP_SYS_ADMIN);
  return ::geteuid() == 0;
}

// sethostname(2)/setdomainname(2) (kernel/sys.c): EPERM without the
// capability, EINVAL for a length outside 0..64, EFAULT for the buffer.
Verdict Uts::set_name(tracer::SyscallStop& stop, bool host, const char* proc) {
  if (!privileged(stop)) return Verdict::deny(EPERM);
  const auto len = static_cast<std::int64_t>(static_cast<std::int32_t>(stop.regs.arg(1)));
  if (len < 0 || static_cast<std::size_t>(len) > kUtsLen) return Verdict::deny(EINVAL);
  std::string name(static_cast<std::size_t>(len), '\0');
  if (len && !stop.memory.read(stop.regs.arg(0),
                               std::as_writable_bytes(std::span(name.data(), name.size())))) {
    return Verdict::deny(EFAULT);
  }
  UtsNames& n = names(stop.tracee.tgid);
  std::string& field = host ? n.hostname : n.domainname;
  field = name.substr(0, name.find('\0'));
  // /proc/sys/kernel/{hostname,domainname} read the first namespace's.
  if (view_ && (!ns_ || ns_->id_of(stop.tracee.tgid, NsKind::kUts) == 0)) {
    const auto& files = view_->fixed_files().map();
    if (auto it = files.find(proc); it != files.end()) {
      std::ofstream(it->second, std::ios::trunc) << field << '\n';
    }
  }
  return Verdict::skip(0);
}

// Emulated at entry, not fixed up at exit: the tracer fills the guest's
// struct new_utsname (six 65-byte fields, include/uapi/linux/utsname.h) in one
// write and skips the call, which saves the exit stop.
Verdict Uts::on_entry(tracer::SyscallStop& stop) {
  if (stop.desc.sys == arch::Sys::sethostname) return set_name(stop, true, kProcHostname);
  if (stop.desc.sys == arch::Sys::setdomainname) return set_name(stop, false, kProcDomainname);
  struct utsname u {};
  if (::uname(&u) != 0) return Verdict::resume();
  const auto put = [](char* dst, const std::string& v) {
    std::memset(dst, 0, kUtsLen + 1);
    std::strncpy(dst, v.c_str(), kUtsLen);
  };
  const std::string real_node = u.nodename;
  const UtsNames& n = names(stop.tracee.tgid);
  put(u.nodename, n.hostname);
  put(u.domainname, n.domainname);
  put(u.release, release_);
  static_assert(sizeof(struct utsname) == 6 * 65, "struct new_utsname layout");
  auto bytes = std::as_bytes(std::span(&u, 1));
  if (!stop.memory.write(stop.regs.arg(0), bytes)) return Verdict::deny(EFAULT);
  tracer::annotate(stop, tracer::NoteKind::kEmulated, [&] {
    return "nodename \"" + n.hostname + "\" (real \"" + real_node + "\")";
  });
  return Verdict::skip(0);
}

}  // namespace cocoon::syscalls
