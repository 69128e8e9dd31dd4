// Names of flag words, errnos and signals, and the quoting of strings.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "cocoon/trace/decode.h"

namespace cocoon::trace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

namespace {

// The kernel's O_LARGEFILE, which glibc defines as 0 on 64-bit hosts
// (arch::o_largefile).
constexpr std::uint64_t kLargefile = arch::o_largefile(arch::host_arch());

constexpr FlagName kOpenFlags[] = {
    {O_CREAT, "O_CREAT"},       {O_EXCL, "O_EXCL"},         {O_NOCTTY, "O_NOCTTY"},
    {O_TRUNC, "O_TRUNC"},       {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"},
    {O_SYNC, "O_SYNC"},         {O_DSYNC, "O_DSYNC"},       {O_ASYNC, "O_ASYNC"},
    {O_DIRECT, "O_DIRECT"},     {kLargefile, "O_LARGEFILE"},
    {O_TMPFILE, "O_TMPFILE"},   {O_DIRECTORY, "O_DIRECTORY"},
    {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},   {O_CLOEXEC, "O_CLOEXEC"},
    {O_PATH, "O_PATH"},
};

constexpr FlagName kAtFlags[] = {
    {AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {AT_REMOVEDIR, "AT_REMOVEDIR"},
    {AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},     {AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
    {AT_EMPTY_PATH, "AT_EMPTY_PATH"},             {0x2000, "AT_STATX_FORCE_SYNC"},
    {0x4000, "AT_STATX_DONT_SYNC"},               {0x8000, "AT_RECURSIVE"},
};

constexpr FlagName kProt[] = {
    {PROT_READ, "PROT_READ"},           {PROT_WRITE, "PROT_WRITE"},
    {PROT_EXEC, "PROT_EXEC"},           {PROT_GROWSDOWN, "PROT_GROWSDOWN"},
    {PROT_GROWSUP, "PROT_GROWSUP"},
};

// MAP_SHARED, MAP_PRIVATE and MAP_SHARED_VALIDATE are a 2-bit type field
// (MAP_TYPE), named before the flags.
constexpr FlagName kMapFlags[] = {
    {MAP_FIXED, "MAP_FIXED"},         {MAP_ANONYMOUS, "MAP_ANONYMOUS"},
#ifdef MAP_32BIT
    {MAP_32BIT, "MAP_32BIT"},
#endif
    {MAP_GROWSDOWN, "MAP_GROWSDOWN"}, {MAP_DENYWRITE, "MAP_DENYWRITE"},
    {MAP_EXECUTABLE, "MAP_EXECUTABLE"}, {MAP_LOCKED, "MAP_LOCKED"},
    {MAP_NORESERVE, "MAP_NORESERVE"}, {MAP_POPULATE, "MAP_POPULATE"},
    {MAP_NONBLOCK, "MAP_NONBLOCK"},   {MAP_STACK, "MAP_STACK"},
    {MAP_HUGETLB, "MAP_HUGETLB"},     {0x80000, "MAP_SYNC"},
    {0x100000, "MAP_FIXED_NOREPLACE"},
};

constexpr FlagName kCloneFlags[] = {
    {CLONE_VM, "CLONE_VM"},
    {CLONE_FS, "CLONE_FS"},
    {CLONE_FILES, "CLONE_FILES"},
    {CLONE_SIGHAND, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"},
    {CLONE_PTRACE, "CLONE_PTRACE"},
    {CLONE_VFORK, "CLONE_VFORK"},
    {CLONE_PARENT, "CLONE_PARENT"},
    {CLONE_THREAD, "CLONE_THREAD"},
    {CLONE_NEWNS, "CLONE_NEWNS"},
    {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
    {CLONE_SETTLS, "CLONE_SETTLS"},
    {CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
    {CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
    {CLONE_DETACHED, "CLONE_DETACHED"},
    {CLONE_UNTRACED, "CLONE_UNTRACED"},
    {CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    {CLONE_NEWUTS, "CLONE_NEWUTS"},
    {CLONE_NEWIPC, "CLONE_NEWIPC"},
    {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWPID, "CLONE_NEWPID"},
    {CLONE_NEWNET, "CLONE_NEWNET"},
    {CLONE_IO, "CLONE_IO"},
};

constexpr FlagName kAccess[] = {{R_OK, "R_OK"}, {W_OK, "W_OK"}, {X_OK, "X_OK"}};

// mount(2)'s flags, in the kernel's bit order (include/uapi/linux/mount.h).
// MS_REC is a modifier of MS_BIND and the propagation types.
constexpr FlagName kMountFlags[] = {
    {MS_RDONLY, "MS_RDONLY"},         {MS_NOSUID, "MS_NOSUID"},
    {MS_NODEV, "MS_NODEV"},           {MS_NOEXEC, "MS_NOEXEC"},
    {MS_SYNCHRONOUS, "MS_SYNCHRONOUS"}, {MS_REMOUNT, "MS_REMOUNT"},
    {MS_MANDLOCK, "MS_MANDLOCK"},     {MS_DIRSYNC, "MS_DIRSYNC"},
    {MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"}, {MS_NOATIME, "MS_NOATIME"},
    {MS_NODIRATIME, "MS_NODIRATIME"}, {MS_BIND, "MS_BIND"},
    {MS_MOVE, "MS_MOVE"},             {MS_REC, "MS_REC"},
    {MS_SILENT, "MS_SILENT"},         {MS_POSIXACL, "MS_POSIXACL"},
    {MS_UNBINDABLE, "MS_UNBINDABLE"}, {MS_PRIVATE, "MS_PRIVATE"},
    {MS_SLAVE, "MS_SLAVE"},           {MS_SHARED, "MS_SHARED"},
    {MS_RELATIME, "MS_RELATIME"},     {MS_KERNMOUNT, "MS_KERNMOUNT"},
    {MS_I_VERSION, "MS_I_VERSION"},   {MS_STRICTATIME, "MS_STRICTATIME"},
    {MS_LAZYTIME, "MS_LAZYTIME"},
};

// umount2(2)'s flags.
constexpr FlagName kUmountFlags[] = {{MNT_FORCE, "MNT_FORCE"},
                                     {MNT_DETACH, "MNT_DETACH"},
                                     {MNT_EXPIRE, "MNT_EXPIRE"},
                                     {UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW"}};

}  // namespace

std::string flag_names(std::uint64_t v, std::span<const FlagName> table, std::string_view zero) {
  if (v == 0) return std::string(zero);
  std::string out;
  for (const FlagName& f : table) {
    if (f.bits != 0 && (v & f.bits) == f.bits) {
      if (!out.empty()) out += '|';
      out += f.name;
      v &= ~f.bits;
    }
  }
  if (v != 0) {
    if (!out.empty()) out += '|';
    out += hex(v);
  }
  return out;
}

std::string open_flags(std::uint64_t v) {
  // The access mode is a 2-bit number, not flags; O_RDONLY is 0.
  static constexpr std::array<std::string_view, 4> kModes = {"O_RDONLY", "O_WRONLY", "O_RDWR",
                                                             "O_ACCMODE"};
  std::string out(kModes[v & O_ACCMODE]);
  // O_SYNC includes O_DSYNC's bit and O_TMPFILE O_DIRECTORY's: the table
  // lists the wider one first, so the narrower shows only when alone.
  const std::string rest = flag_names(v & ~static_cast<std::uint64_t>(O_ACCMODE), kOpenFlags, "");
  if (!rest.empty()) out += "|" + rest;
  return out;
}

std::string fd_flags(std::uint64_t v) { return flag_names(v, kOpenFlags); }

std::string at_flags(std::uint64_t v) { return flag_names(v & 0xffffffffu, kAtFlags); }

std::string dirfd_name(std::uint64_t v) {
  const int fd = static_cast<int>(v);
  return fd == AT_FDCWD ? "AT_FDCWD" : std::to_string(fd);
}

std::string mmap_prot(std::uint64_t v) { return flag_names(v, kProt, "PROT_NONE"); }

std::string mmap_flags(std::uint64_t v) {
  static constexpr std::array<std::string_view, 4> kTypes = {"0", "MAP_SHARED", "MAP_PRIVATE",
                                                             "MAP_SHARED_VALIDATE"};
  std::string out(kTypes[v & 3]);
  const std::string rest = flag_names(v & ~std::uint64_t{0xf}, kMapFlags, "");
  if (!rest.empty()) out += "|" + rest;
  return out;
}

std::string clone_flags(std::uint64_t v) {
  // The low byte is the signal the parent gets when the child exits.
  const int sig = static_cast<int>(v & 0xff);
  std::string out = flag_names(v & ~std::uint64_t{0xff}, kCloneFlags, "");
  if (sig != 0) out += (out.empty() ? "" : "|") + signal_name(sig);
  return out.empty() ? "0" : out;
}

std::string access_mode(std::uint64_t v) { return flag_names(v, kAccess, "F_OK"); }

std::string mount_flags(std::uint64_t v) {
  // Before Linux 2.4 the top 16 bits had to be the magic 0xC0ED; the kernel
  // still drops them when they are (do_mount(), fs/namespace.c; mount(2)).
  std::string out;
  if ((v & MS_MGC_MSK) == MS_MGC_VAL) {
    out = "MS_MGC_VAL";
    v &= ~std::uint64_t{MS_MGC_MSK};
    if (v == 0) return out;
    out += "|";
  }
  return out + flag_names(v & 0xffffffffu, kMountFlags);
}

std::string umount_flags(std::uint64_t v) { return flag_names(v & 0xffffffffu, kUmountFlags); }

std::string file_mode(std::uint64_t v) {
  static constexpr FlagName kTypes[] = {
      {S_IFSOCK, "S_IFSOCK"}, {S_IFLNK, "S_IFLNK"}, {S_IFREG, "S_IFREG"}, {S_IFBLK, "S_IFBLK"},
      {S_IFDIR, "S_IFDIR"},   {S_IFCHR, "S_IFCHR"}, {S_IFIFO, "S_IFIFO"}};
  std::string out;
  for (const FlagName& t : kTypes) {
    if ((v & S_IFMT) == t.bits) out = std::string(t.name) + "|";
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#04llo", static_cast<unsigned long long>(v & 07777));
  return out + buf;
}

namespace {

// The kernel's own restart codes (include/linux/errno.h), which a tracer
// sees at the exit stop of a call a signal interrupted; user space never
// does, so libc has no names for them.
const char* restart_name(int err) {
  switch (err) {
    case 512: return "ERESTARTSYS";
    case 513: return "ERESTARTNOINTR";
    case 514: return "ERESTARTNOHAND";
    case 515: return "ENOIOCTLCMD";
    case 516: return "ERESTART_RESTARTBLOCK";
  }
  return nullptr;
}

}  // namespace

std::string errno_name(int err) {
  // strerrorname_np: glibc 2.32+.
  if (const char* n = strerrorname_np(err)) return n;
  if (const char* n = restart_name(err)) return n;
  return "E" + std::to_string(err);
}

std::string signal_name(int sig) {
  // sigabbrev_np: glibc 2.32+; real-time signals have no abbreviation.
  if (const char* n = sigabbrev_np(sig)) return std::string("SIG") + n;
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRT_" + std::to_string(sig - SIGRTMIN);
  return "SIG" + std::to_string(sig);
}

std::string quote(std::string_view bytes, std::size_t max) {
  std::string out = "\"";
  const std::size_t n = std::min(bytes.size(), max);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  if (bytes.size() > max) out += "...";
  return out;
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 (RFC 3629:
// no overlongs, no surrogates, nothing past U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;  // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;
    if (c == 0xf4 && b(1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

std::string json_string(std::string_view bytes) {
  std::string out = "\"";
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    const std::size_t len = utf8_length(bytes, i);
    if (len > 1) {
      out.append(bytes.substr(i, len));
      i += len;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || len == 0) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + '"';
}

int result_errno(std::int64_t result) {
  return result < 0 && result >= -4095 ? static_cast<int>(-result) : 0;
}

std::string result_text(arch::RetRole ret, std::int64_t result) {
  if (int err = result_errno(result)) {
    // strace's form: the call will be restarted, its result is not final.
    if (restart_name(err) != nullptr) return "? " + errno_name(err) + " (to be restarted)";
    return "-1 " + errno_name(err) + " (" + strerror(err) + ")";
  }
  // Addresses in hex, as strace prints them.
  if (ret == arch::RetRole::kAddr) {
    return hex(static_cast<std::uint64_t>(result));
  }
  return std::to_string(result);
}

}  // namespace cocoon::trace
