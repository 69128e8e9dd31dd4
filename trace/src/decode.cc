// Argument decoding: by the table's roles first (a path, a dirfd, AT_* and
// open flags, ids, stat buffers), then by the kernel's parameter name for
// the few calls a lesson meets (mmap's prot and flags, clone's flags,
// signals, modes, buffers, uname results). Anything else is a number, in hex
// when it looks like an address.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <optional>

#include <cstdio>
#include <cstring>

#include "cocoon/trace/decode.h"

namespace cocoon::trace {
namespace {

using arch::ArgRole;
using arch::Sys;

// Small numbers in decimal, the rest (addresses, mostly) in hex.
std::string number(std::uint64_t v) {
  const auto s = static_cast<std::int64_t>(v);
  if (s >= -4096 && s < 0x10000) return std::to_string(s);
  return hex(v);
}

std::string id_value(std::uint64_t v) {
  const auto id = static_cast<std::uint32_t>(v);
  return id == 0xffffffffu ? "-1" : std::to_string(id);
}

std::string c_string(const tracer::GuestMemory& memory, std::uint64_t addr) {
  if (addr == 0) return "NULL";
  auto s = memory.read_path(addr);
  return s ? quote(*s, 256) : hex(addr);
}

std::string bytes_at(const tracer::GuestMemory& memory, std::uint64_t addr, std::uint64_t len) {
  if (addr == 0) return "NULL";
  std::string buf(std::min<std::uint64_t>(len, 33), '\0');
  auto got = memory.read_some(addr, std::as_writable_bytes(std::span(buf)));
  if (!got) return hex(addr);
  buf.resize(*got);
  std::string out = quote(buf, 32);
  if (len > 32 && buf.size() <= 32) out += "...";
  return out;
}

template <typename T>
bool read_struct(const tracer::GuestMemory& memory, std::uint64_t addr, T& out) {
  return addr != 0 && memory.read(addr, std::as_writable_bytes(std::span(&out, 1))).has_value();
}

// ["sh", "-c", "echo hi"]: at most 16 strings.
std::string string_array(const tracer::GuestMemory& memory, std::uint64_t addr) {
  if (addr == 0) return "NULL";
  std::string out = "[";
  for (int i = 0;; ++i) {
    std::uint64_t p = 0;
    if (!read_struct(memory, addr + 8 * static_cast<std::uint64_t>(i), p)) return hex(addr);
    if (p == 0) break;
    if (i == 16) {
      out += ", ...";
      break;
    }
    out += (i ? ", " : "") + c_string(memory, p);
  }
  return out + "]";
}

// envp: only how many, as `strace -v` is rarely what a lesson wants.
std::string count_array(const tracer::GuestMemory& memory, std::uint64_t addr) {
  if (addr == 0) return "NULL";
  int n = 0;
  for (std::uint64_t p = 1; n < 4096; ++n) {
    if (!read_struct(memory, addr + 8 * static_cast<std::uint64_t>(n), p)) return hex(addr);
    if (p == 0) break;
  }
  return hex(addr) + " /* " + std::to_string(n) + " vars */";
}

std::string sockaddr_text(const tracer::GuestMemory& memory, std::uint64_t addr,
                          std::uint64_t len) {
  if (addr == 0) return "NULL";
  sockaddr_storage ss{};
  const std::size_t n = std::min<std::uint64_t>(len, sizeof ss);
  if (n < sizeof(sa_family_t) ||
      !memory.read(addr, std::as_writable_bytes(std::span(&ss, 1)).first(n))) {
    return hex(addr);
  }
  if (ss.ss_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
    const std::size_t plen = n - offsetof(sockaddr_un, sun_path);
    std::string_view path(un->sun_path, plen);
    if (!path.empty() && path[0] == '\0') return "{sa_family=AF_UNIX, sun_path=@" + quote(path.substr(1)) + "}";
    path = path.substr(0, path.find('\0'));
    return "{sa_family=AF_UNIX, sun_path=" + quote(path, 108) + "}";
  }
  if (ss.ss_family == AF_INET && n >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
    return "{sa_family=AF_INET, sin_port=htons(" + std::to_string(ntohs(in->sin_port)) +
           "), sin_addr=inet_addr(\"" + ip + "\")}";
  }
  return "{sa_family=" + std::to_string(ss.ss_family) + ", ...}";
}

std::string open_how_text(const tracer::GuestMemory& memory, std::uint64_t addr) {
  open_how how{};
  if (!read_struct(memory, addr, how)) return hex(addr);
  return "{flags=" + open_flags(how.flags) + ", mode=" + file_mode(how.mode) +
         ", resolve=" + hex(how.resolve) + "}";
}

bool is_any(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (name == n) return true;
  }
  return false;
}

// A small enumeration: its name, or the number.
std::string enum_name(std::uint64_t v, std::initializer_list<FlagName> names) {
  for (const FlagName& n : names) {
    if (n.bits == v) return std::string(n.name);
  }
  return std::to_string(static_cast<std::int64_t>(v));
}

// The enumerations a lesson meets, by (call, parameter); nullopt for others.
std::optional<std::string> enum_arg(Sys call, std::string_view arg, std::uint64_t v) {
  if (call == Sys::rt_sigprocmask && arg == "how") {
    return enum_name(v, {{SIG_BLOCK, "SIG_BLOCK"}, {SIG_UNBLOCK, "SIG_UNBLOCK"}, {SIG_SETMASK, "SIG_SETMASK"}});
  }
  if (call == Sys::lseek && arg == "whence") {
    return enum_name(v, {{SEEK_SET, "SEEK_SET"}, {SEEK_CUR, "SEEK_CUR"}, {SEEK_END, "SEEK_END"},
                         {SEEK_DATA, "SEEK_DATA"}, {SEEK_HOLE, "SEEK_HOLE"}});
  }
  if (call == Sys::fcntl && arg == "cmd") {
    return enum_name(v, {{F_DUPFD, "F_DUPFD"}, {F_GETFD, "F_GETFD"}, {F_SETFD, "F_SETFD"},
                         {F_GETFL, "F_GETFL"}, {F_SETFL, "F_SETFL"}, {F_SETLK, "F_SETLK"},
                         {F_SETLKW, "F_SETLKW"}, {F_GETLK, "F_GETLK"},
                         {F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"}});
  }
  if (call == Sys::arch_prctl && arg == "option") {
    return enum_name(v, {{0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"}, {0x1003, "ARCH_GET_FS"},
                         {0x1004, "ARCH_GET_GS"}, {0x3001, "ARCH_CET_STATUS"}});
  }
  if (call == Sys::prctl && arg == "option") {
    return enum_name(v, {{PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG"}, {PR_GET_PDEATHSIG, "PR_GET_PDEATHSIG"},
                         {PR_GET_DUMPABLE, "PR_GET_DUMPABLE"}, {PR_SET_DUMPABLE, "PR_SET_DUMPABLE"},
                         {PR_GET_KEEPCAPS, "PR_GET_KEEPCAPS"}, {PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS"},
                         {PR_SET_NAME, "PR_SET_NAME"}, {PR_GET_NAME, "PR_GET_NAME"},
                         {PR_GET_SECCOMP, "PR_GET_SECCOMP"}, {PR_SET_SECCOMP, "PR_SET_SECCOMP"},
                         {PR_CAPBSET_READ, "PR_CAPBSET_READ"}, {PR_CAPBSET_DROP, "PR_CAPBSET_DROP"},
                         {PR_GET_SECUREBITS, "PR_GET_SECUREBITS"}, {PR_SET_SECUREBITS, "PR_SET_SECUREBITS"},
                         {PR_SET_MM, "PR_SET_MM"},
                         {PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER"},
                         {PR_GET_CHILD_SUBREAPER, "PR_GET_CHILD_SUBREAPER"},
                         {PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"},
                         {PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS"},
                         {PR_SET_THP_DISABLE, "PR_SET_THP_DISABLE"}, {PR_CAP_AMBIENT, "PR_CAP_AMBIENT"},
                         {PR_SET_SYSCALL_USER_DISPATCH, "PR_SET_SYSCALL_USER_DISPATCH"},
                         {0x53564d41, "PR_SET_VMA"}});
  }
  // getrlimit(2)'s resources (include/uapi/asm-generic/resource.h).
  if (arch::is_any(call, {Sys::prlimit64, Sys::getrlimit, Sys::setrlimit}) && arg == "resource") {
    return enum_name(v, {{RLIMIT_CPU, "RLIMIT_CPU"}, {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
                         {RLIMIT_DATA, "RLIMIT_DATA"}, {RLIMIT_STACK, "RLIMIT_STACK"},
                         {RLIMIT_CORE, "RLIMIT_CORE"}, {RLIMIT_RSS, "RLIMIT_RSS"},
                         {RLIMIT_NPROC, "RLIMIT_NPROC"}, {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
                         {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"}, {RLIMIT_AS, "RLIMIT_AS"},
                         {RLIMIT_LOCKS, "RLIMIT_LOCKS"}, {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
                         {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"},
                         {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"}, {RLIMIT_RTTIME, "RLIMIT_RTTIME"}});
  }
  if (arch::is_any(call, {Sys::wait4, Sys::waitid}) && arg == "options") {
    static constexpr FlagName kWait[] = {{WNOHANG, "WNOHANG"},     {WUNTRACED, "WUNTRACED"},
                                         {WEXITED, "WEXITED"},     {WCONTINUED, "WCONTINUED"},
                                         {WNOWAIT, "WNOWAIT"},     {__WNOTHREAD, "__WNOTHREAD"},
                                         {__WALL, "__WALL"},       {__WCLONE, "__WCLONE"}};
    return flag_names(v, kWait);
  }
  if (call == Sys::socket && arg == "family") {
    return enum_name(v, {{AF_UNIX, "AF_UNIX"}, {AF_INET, "AF_INET"}, {AF_INET6, "AF_INET6"},
                         {AF_NETLINK, "AF_NETLINK"}, {AF_PACKET, "AF_PACKET"}});
  }
  if (call == Sys::socket && arg == "type") {
    static constexpr FlagName kSockFlags[] = {{SOCK_NONBLOCK, "SOCK_NONBLOCK"},
                                              {SOCK_CLOEXEC, "SOCK_CLOEXEC"}};
    std::string out = enum_name(v & 0xf, {{SOCK_STREAM, "SOCK_STREAM"}, {SOCK_DGRAM, "SOCK_DGRAM"},
                                          {SOCK_RAW, "SOCK_RAW"}, {SOCK_SEQPACKET, "SOCK_SEQPACKET"}});
    const std::string rest = flag_names(v & ~std::uint64_t{0xf}, kSockFlags, "");
    return rest.empty() ? out : out + "|" + rest;
  }
  return std::nullopt;
}

// An argument without a role, by its kernel name and its call.
std::string by_name(const arch::SyscallDesc& row, int i, const RawArgs& args,
                    const tracer::GuestMemory& memory) {
  const Sys call = row.sys;
  const std::string_view arg = row.arg_names[static_cast<std::size_t>(i)];
  const std::uint64_t v = args[static_cast<std::size_t>(i)];
  if (auto e = enum_arg(call, arg, v)) return *e;
  // O_CLOEXEC and O_NONBLOCK without an access mode (0 is just 0).
  if (arg == "flags" && arch::is_any(call, {Sys::pipe2, Sys::dup3, Sys::eventfd2, Sys::inotify_init1,
                                            Sys::signalfd4, Sys::epoll_create1, Sys::memfd_secret})) {
    return fd_flags(v);
  }
  if (arg == "flags" && call == Sys::mmap) return mmap_flags(v);
  if (arg == "prot") return mmap_prot(v);
  if (arg == "clone_flags" || (call == Sys::unshare && arg == "unshare_flags")) return clone_flags(v);
  if (arg == "mode" && arch::is_any(call, {Sys::access, Sys::faccessat, Sys::faccessat2})) {
    return access_mode(v);
  }
  if (arg == "mode" || arg == "umode") return file_mode(v);
  if ((arg == "sig" || arg == "signum") && call != Sys::rseq) return signal_name(static_cast<int>(v));
  // mount(2): the filesystem type and the data are strings (the data of
  // the usual filesystems is text, "mode=755"; NULL for a bind).
  if (call == Sys::mount && arg == "flags") return mount_flags(v);
  if (call == Sys::mount && (arg == "type" || arg == "data")) return c_string(memory, v);
  if (call == Sys::umount2 && arg == "flags") return umount_flags(v);
  if (arg == "buf" && arch::is_any(call, {Sys::write, Sys::pwrite64})) return bytes_at(memory, v, args[2]);
  if (arg == "argv") return string_array(memory, v);
  if (arg == "envp") return count_array(memory, v);
  if (is_any(arg, {"newname", "oldname", "linkpath", "target", "name"}) &&
      arch::is_any(call, {Sys::symlink, Sys::symlinkat, Sys::sethostname, Sys::setdomainname})) {
    return c_string(memory, v);
  }
  if (is_any(arg, {"error_code", "count", "len", "size", "bufsiz", "usize", "addrlen"})) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  return number(v);
}

}  // namespace

std::vector<std::string> decode_entry(const arch::SyscallDesc& row, const RawArgs& args,
                                      const tracer::GuestMemory& memory) {
  std::vector<std::string> out;
  // open's mode means something only when a file may be created (strace
  // leaves it out otherwise).
  int count = row.arg_count;
  const int oflags = row.arg_index(ArgRole::kOpenFlags);
  if (oflags >= 0 && row.arg_index(ArgRole::kMode) == count - 1 &&
      (args[static_cast<std::size_t>(oflags)] & (O_CREAT | O_TMPFILE)) == 0) {
    --count;
  }
  for (int i = 0; i < count; ++i) {
    const std::uint64_t v = args[static_cast<std::size_t>(i)];
    switch (row.args[static_cast<std::size_t>(i)]) {
      case arch::ArgRole::kPath: out.push_back(c_string(memory, v)); break;
      case arch::ArgRole::kDirfd: out.push_back(dirfd_name(v)); break;
      case arch::ArgRole::kAtFlags: out.push_back(at_flags(v)); break;
      case arch::ArgRole::kOpenFlags: out.push_back(open_flags(v)); break;
      case arch::ArgRole::kOpenHow: out.push_back(open_how_text(memory, v)); break;
      case arch::ArgRole::kPid:
      case arch::ArgRole::kFdIn: out.push_back(std::to_string(static_cast<int>(v))); break;
      case arch::ArgRole::kUid:
      case arch::ArgRole::kGid: out.push_back(id_value(v)); break;
      case arch::ArgRole::kSockaddr:
        out.push_back(sockaddr_text(memory, v, i + 1 < arch::kMaxArgs ? args[static_cast<std::size_t>(i + 1)] : 0));
        break;
      default: out.push_back(by_name(row, i, args, memory)); break;
    }
  }
  return out;
}

namespace {

std::string stat_text(const tracer::GuestMemory& memory, std::uint64_t addr) {
  struct stat st {};
  if (!read_struct(memory, addr, st)) return hex(addr);
  return "{st_mode=" + file_mode(st.st_mode) + ", st_uid=" + std::to_string(st.st_uid) +
         ", st_gid=" + std::to_string(st.st_gid) + ", st_size=" + std::to_string(st.st_size) + "}";
}

std::string statx_text(const tracer::GuestMemory& memory, std::uint64_t addr) {
  struct statx sx {};
  if (!read_struct(memory, addr, sx)) return hex(addr);
  return "{stx_mode=" + file_mode(sx.stx_mode) + ", stx_uid=" + std::to_string(sx.stx_uid) +
         ", stx_gid=" + std::to_string(sx.stx_gid) + ", stx_size=" + std::to_string(sx.stx_size) +
         "}";
}

std::string uname_text(const tracer::GuestMemory& memory, std::uint64_t addr) {
  struct utsname u {};
  if (!read_struct(memory, addr, u)) return hex(addr);
  const auto field = [](const char* s) { return quote(std::string_view(s, strnlen(s, 65))); };
  return "{sysname=" + field(u.sysname) + ", nodename=" + field(u.nodename) +
         ", release=" + field(u.release) + ", ...}";
}

std::string fd_pair(const tracer::GuestMemory& memory, std::uint64_t addr) {
  std::array<int, 2> fds{};
  if (!read_struct(memory, addr, fds)) return hex(addr);
  return "[" + std::to_string(fds[0]) + ", " + std::to_string(fds[1]) + "]";
}

}  // namespace

void decode_outputs(const arch::SyscallDesc& row, const RawArgs& args, std::int64_t result,
                    const tracer::GuestMemory& memory, std::vector<std::string>& out) {
  if (result_errno(result) != 0) return;
  const Sys call = row.sys;
  const auto set = [&](int i, std::string text) {
    if (i >= 0 && static_cast<std::size_t>(i) < out.size()) out[static_cast<std::size_t>(i)] = std::move(text);
  };
  const auto at = [&](int i) { return args[static_cast<std::size_t>(i)]; };
  if (const int i = row.arg_index(ArgRole::kStatBuf); i >= 0) set(i, stat_text(memory, at(i)));
  if (const int i = row.arg_index(ArgRole::kStatxBuf); i >= 0) set(i, statx_text(memory, at(i)));
  if (const int i = row.arg_index(ArgRole::kFdOut); i >= 0) set(i, fd_pair(memory, at(i)));
  if (call == Sys::uname) set(0, uname_text(memory, args[0]));
  if (arch::is_any(call, {Sys::read, Sys::pread64})) {
    set(1, bytes_at(memory, args[1], static_cast<std::uint64_t>(result)));
  }
  if (arch::is_any(call, {Sys::readlink, Sys::readlinkat})) {
    const int i = row.paths[0].path + 1;  // the buffer follows the path
    std::string body(static_cast<std::size_t>(std::min<std::int64_t>(result, 4096)), '\0');
    if (memory.read(at(i), std::as_writable_bytes(std::span(body)))) set(i, quote(body, 256));
  }
  if (call == Sys::getcwd) set(0, c_string(memory, args[0]));
}

}  // namespace cocoon::trace
