// Who owns what a guest creates under the emulated root, on live tracees
// under the real tracer (CredentialCalls and FileOwners), in its three ways
// of seeing a call: a seccomp notification, a ptrace stop through seccomp,
// and a ptrace stop without seccomp. cocoon and its guest run as nobody:
// as root, the chmod and the directory walks below would succeed for real
// and prove nothing.
//  - A process that switched to another uid (apt's _apt sandbox) owns the
//    files it makes, as natively (inode_init_owner(), fs/inode.c), and may
//    chmod them; so may its parent, root, see it.
//  - A set-group-ID directory gives its group, and to a directory its bit.
//  - mkdir with a mode without the owner's rwx makes a directory the real
//    user can still use, showing the mode asked (as fakeroot does).
//  - The emulated root makes files in the real user's own mode-000
//    directories (root's CAP_DAC_OVERRIDE), which keep their modes.
//  - chmod through /proc/self/fd/N (glibc's fchmodat(AT_SYMLINK_NOFOLLOW))
//    reaches the guest's descriptor N, not cocoon's.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "cocoon/tracer/tracer.h"
#include "identity/identity.h"

namespace cocoon::syscalls {
namespace {

constexpr uid_t kNobody = 65534;

struct Mode {
  const char* name;
  bool seccomp, notify;
};

struct Outcome {
  int status = -1;
  std::string out;
};

// Runs `script` (python3) under a tracer with the identity handlers of
// `cocoon run -0`, as nobody, in `dir`, reading `dir`/.in; its exit status
// and stdout.
Outcome run_as_nobody(const Mode& mode, const std::string& dir, const std::string& script) {
  const std::string out = dir + "/.out";
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int in = ::open((dir + "/.in").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) != 1 || in < 0 || dup2(in, 0) != 0) _exit(120);
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(121);
    // A change of ids made this process undumpable, and so its children
    // until they exec: the tracer could not seize its command.
    if (prctl(PR_SET_DUMPABLE, 1) != 0) _exit(121);
    auto registry = std::make_shared<tracer::ProcessRegistry>();
    auto identity = std::make_shared<IdentityState>(*registry);
    tracer::HandlerList handlers;
    add_identity_handlers(handlers, identity, *registry);
    tracer::TracerOptions options;
    options.use_seccomp = mode.seccomp;
    options.notify = mode.notify;
    options.cwd = dir;
    tracer::Tracer t(options, std::move(handlers), registry);
    const auto status = t.run({"/usr/bin/python3", "-c", script});
    if (!status) std::fprintf(stderr, "tracer: %s\n", status.error().message().c_str());
    _exit(status ? *status : 122);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return {};
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WEXITSTATUS(status), text.str()};
}

std::uint32_t real_mode(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : ~0u;
}

class FileCreation : public testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run the guest as nobody";
    if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no python3";
    char tmpl[] = "/tmp/cocoon-creation-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(::chown(dir_.c_str(), kNobody, kNobody), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Outcome run(const std::string& script) { return run_as_nobody(GetParam(), dir_, script); }

  std::string dir_;
};

// Python's lines for "NAME UID GID MODE" of an lstat and whether a chmod
// by the caller works.
constexpr const char* kShow = R"(import ctypes, errno, os, stat
os.umask(0o022)
def show(name, chmod=True):
    s = os.lstat(name)
    line = "%s %d %d %o" % (name, s.st_uid, s.st_gid, stat.S_IMODE(s.st_mode))
    if chmod:
        try: os.chmod(name, 0o640 if not stat.S_ISDIR(s.st_mode) else 0o750); line += " chmod"
        except OSError as e: line += " " + errno.errorcode[e.errno]
    print(line, flush=True)
)";

