// The teaching view's decoder: flag words, names, quoting, JSON escaping,
// and arguments read from memory (this process's own, through the same
// GuestMemory the tracer uses on a tracee).
#include "cocoon/trace/decode.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

namespace cocoon::trace {
namespace {

TEST(Flags, OpenFlags) {
  EXPECT_EQ(open_flags(O_RDONLY), "O_RDONLY");
  EXPECT_EQ(open_flags(O_RDONLY | O_CLOEXEC), "O_RDONLY|O_CLOEXEC");
  EXPECT_EQ(open_flags(O_WRONLY | O_CREAT | O_TRUNC), "O_WRONLY|O_CREAT|O_TRUNC");
  EXPECT_EQ(open_flags(O_RDWR | O_DIRECTORY | O_NOFOLLOW), "O_RDWR|O_DIRECTORY|O_NOFOLLOW");
  // O_SYNC contains O_DSYNC's bit, O_TMPFILE O_DIRECTORY's: the wider name only.
  EXPECT_EQ(open_flags(O_WRONLY | O_SYNC), "O_WRONLY|O_SYNC");
  EXPECT_EQ(open_flags(O_WRONLY | O_DSYNC), "O_WRONLY|O_DSYNC");
  EXPECT_EQ(open_flags(O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
  // A bit no name covers stays visible.
  EXPECT_EQ(open_flags(O_RDONLY | 0x80000000u), "O_RDONLY|0x80000000");
  // pipe2 and dup3 take no access mode: 0 is 0, not O_RDONLY.
  EXPECT_EQ(fd_flags(0), "0");
  EXPECT_EQ(fd_flags(O_CLOEXEC | O_NONBLOCK), "O_NONBLOCK|O_CLOEXEC");
}

TEST(Flags, AtFlagsAndDirfd) {
  EXPECT_EQ(at_flags(0), "0");
  EXPECT_EQ(at_flags(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
  EXPECT_EQ(dirfd_name(static_cast<std::uint64_t>(static_cast<std::uint32_t>(AT_FDCWD))), "AT_FDCWD");
  EXPECT_EQ(dirfd_name(static_cast<std::uint64_t>(std::int64_t{AT_FDCWD})), "AT_FDCWD");
  EXPECT_EQ(dirfd_name(3), "3");
}

TEST(Flags, MmapCloneAccessMode) {
  EXPECT_EQ(mmap_prot(PROT_NONE), "PROT_NONE");
  EXPECT_EQ(mmap_prot(PROT_READ | PROT_EXEC), "PROT_READ|PROT_EXEC");
  EXPECT_EQ(mmap_flags(MAP_PRIVATE | MAP_ANONYMOUS), "MAP_PRIVATE|MAP_ANONYMOUS");
  EXPECT_EQ(mmap_flags(MAP_SHARED | MAP_FIXED), "MAP_SHARED|MAP_FIXED");
  EXPECT_EQ(clone_flags(CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
  EXPECT_EQ(clone_flags(CLONE_VM | CLONE_VFORK | SIGCHLD), "CLONE_VM|CLONE_VFORK|SIGCHLD");
  EXPECT_EQ(access_mode(F_OK), "F_OK");
  EXPECT_EQ(access_mode(R_OK | X_OK), "R_OK|X_OK");
  EXPECT_EQ(file_mode(S_IFREG | 0644), "S_IFREG|0644");
  EXPECT_EQ(file_mode(S_IFDIR | 01777), "S_IFDIR|01777");
  EXPECT_EQ(file_mode(0755), "0755");
}

TEST(Flags, MountFlags) {
  EXPECT_EQ(mount_flags(0), "0");
  EXPECT_EQ(mount_flags(MS_BIND | MS_REC), "MS_BIND|MS_REC");
  EXPECT_EQ(mount_flags(MS_REMOUNT | MS_BIND | MS_RDONLY), "MS_RDONLY|MS_REMOUNT|MS_BIND");
  EXPECT_EQ(mount_flags(MS_REC | MS_PRIVATE), "MS_REC|MS_PRIVATE");
  EXPECT_EQ(mount_flags(MS_NOSUID | MS_NODEV | MS_NOEXEC), "MS_NOSUID|MS_NODEV|MS_NOEXEC");
  // The old magic in the top half is named, not shown as a number.
  EXPECT_EQ(mount_flags(MS_MGC_VAL | MS_RDONLY), "MS_MGC_VAL|MS_RDONLY");
  EXPECT_EQ(mount_flags(MS_MGC_VAL), "MS_MGC_VAL");
  // A bit without a name stays visible.
  EXPECT_EQ(mount_flags(MS_BIND | 0x10000000), "MS_BIND|0x10000000");
  EXPECT_EQ(umount_flags(0), "0");
  EXPECT_EQ(umount_flags(MNT_DETACH | UMOUNT_NOFOLLOW), "MNT_DETACH|UMOUNT_NOFOLLOW");
}

TEST(Names, ErrnoAndSignal) {
  EXPECT_EQ(errno_name(ENOENT), "ENOENT");
  EXPECT_EQ(errno_name(EACCES), "EACCES");
  EXPECT_EQ(errno_name(9999), "E9999");
  EXPECT_EQ(errno_name(512), "ERESTARTSYS");
  EXPECT_EQ(result_text(arch::find_syscall(arch::Sys::wait4).ret, -516), "? ERESTART_RESTARTBLOCK (to be restarted)");
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(signal_name(SIGCHLD), "SIGCHLD");
  EXPECT_EQ(signal_name(SIGRTMIN + 2), "SIGRT_2");
}

TEST(Result, ErrorsAddressesNumbers) {
  const arch::RetRole openat = arch::find_syscall(arch::Sys::openat).ret;
  EXPECT_EQ(result_text(openat, 3), "3");
  EXPECT_EQ(result_text(openat, -ENOENT), "-1 ENOENT (No such file or directory)");
  EXPECT_EQ(result_errno(-EPERM), EPERM);
  EXPECT_EQ(result_errno(-5000), 0);  // past -4095: not an errno
  // The table's `-> addr` rows print in hex.
  EXPECT_EQ(result_text(arch::find_syscall(arch::Sys::mmap).ret, 0x7f0000001000), "0x7f0000001000");
  EXPECT_EQ(result_text(arch::find_syscall(arch::Sys::brk).ret, 0x55d000), "0x55d000");
  EXPECT_EQ(result_text(arch::RetRole::kOther, -ENOSYS), "-1 ENOSYS (Function not implemented)");
}

TEST(Quote, EscapesAndCuts) {
  EXPECT_EQ(quote("/etc/hosts"), "\"/etc/hosts\"");
  EXPECT_EQ(quote("a\"b\\c\n\t"), "\"a\\\"b\\\\c\\n\\t\"");
  EXPECT_EQ(quote(std::string_view("\x7f" "E\0", 3)), "\"\\x7fE\\x00\"");
  EXPECT_EQ(quote("abcdef", 3), "\"abc\"...");
}

TEST(Json, Escaping) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("q\"b\\"), "\"q\\\"b\\\\\"");
  EXPECT_EQ(json_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_string(std::string_view("\x01\0", 2)), "\"\\u0001\\u0000\"");
  // Valid UTF-8 passes; a lone byte >= 0x80, an overlong or a surrogate
  // does not (each bad byte escaped alone, so the output is valid JSON).
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_string("\xff"), "\"\\u00ff\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\u00c0\\u00af\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
}

RawArgs raw(std::initializer_list<std::uint64_t> v) {
  RawArgs a{};
  std::size_t i = 0;
  for (auto x : v) a[i++] = x;
  return a;
}

TEST(Decode, OpenatFromMemory) {
  const tracer::GuestMemory self(getpid());
  const char* path = "/etc/hosts";
  const auto args = decode_entry(arch::find_syscall(arch::Sys::openat),
                                 raw({static_cast<std::uint64_t>(std::int64_t{AT_FDCWD}),
                                      reinterpret_cast<std::uint64_t>(path),
                                      O_RDONLY | O_CLOEXEC, 0}),
                                 self);
  // No O_CREAT: the mode is left out, as strace does.
  EXPECT_EQ(args, (std::vector<std::string>{"AT_FDCWD", "\"/etc/hosts\"", "O_RDONLY|O_CLOEXEC"}));
  const auto creat = decode_entry(arch::find_syscall(arch::Sys::openat),
                                  raw({3, reinterpret_cast<std::uint64_t>(path),
                                       O_WRONLY | O_CREAT, 0640}),
                                  self);
  EXPECT_EQ(creat.back(), "0640");
}

TEST(Decode, ExecveArgvAndBadPointer) {
  const tracer::GuestMemory self(getpid());
  const char* argv[] = {"sh", "-c", "echo \"hi\"", nullptr};
  const char* envp[] = {"A=1", "B=2", nullptr};
  const auto args = decode_entry(arch::find_syscall(arch::Sys::execve),
                                 raw({reinterpret_cast<std::uint64_t>(argv[0]),
                                      reinterpret_cast<std::uint64_t>(argv),
                                      reinterpret_cast<std::uint64_t>(envp)}),
                                 self);
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0], "\"sh\"");
  EXPECT_EQ(args[1], "[\"sh\", \"-c\", \"echo \\\"hi\\\"\"]");
  EXPECT_TRUE(args[2].ends_with("/* 2 vars */")) << args[2];
  // An unmapped path pointer is shown as the address, not read.
  const auto bad = decode_entry(arch::find_syscall(arch::Sys::chdir), raw({0x10}), self);
  EXPECT_EQ(bad, std::vector<std::string>{"0x10"});
}

TEST(Decode, OutputsAfterSuccessOnly) {
  const tracer::GuestMemory self(getpid());
  struct stat st {};
  st.st_mode = S_IFREG | 0600;
  st.st_uid = 12;
  st.st_gid = 34;
  st.st_size = 5;
  const char* path = "f";
  const RawArgs a = raw({static_cast<std::uint64_t>(std::int64_t{AT_FDCWD}),
                         reinterpret_cast<std::uint64_t>(path), reinterpret_cast<std::uint64_t>(&st),
                         AT_SYMLINK_NOFOLLOW});
  const auto& row = arch::find_syscall(arch::Sys::newfstatat);
  auto args = decode_entry(row, a, self);
  auto failed = args;
  decode_outputs(row, a, -ENOENT, self, failed);
  EXPECT_EQ(failed, args);  // nothing was written on failure
  decode_outputs(row, a, 0, self, args);
  EXPECT_EQ(args[2], "{st_mode=S_IFREG|0600, st_uid=12, st_gid=34, st_size=5}");
  EXPECT_EQ(args[3], "AT_SYMLINK_NOFOLLOW");
}

TEST(Decode, Enumerations) {
  const tracer::GuestMemory self(getpid());
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::lseek), raw({3, 0, SEEK_END}), self)[2], "SEEK_END");
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::wait4), raw({static_cast<std::uint64_t>(-1), 0, WNOHANG | __WALL, 0}), self),
            (std::vector<std::string>{"-1", "0", "WNOHANG|__WALL", "0"}));
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::socket), raw({AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0}), self),
            (std::vector<std::string>{"AF_UNIX", "SOCK_STREAM|SOCK_CLOEXEC", "0"}));
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::rt_sigprocmask), raw({SIG_SETMASK, 0, 0, 8}), self)[0], "SIG_SETMASK");
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::prctl), raw({PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0}), self)[0],
            "PR_SET_NO_NEW_PRIVS");
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::prlimit64), raw({0, RLIMIT_NOFILE, 0, 0}), self)[1],
            "RLIMIT_NOFILE");
  // A value without a name stays a number.
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::fcntl), raw({3, 9999, 0}), self)[1], "9999");
  EXPECT_EQ(decode_entry(arch::find_syscall(arch::Sys::prctl), raw({9999, 0, 0, 0, 0}), self)[0], "9999");
}

