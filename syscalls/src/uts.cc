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

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// __NEW_UTS_LEN of include/uapi/linux/utsname.h.
constexpr std::size_t kUtsLen = 64;

}  // namespace

Uts::Uts(UtsConfig config, std::shared_ptr<const GuestView> view,
         std::shared_ptr<IdentityState> identity)
    : view_(std::move(view)), identity_(std::move(identity)) {
  struct utsname u {};
  ::uname(&u);
  hostname_ = config.hostname.value_or(u.nodename);
  domainname_ = config.domainname.value_or(u.domainname);
  release_ = config.release.value_or(u.release);
}

Decision Uts::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const bool ours = row.name == "uname" || row.name == "sethostname" || row.name == "setdomainname";
  if (!ours) return Decision::allow();
  // The i386 ABI's struct new_utsname has the same layout, but i386 decoding
  // of pointers is not wired up yet: refuse rather than leak the host's name.
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  return Decision::trace();
}

// CAP_SYS_ADMIN over the (one) UTS namespace: the emulated root's with -0;
// without identity emulation the real user's, which cocoon's own euid says.
bool Uts::privileged(const tracer::SyscallStop& stop) const {
  if (identity_) return identity_->of(stop.tracee.tgid).privileged();
  return ::geteuid() == 0;
}

// sethostname(2)/setdomainname(2) (kernel/sys.c): EPERM without the
// capability, EINVAL for a length outside 0..64, EFAULT for the buffer.
Verdict Uts::set_name(tracer::SyscallStop& stop, std::string& field, const char* proc) {
  if (!privileged(stop)) return Verdict::deny(EPERM);
  const auto len = static_cast<std::int64_t>(static_cast<std::int32_t>(stop.regs.arg(1)));
  if (len < 0 || static_cast<std::size_t>(len) > kUtsLen) return Verdict::deny(EINVAL);
  std::string name(static_cast<std::size_t>(len), '\0');
  if (len && !stop.memory.read(stop.regs.arg(0),
                               std::as_writable_bytes(std::span(name.data(), name.size())))) {
    return Verdict::deny(EFAULT);
  }
  field = name.substr(0, name.find('\0'));
  if (view_) {
    const auto& files = view_->generated_files();
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
  if (stop.desc.name == "sethostname") return set_name(stop, hostname_, kProcHostname);
  if (stop.desc.name == "setdomainname") return set_name(stop, domainname_, kProcDomainname);
  struct utsname u {};
  if (::uname(&u) != 0) return Verdict::resume();
  const auto put = [](char* dst, const std::string& v) {
    std::memset(dst, 0, kUtsLen + 1);
    std::strncpy(dst, v.c_str(), kUtsLen);
  };
  const std::string real_node = u.nodename;
  put(u.nodename, hostname_);
  put(u.domainname, domainname_);
  put(u.release, release_);
  static_assert(sizeof(struct utsname) == 6 * 65, "struct new_utsname layout");
  auto bytes = std::as_bytes(std::span(&u, 1));
  if (!stop.memory.write(stop.regs.arg(0), bytes)) return Verdict::deny(EFAULT);
  tracer::annotate(stop, tracer::NoteKind::kEmulated, [&] {
    return "nodename \"" + hostname_ + "\" (real \"" + real_node + "\")";
  });
  return Verdict::skip(0);
}

}  // namespace cocoon::syscalls
