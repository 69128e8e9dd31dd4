// The kernel probe: each feature asked for the way a program that wants it
// would ask, reading the errno that tells "unknown to this kernel" from
// "known, but these arguments are wrong". Nothing is decided on uname's
// release, which distributions' backports make meaningless.
#include "cocoon/arch/kernel.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace cocoon::arch {
namespace {

constexpr long kSetSyscallInfo = 0x4212;   // PTRACE_SET_SYSCALL_INFO, Linux 6.16
constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD (linux/pidfd.h, 6.9)

long sys_seccomp(unsigned op, unsigned flags, void* arg) { return ::syscall(SYS_seccomp, op, flags, arg); }

bool action_available(std::uint32_t action) {
  return sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

// seccomp(SET_MODE_FILTER, flags, NULL) checks the flags before it reads
// the program (kernel/seccomp.c, seccomp_set_mode_filter): EINVAL for a
// flag it does not know, EFAULT for the NULL program when it knows them
// all. libseccomp probes flags the same way (src/system.c).
bool filter_flags_known(unsigned flags) {
  return sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, nullptr) < 0 && errno == EFAULT;
}

// A syscall that exists answers a bad argument with something other than
// ENOSYS.
bool exists(long r) { return r >= 0 || errno != ENOSYS; }

bool pidfd_opens(pid_t pid, unsigned flags) {
  const long fd = ::syscall(SYS_pidfd_open, pid, flags);
  if (fd < 0) return false;
  ::close(static_cast<int>(fd));
  return true;
}

// In the probe's child (which then carries a filter on itself): a listener
// of an allow-everything filter, asked to add a descriptor to a
// notification that does not exist, with SECCOMP_ADDFD_FLAG_SEND as
// cocoon's notifier sends them. ENOENT: both are known
// (seccomp_notify_addfd, kernel/seccomp.c, checks the flags first and
// looks the id up last); before 5.14 the flag is EINVAL, before 5.9 the
// ioctl.
bool addfd_known_here() {
  sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog prog{1, &allow};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  const long fd = sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (fd < 0) return false;
  seccomp_notif_addfd add{};
  add.id = 0;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = static_cast<std::uint32_t>(fd);
  const bool known = ::ioctl(static_cast<int>(fd), SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno == ENOENT;
  ::close(static_cast<int>(fd));
  return known;
}

// The probe's child: first the ADDFD probe when asked (its answer, one
// byte, on `answer`), then a SIGSTOP once its parent has seized it (a
// byte on `go`). One child for both: each fork of cocoon copies its
// mappings, and on a loaded machine each new task waits for a CPU
// (docs/benchmark.md, "cocoon's own start").
[[noreturn]] void probe_child(pid_t parent, bool addfd, int answer, int go) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  if (addfd) {
    const char known = addfd_known_here() ? 1 : 0;
    if (::write(answer, &known, 1) != 1) ::_exit(1);
  }
  ::close(answer);
  char c = 0;
  if (::read(go, &c, 1) != 1) ::_exit(0);  // cocoon gone, or no seize
  ::raise(SIGSTOP);
  ::_exit(0);
}

// The two ptrace requests, asked of a stopped child of ours with a zero
// size: PTRACE_GET_SYSCALL_INFO answers the size it would write (5.3+),
// PTRACE_SET_SYSCALL_INFO EINVAL for the short size (6.16+); a request the
// kernel does not know is EIO (kernel/ptrace.c, ptrace_request()). With
// `addfd`, the child answers the ADDFD probe first (k.notif_addfd).
//
// The child stops itself (SIGSTOP, a signal-delivery stop its tracer sees)
// once seized, told so through a pipe: under a cocoon that emulates ptrace
// (cocoon run inside cocoon run) a PTRACE_INTERRUPT of a child fresh from
// its fork was sometimes never reported, and the inner cocoon waited for
// ever. Nor may the child outlive cocoon: killed before the seize, cocoon
// closes the pipe and the child ends at its EOF; after it, EXITKILL kills
// it (ptrace's exit would otherwise detach it, paused for ever: a SIGKILL
// of cocoon at its start once left one).
void probe_child_features(KernelFeatures& k, bool addfd) {
  int go[2], answer[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return;
  if (::pipe2(answer, O_CLOEXEC) != 0) {
    ::close(go[0]);
    ::close(go[1]);
    return;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    ::close(answer[0]);
    probe_child(parent, addfd, answer[1], go[0]);
  }
  ::close(go[0]);
  ::close(answer[1]);
  if (pid < 0) {
    ::close(go[1]);
    ::close(answer[0]);
    return;
  }
  char known = 0;
  ssize_t n = 0;
  while (addfd && (n = ::read(answer[0], &known, 1)) < 0 && errno == EINTR) {
  }
  if (addfd) k.notif_addfd = n == 1 && known == 1;
  ::close(answer[0]);
  int status = 0;
  // A tracer above that emulates ptrace may refuse the option (EPERM, its
  // answer for an option it does not implement): then without it.
  k.trace_seccomp = ::ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP) == 0;
  const bool seized = k.trace_seccomp ||
                      (errno == EPERM && ::ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL) == 0);
  if (seized && ::write(go[1], "g", 1) == 1 && ::waitpid(pid, &status, __WALL) == pid &&
      WIFSTOPPED(status)) {
    k.ptrace_probed = true;
    k.get_syscall_info = ::ptrace(PTRACE_GET_SYSCALL_INFO, pid, 0, nullptr) >= 0;
    k.set_syscall_info = ::ptrace(static_cast<__ptrace_request>(kSetSyscallInfo), pid, 0, nullptr) < 0 &&
                         errno == EINVAL;
  }
  ::close(go[1]);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
}

