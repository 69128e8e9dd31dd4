// Runs seccomp filters in the kernel, in a forked child, so that the tests
// compare cbpf's answers with the kernel's own.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace cocoon::test {

#if defined(__x86_64__)
inline constexpr std::uint32_t kHostAudit = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
inline constexpr std::uint32_t kHostAudit = AUDIT_ARCH_AARCH64;
#else
inline constexpr std::uint32_t kHostAudit = AUDIT_ARCH_RISCV64;
#endif

// A call made under the filters: its number and arguments.
struct Call {
  long nr = 0;
  std::array<std::uint64_t, 6> args{};
};

struct KernelRun {
  // Per filter, 0 if the kernel installed it, else its errno.
  std::vector<int> installed;
  // Per call made: the value the call returned (-errno on failure).
  std::vector<long> results;
  int wait_status = 0;  // the child's
};

// In a child: PR_SET_NO_NEW_PRIVS, each program installed in order (the
// first refused ends the installing), then the calls. The answers go
// through shared memory, since a write(2) would meet the filters.
inline KernelRun run_in_kernel(const std::vector<std::vector<sock_filter>>& progs,
                               const std::vector<Call>& calls) {
  struct Shared {
    int installed[16];
    int done;
    long results[256];
  };
  auto* shared = static_cast<Shared*>(mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                                           MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  KernelRun out;
  if (shared == MAP_FAILED) return out;
  shared->done = 0;
  const pid_t pid = fork();
  if (pid == 0) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(100);
    for (std::size_t i = 0; i < progs.size() && i < 16; ++i) {
      sock_fprog fprog{static_cast<unsigned short>(progs[i].size()),
                       const_cast<sock_filter*>(progs[i].data())};
      const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
      shared->installed[i] = r == 0 ? 0 : errno;
      shared->done = static_cast<int>(i) + 1;
      if (r != 0) break;
    }
    for (std::size_t i = 0; i < calls.size() && i < 256; ++i) {
      const auto& a = calls[i].args;
      const long r = syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      shared->results[i] = r == -1 ? -errno : r;
    }
    _exit(0);
  }
  waitpid(pid, &out.wait_status, 0);
  out.installed.assign(shared->installed, shared->installed + shared->done);
  if (WIFEXITED(out.wait_status) && WEXITSTATUS(out.wait_status) == 0) {
    out.results.assign(shared->results, shared->results + std::min<std::size_t>(calls.size(), 256));
  }
  munmap(shared, sizeof(Shared));
  return out;
}

inline seccomp_data data_of(const Call& c) {
  seccomp_data d{};
  d.nr = static_cast<int>(c.nr);
  d.arch = kHostAudit;
  for (int i = 0; i < 6; ++i) d.args[i] = c.args[static_cast<std::size_t>(i)];
  return d;
}

}  // namespace cocoon::test
