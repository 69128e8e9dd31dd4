// Reading and writing a stopped tracee's memory. One process_vm_readv or
// writev per access; PTRACE_PEEKDATA/POKEDATA only on kernels without
// CONFIG_CROSS_MEMORY_ATTACH, and for write_force().
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>

namespace cocoon::tracer {

// A call the tracer answers from a seccomp user notification: the task is
// blocked in the kernel, not stopped, and had it died its number could have
// gone to another process before cocoon read "its" memory (seccomp_unotify(2),
// NOTES). A number is free again only once its task is reaped, and a task
// cocoon traces is reaped by cocoon's own waitpid() (a traced task stays a
// zombie until its tracer has waited for it, kernel/exit.c): `reaps` counts
// those, and `reaps_seen` is the count read before the notification was
// received. Unchanged, no task has been freed since the call was made, so
// the number is still the caller's; changed (some task exited meanwhile),
// each access is confirmed with SECCOMP_IOCTL_NOTIF_ID_VALID and fails with
// ESRCH once the notification is gone. Without `reaps`, every access is:
// the tracer leaves it out where the count proves nothing (Tracer::answer:
// a task it does not trace, a guest that has made threads). The count
// moves just after waitpid() has freed the number; a newcomer in between
// would need the kernel's cyclic pid allocator to wrap around first.
struct NotificationRef {
  int listener = -1;
  std::uint64_t id = 0;
  const std::atomic<std::uint64_t>* reaps = nullptr;
  std::uint64_t reaps_seen = 0;
};

class GuestMemory {
 public:
  explicit GuestMemory(pid_t tid) : tid_(tid) {}
  GuestMemory(pid_t tid, NotificationRef n) : tid_(tid), notification_(n) {}

  // Reads up to out.size() bytes; returns how many were readable before the
  // first unmapped page (0 and EFAULT if none).
  std::expected<std::size_t, int> read_some(std::uint64_t addr, std::span<std::byte> out) const;
  // Reads exactly out.size() bytes or fails with EFAULT.
  std::expected<void, int> read(std::uint64_t addr, std::span<std::byte> out) const;
  // Writes with the guest's own rights, as the kernel writes a syscall's
  // output: EFAULT where the guest could not write (read-only or unmapped).
  std::expected<void, int> write(std::uint64_t addr, std::span<const std::byte> data) const;
  // Writes through PTRACE_POKEDATA, which (FOLL_FORCE, like a debugger's
  // breakpoint) also writes read-only and even PROT_NONE mappings: only for
  // memory the tracer itself owns in the guest, never for a guest's buffer.
  std::expected<void, int> write_force(std::uint64_t addr, std::span<const std::byte> data) const;

  // Reads a NUL-terminated path the way the kernel's getname() does
  // (fs/namei.c, strncpy_from_user with PATH_MAX): EFAULT when the pointer or
  // any byte before the NUL is unmapped, ENAMETOOLONG when no NUL lies within
  // PATH_MAX bytes. An empty string is returned as is: ENOENT versus
  // AT_EMPTY_PATH is the caller's business.
  std::expected<std::string, int> read_path(std::uint64_t addr) const;

  pid_t tid() const { return tid_; }

 private:
  // read_some() without the notification's confirmation.
  std::expected<std::size_t, int> read_unconfirmed(std::uint64_t addr,
                                                   std::span<std::byte> out) const;
  std::expected<std::size_t, int> peek_some(std::uint64_t addr, std::span<std::byte> out) const;
  std::expected<void, int> poke(std::uint64_t addr, std::span<const std::byte> data) const;
  bool still_valid() const;
  pid_t tid_;
  NotificationRef notification_;
  mutable bool validated_ = false;  // an ioctl confirmed the notification
};

}  // namespace cocoon::tracer