// COCOON_TEST_KERNEL=name,...: those features off.
void turn_off(KernelFeatures& k, const char* list) {
  std::istringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name == "landlock") k.landlock_abi = 0;
    if (name == "landlock_scope" && k.landlock_abi > 5) k.landlock_abi = 5;  // before 6.12
    if (name == "seccomp_filter") k.seccomp_filter = false;
    if (name == "user_notif") k.user_notif = false;
    if (name == "notif_addfd") k.notif_addfd = false;
    if (name == "wait_killable_recv") k.wait_killable_recv = false;
    if (name == "pidfd_open") k.pidfd_open = false;
    if (name == "pidfd_getfd") k.pidfd_getfd = false;
    if (name == "pidfd_thread") k.pidfd_thread = false;
    if (name == "openat2") k.openat2 = false;
    if (name == "get_syscall_info") k.get_syscall_info = false;
    if (name == "set_syscall_info") k.set_syscall_info = false;
    if (name == "trace_seccomp") k.trace_seccomp = false;
  }
}

}  // namespace

KernelFeatures probe_kernel() {
  KernelFeatures k;
  utsname u{};
  if (::uname(&u) == 0) k.release = u.release;
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  k.landlock_abi = abi > 0 ? static_cast<int>(abi) : 0;
  k.seccomp_filter = action_available(SECCOMP_RET_TRACE);
  k.user_notif = action_available(SECCOMP_RET_USER_NOTIF) &&
                 filter_flags_known(SECCOMP_FILTER_FLAG_NEW_LISTENER);
  k.wait_killable_recv = k.user_notif && filter_flags_known(SECCOMP_FILTER_FLAG_NEW_LISTENER |
                                                            SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  k.pidfd_open = pidfd_opens(::getpid(), 0);
  k.pidfd_thread = pidfd_opens(static_cast<pid_t>(::syscall(SYS_gettid)), kPidfdThread);
  k.pidfd_getfd = exists(::syscall(SYS_pidfd_getfd, -1, 0, 0));
  // A size below struct open_how's first version: EINVAL where it exists.
  k.openat2 = exists(::syscall(SYS_openat2, AT_FDCWD, "", nullptr, 0));
  probe_child_features(k, k.user_notif);  // ptrace, and ADDFD where notifications exist
  return k;
}

const KernelFeatures& kernel_features() {
  static const KernelFeatures k = [] {
    KernelFeatures probed = probe_kernel();
    if (const char* off = std::getenv("COCOON_TEST_KERNEL")) turn_off(probed, off);
    return probed;
  }();
  return k;
}

bool can_notify(const KernelFeatures& k) {
  return k.user_notif && k.notif_addfd && k.wait_killable_recv && k.pidfd_getfd;
}

bool filter_stops_reported(const KernelFeatures& k) { return k.trace_seccomp || !k.ptrace_probed; }

bool can_set_arg0(const KernelFeatures& k, Arch arch) {
  return arch != Arch::kRiscv64 || k.set_syscall_info;
}

std::optional<std::string> missing_for_run(const KernelFeatures& k, bool seccomp) {
  if (k.ptrace_probed && !k.get_syscall_info) {
    return "this kernel has no PTRACE_GET_SYSCALL_INFO (Linux 5.3), which cocoon reads every "
           "stop with (see cocoon doctor)";
  }
  if (seccomp && !k.seccomp_filter) {
    return "this kernel has no seccomp filter with SECCOMP_RET_TRACE (CONFIG_SECCOMP_FILTER): "
           "run with --no-seccomp (see cocoon doctor)";
  }
  return std::nullopt;
}

namespace {

// "name        yes  what it means": one row of describe_kernel.
std::string row(const char* name, bool has, const std::string& meaning) {
  std::string out = name;
  out.resize(std::max<std::size_t>(out.size() + 1, 26), ' ');
  return out + (has ? "yes  " : "no   ") + meaning;
}

std::string landlock_row(const KernelFeatures& k) {
  if (k.landlock_abi == 0) {
    return row("landlock", false,
               "(Linux 5.13) a view (-r, binds) is held by path rewriting alone: open to the "
               "symlink-swap race; abstract sockets under --unshare-net by translation alone");
  }
  std::string m = "ABI " + std::to_string(k.landlock_abi) + ": the kernel checks every path against the view";
  if (k.landlock_abi < 3) m += "; truncate(2) not covered (ABI 3, Linux 6.2)";
  if (k.landlock_abi < 6) {
    m += "; abstract sockets under --unshare-net by translation alone (ABI 6, Linux 6.12)";
  } else {
    m += " and scopes abstract sockets under --unshare-net";
  }
  return row("landlock", true, m);
}

std::string notify_row(const KernelFeatures& k, Arch arch) {
  const bool used = can_notify(k);
  std::string m;
  // pidfd_getfd is answered with a descriptor cocoon took itself, which
  // only a notification can install (docs/threat-model.md).
  const std::string getfd = "; pidfd_getfd only under Landlock, EPERM elsewhere";
  if (arch != Arch::kX86_64) {
    m = "not used on " + std::string(name(arch)) + " (notified calls stop instead" + getfd + ")";
  } else if (used) {
    m = "identity and metadata calls and pidfd_getfd answered without a stop";
  } else {
    m = "needs WAIT_KILLABLE_RECV, ADDFD and pidfd_getfd: those calls stop instead (slower, "
        "same answers" + getfd + ")";
  }
  return row("seccomp user notification", k.user_notif, m);
}

}  // namespace

std::vector<std::string> describe_kernel(const KernelFeatures& k, Arch arch) {
  std::vector<std::string> out;
  out.push_back("kernel " + k.release + " (" + std::string(name(arch)) + "), as probed:");
  out.push_back(row("PTRACE_GET_SYSCALL_INFO", k.get_syscall_info,
                    k.ptrace_probed ? "(Linux 5.3) required: every stop is read with it"
                                    : "not probed: this process may not trace a child"));
  out.push_back(row("seccomp filter", k.seccomp_filter,
                    k.seccomp_filter ? "untouched calls run without a stop"
                                     : "(CONFIG_SECCOMP_FILTER) only --no-seccomp runs"));
  out.push_back(landlock_row(k));
  out.push_back(notify_row(k, arch));
  out.push_back(row("  NOTIF_ADDFD", k.notif_addfd,
                    "(Linux 5.14 with FLAG_SEND) a descriptor placed in the guest as the answer"));
  out.push_back(row("  WAIT_KILLABLE_RECV", k.wait_killable_recv,
                    "(Linux 5.19) a received call is never aborted by a signal and made again"));
  out.push_back(row("pidfd_getfd", k.pidfd_getfd,
                    "(Linux 5.6) the guest's descriptors taken directly; else through /proc"));
  out.push_back(row("PIDFD_THREAD", k.pidfd_thread,
                    "(Linux 6.9) a thread's own descriptor table; else the process's"));
  out.push_back(row("openat2", k.openat2, "(Linux 5.6) the guest's openat2 (ENOSYS without, as natively)"));
  const bool riscv = arch == Arch::kRiscv64;
  out.push_back(row("PTRACE_SET_SYSCALL_INFO", k.set_syscall_info,
                    !riscv ? "not needed on " + std::string(name(arch)) + ": arg0 is a register cocoon writes"
                    : k.set_syscall_info ? "arg0 paths rewritten in the register"
                                         : "(Linux 6.16) arg0 paths written in place and restored, "
                                           "execve made execveat"));
  if (!filter_stops_reported(k)) {
    out.push_back(row("PTRACE_O_TRACESECCOMP", false,
                      "refused by the tracer above (cocoon run --no-seccomp): runs go without "
                      "the seccomp filter, as --no-seccomp"));
  }
  const auto missing = missing_for_run(k, true);
  const auto missing_noseccomp = missing_for_run(k, false);
  if (!missing) {
    out.push_back("cocoon runs on this kernel.");
  } else if (!missing_noseccomp) {
    out.push_back("cocoon runs on this kernel with --no-seccomp only: " + *missing);
  } else {
    out.push_back("cocoon cannot run on this kernel: " + *missing_noseccomp);
  }
  return out;
}

}  // namespace cocoon::arch