// apt's sandbox: root makes a directory for _apt (42); a child that became
// 42:65534 makes a file of each kind there and chmods it; root, after it,
// sees them so.
TEST_P(FileCreation, AProcessThatSwitchedIdsOwnsWhatItMakes) {
  const Outcome o = run(std::string(kShow) + R"(
os.mkdir("own"); os.chown("own", 42, 0)
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(42)
    os.mkdir("own/d")
    os.close(os.open("own/f", os.O_CREAT | os.O_WRONLY, 0o644))
    os.close(os.open("own/x", os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
    os.mkfifo("own/p")
    os.symlink("f", "own/l")
    fd = os.open("own", os.O_TMPFILE | os.O_WRONLY, 0o600)
    # linkat(AT_SYMLINK_FOLLOW), as open(2) says (os.link calls link(2))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.linkat(-100, b"/proc/self/fd/%d" % fd, -100, b"own/t", 0x400) != 0: os._exit(3)
    for n in ("d", "f", "x", "p", "t"): show("own/" + n)
    show("own/l", chmod=False)
    os._exit(0)
os.waitpid(pid, 0)
for n in ("d", "f", "x", "p", "l", "t"): show("own/" + n, chmod=False)
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out,
            "own/d 42 65534 755 chmod\n"
            "own/f 42 65534 644 chmod\n"
            "own/x 42 65534 600 chmod\n"
            "own/p 42 65534 644 chmod\n"
            "own/t 42 65534 600 chmod\n"
            "own/l 42 65534 777\n"
            "own/d 42 65534 750\n"
            "own/f 42 65534 640\n"
            "own/x 42 65534 640\n"
            "own/p 42 65534 640\n"
            "own/l 42 65534 777\n"
            "own/t 42 65534 640\n");
}

// A set-group-ID directory of group 50 gives its group to what another
// user makes there, and its bit to a directory (inode_init_owner()).
TEST_P(FileCreation, ASetGroupIdDirectoryGivesItsGroup) {
  const Outcome o = run(std::string(kShow) + R"(
os.mkdir("g"); os.chown("g", 42, 50); os.chmod("g", 0o2777)
if os.fork() == 0:
    os.setgid(65534); os.setuid(42)
    os.mkdir("g/d"); os.close(os.open("g/f", os.O_CREAT | os.O_WRONLY, 0o644))
    os._exit(0)
os.wait()
os.mkdir("g/r")
for n in ("d", "f", "r"): show("g/" + n, chmod=False)
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "g/d 42 50 2755\ng/f 42 50 644\ng/r 0 50 2755\n");
}

// mkdir -m 0 and -m 0500, then a file inside: as under fakeroot, the real
// directories are u+rwx and the modes asked are what stat shows.
TEST_P(FileCreation, AModeWithoutTheOwnersRwxIsShownNotMade) {
  const Outcome o = run(std::string(kShow) + R"(
os.umask(0o022)
os.mkdir("z", 0); os.mkdir("z5", 0o500)
for d in ("z", "z5"): os.close(os.open(d + "/f", os.O_CREAT | os.O_WRONLY, 0o644))
show("z", chmod=False); show("z5", chmod=False)
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "z 0 0 0\nz5 0 0 500\n");
  EXPECT_EQ(real_mode(dir_ + "/z"), 0700u);
  EXPECT_EQ(real_mode(dir_ + "/z5"), 0700u);
}

// The real user's own T and T/foo, mode 000: root makes a file and a
// directory in T/foo by absolute and by relative paths, and both keep
// their mode.
TEST_P(FileCreation, TheEmulatedRootPassesTheUsersOwnClosedDirectories) {
  const std::string t = dir_ + "/T";
  ASSERT_EQ(::mkdir(t.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((t + "/foo").c_str(), 0700), 0);
  ASSERT_EQ(::chown(t.c_str(), kNobody, kNobody), 0);
  ASSERT_EQ(::chown((t + "/foo").c_str(), kNobody, kNobody), 0);
  ASSERT_EQ(::chmod((t + "/foo").c_str(), 0), 0);
  ASSERT_EQ(::chmod(t.c_str(), 0), 0);
  const Outcome o = run(R"(import os
os.close(os.open(")" + t + R"(/foo/bar", os.O_CREAT | os.O_WRONLY, 0o644))
os.mkdir("T/foo/dd")
os.symlink("bar", "T/foo/ln")
print("made")
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "made\n");
  EXPECT_EQ(real_mode(t), 0u);
  EXPECT_EQ(real_mode(t + "/foo"), 0u);
  ASSERT_EQ(::chmod(t.c_str(), 0700), 0);
  ASSERT_EQ(::chmod((t + "/foo").c_str(), 0700), 0);
  EXPECT_EQ(real_mode(t + "/foo/bar"), 0644u);
  EXPECT_EQ(real_mode(t + "/foo/dd"), 0755u);
  EXPECT_EQ(real_mode(t + "/foo/ln"), 0777u);
}

// Root's CAP_DAC_OVERRIDE over the real user's own files beyond creations:
// appending to and truncating its mode-000 file by an O_CREAT open, an
// unlink, a rename into and out of, and an rmdir in a mode-0500 directory
// and in mode-000 ones. Every mode stays what it was.
TEST_P(FileCreation, TheEmulatedRootWritesRemovesAndRenamesInTheUsersOwnClosedFiles) {
  const std::string d = dir_;
  const auto make = [&](const std::string& name, bool dir) {
    const std::string path = d + "/" + name;
    ASSERT_EQ(dir ? ::mkdir(path.c_str(), 0700) : ::close(::creat(path.c_str(), 0600)), 0) << name;
    ASSERT_EQ(::chown(path.c_str(), kNobody, kNobody), 0) << name;
  };
  make("f", false);
  make("five", true);
  make("five/x", false);
  make("five/sub", true);
  make("a", false);
  make("T", true);
  make("T/foo", true);
  make("T/foo/y", false);
  ASSERT_EQ(::chmod((d + "/f").c_str(), 0), 0);
  ASSERT_EQ(::chmod((d + "/five").c_str(), 0500), 0);
  ASSERT_EQ(::chmod((d + "/T/foo").c_str(), 0), 0);
  ASSERT_EQ(::chmod((d + "/T").c_str(), 0), 0);
  const Outcome o = run(R"(import os
with open("f", "a") as f: f.write("appended")
with open("f", "w") as f: f.write("rewritten")
os.unlink("five/x"); os.rename("a", "five/a"); os.rename("five/a", "b"); os.rmdir("five/sub")
os.rename("T/foo/y", "T/foo/z"); os.unlink("T/foo/z")
print("done")
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "done\n");
  EXPECT_EQ(real_mode(d + "/f"), 0u);
  EXPECT_EQ(real_mode(d + "/five"), 0500u);
  EXPECT_EQ(real_mode(d + "/T"), 0u);
  ASSERT_EQ(::chmod((d + "/f").c_str(), 0600), 0);
  ASSERT_EQ(::chmod((d + "/T").c_str(), 0700), 0);
  EXPECT_EQ(real_mode(d + "/T/foo"), 0u);
  std::ifstream f(d + "/f");
  std::string text;
  std::getline(f, text);
  EXPECT_EQ(text, "rewritten");
  EXPECT_EQ(::access((d + "/five/x").c_str(), F_OK), -1);
  EXPECT_EQ(::access((d + "/five/sub").c_str(), F_OK), -1);
  EXPECT_EQ(::access((d + "/b").c_str(), F_OK), 0);
}

// mkfifo -m 0 p: glibc's fchmodat(AT_SYMLINK_NOFOLLOW) opens p O_PATH and
// chmods /proc/self/fd/N, here N = 0 and N = 3 or more. The tracer's own
// descriptor 0 (a file of the test's, 0644) must keep its mode.
TEST_P(FileCreation, ChmodThroughProcSelfFdReachesTheGuestsDescriptor) {
  const Outcome o = run(std::string(kShow) + R"(
os.mkfifo("p", 0)
fd = os.open("p", os.O_PATH | os.O_NOFOLLOW)
os.chmod("/proc/self/fd/%d" % fd, 0o640); show("p", chmod=False)
os.dup2(fd, 0)
os.chmod("/proc/self/fd/0", 0o604); show("p", chmod=False)
os.chmod("/proc/thread-self/fd/0", 0o600); show("p", chmod=False)
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "p 0 0 640\np 0 0 604\np 0 0 600\n");
  EXPECT_EQ(real_mode(dir_ + "/.in"), 0644u);
}

// The files made by calls other than mkdir, mknod, symlink and open's
// plain O_CREAT: a bound AF_UNIX socket's (bind(2)), openat2 with RESOLVE_*
// flags (beneath a dirfd, in it as a root, with no symlinks), and an
// O_CREAT open through a dangling symlink, which makes the link's target
// (open(2)). Each belongs to the process that became 42:65534, as natively.
TEST_P(FileCreation, SocketsOpenat2AndDanglingSymlinksOwnWhatTheyMake) {
  const Outcome o = run(std::string(kShow) + R"(
import socket
class How(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]
libc = ctypes.CDLL(None, use_errno=True)
def openat2(dirfd, path, resolve):
    how = How(os.O_CREAT | os.O_WRONLY, 0o644, resolve)
    fd = libc.syscall(437, dirfd, path, ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0: raise OSError(ctypes.get_errno(), path)
    os.close(fd)
os.mkdir("own"); os.chown("own", 42, 0)
names = ("s", "a", "b", "r", "n", "t")
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(42)
    socket.socket(socket.AF_UNIX).bind("own/s")
    socket.socket(socket.AF_UNIX).bind(os.path.abspath("own/a"))
    socket.socket(socket.AF_UNIX).bind(b"\0abstract")
    d = os.open("own", os.O_PATH)
    openat2(d, b"b", 0x08)              # RESOLVE_BENEATH
    openat2(d, b"/r", 0x10)             # RESOLVE_IN_ROOT: own/r
    openat2(-100, b"own/n", 0x04)       # RESOLVE_NO_SYMLINKS
    os.symlink("t", "own/l")
    os.close(os.open("own/l", os.O_CREAT | os.O_WRONLY, 0o600))
    for n in names: show("own/" + n)
    os._exit(0)
os.waitpid(pid, 0)
for n in names: show("own/" + n, chmod=False)
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out,
            "own/s 42 65534 755 chmod\n"
            "own/a 42 65534 755 chmod\n"
            "own/b 42 65534 644 chmod\n"
            "own/r 42 65534 644 chmod\n"
            "own/n 42 65534 644 chmod\n"
            "own/t 42 65534 600 chmod\n"
            "own/s 42 65534 640\n"
            "own/a 42 65534 640\n"
            "own/b 42 65534 640\n"
            "own/r 42 65534 640\n"
            "own/n 42 65534 640\n"
            "own/t 42 65534 640\n");
}

// execve(2): the saved and fs ids become the effective ones. A process
// of ids (1000, 42, 7) with fsuid 7 execs: getresuid says (1000, 42, 42)
// and a file it makes is 42's.
TEST_P(FileCreation, ExecCopiesTheEffectiveIdsToTheSavedAndFsIds) {
  const Outcome o = run(std::string(kShow) + R"py(
import sys
os.mkdir("own", 0o777)
pid = os.fork()
if pid == 0:
    libc = ctypes.CDLL(None, use_errno=True)
    os.setresgid(100, 50, 5); os.setresuid(1000, 42, 7); libc.setfsuid(7); libc.setfsgid(5)
    os.execv(sys.executable, [sys.executable, "-c", """import os
print(os.getresuid(), os.getresgid(), flush=True)
os.close(os.open("own/f", os.O_CREAT | os.O_WRONLY, 0o644))"""])
os.waitpid(pid, 0)
show("own/f", chmod=False)
)py");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "(1000, 42, 42) (100, 50, 50)\nown/f 42 50 644\n");
}

// A set-user-ID and set-group-ID program, made so by the emulated root's
// chown and chmod (recorded: the real file is nobody's, its real set-id
// bits count for nothing under no_new_privs), run by a process that became
// 1000:100: as for real root's, its effective ids are the file's owner and
// group, its real ones stay (cocoon honours them; Debian's fakeroot does
// not).
TEST_P(FileCreation, ASetIdProgramRecordedSoGivesItsOwner) {
  const Outcome o = run(std::string(kShow) + R"(
import shutil, subprocess
shutil.copy("/usr/bin/id", "id"); os.chown("id", 42, 50); os.chmod("id", 0o6755)
shutil.copy("/usr/bin/id", "plain"); os.chown("plain", 42, 50)
pid = os.fork()
if pid == 0:
    os.setgid(100); os.setuid(1000)
    for args in (["./id", "-u"], ["./id", "-ru"], ["./id", "-g"], ["./id", "-rg"], ["./plain", "-u"]):
        print(subprocess.run(args, capture_output=True, text=True).stdout.strip(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
)");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(o.out, "42\n1000\n50\n100\n1000\n");
}

INSTANTIATE_TEST_SUITE_P(Modes, FileCreation,
                         testing::Values(Mode{"notify", true, true}, Mode{"seccomp", true, false},
                                         Mode{"noseccomp", false, false}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace cocoon::syscalls