// mount(2) as strace shows it: the type and the data are strings, the
// flags names (not a pointer and a number).
TEST(Decode, Mount) {
  const tracer::GuestMemory self(getpid());
  const char* source = "none";
  const char* target = "/mnt";
  const char* type = "tmpfs";
  const char* data = "mode=755";
  const auto& row = *arch::find_syscall("mount");
  EXPECT_EQ(decode_entry(row,
                         raw({reinterpret_cast<std::uint64_t>(source),
                              reinterpret_cast<std::uint64_t>(target),
                              reinterpret_cast<std::uint64_t>(type), MS_NOSUID | MS_NODEV,
                              reinterpret_cast<std::uint64_t>(data)}),
                         self),
            (std::vector<std::string>{"\"none\"", "\"/mnt\"", "\"tmpfs\"",
                                      "MS_NOSUID|MS_NODEV", "\"mode=755\""}));
  EXPECT_EQ(decode_entry(row,
                         raw({reinterpret_cast<std::uint64_t>(target),
                              reinterpret_cast<std::uint64_t>(target), 0, MS_BIND | MS_REC, 0}),
                         self),
            (std::vector<std::string>{"\"/mnt\"", "\"/mnt\"", "NULL", "MS_BIND|MS_REC", "NULL"}));
  EXPECT_EQ(decode_entry(*arch::find_syscall("umount2"),
                         raw({reinterpret_cast<std::uint64_t>(target), MNT_DETACH}), self),
            (std::vector<std::string>{"\"/mnt\"", "MNT_DETACH"}));
}

TEST(Decode, WriteBufferAndSignals) {
  const tracer::GuestMemory self(getpid());
  const char text[] = "hello\n";
  const auto w = decode_entry(arch::find_syscall(arch::Sys::write),
                              raw({1, reinterpret_cast<std::uint64_t>(text), 6}), self);
  EXPECT_EQ(w, (std::vector<std::string>{"1", "\"hello\\n\"", "6"}));
  const auto k = decode_entry(arch::find_syscall(arch::Sys::kill), raw({42, SIGTERM}), self);
  EXPECT_EQ(k, (std::vector<std::string>{"42", "SIGTERM"}));
}

}  // namespace
}  // namespace cocoon::trace
