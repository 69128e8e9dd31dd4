#include "uts.h"

#include <sys/utsname.h>

#include <cerrno>
#include <cstring>
#include <span>

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

Decision Uts::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (row.name != "uname") return Decision::allow();
  // The i386 ABI's struct new_utsname has the same layout, but i386 decoding
  // of pointers is not wired up yet: refuse rather than leak the host's name.
  if (abi == arch::Arch::kI386) return Decision::fail(ENOSYS);
  return Decision::trace();
}

// Emulated at entry, not fixed up at exit: the tracer fills the guest's
// struct new_utsname (six 65-byte fields, include/uapi/linux/utsname.h) in one
// write and skips the call, which saves the exit stop.
Verdict Uts::on_entry(tracer::SyscallStop& stop) {
  struct utsname u {};
  if (::uname(&u) != 0) return Verdict::resume();
  std::memset(u.nodename, 0, sizeof u.nodename);
  std::strncpy(u.nodename, hostname_.c_str(), sizeof u.nodename - 1);
  static_assert(sizeof(struct utsname) == 6 * 65, "struct new_utsname layout");
  auto bytes = std::as_bytes(std::span(&u, 1));
  if (!stop.memory.write(stop.regs.arg(0), bytes)) return Verdict::deny(EFAULT);
  return Verdict::skip(0);
}

}  // namespace cocoon::syscalls
