// `cocoon bwrap`: bubblewrap's command line (bwrap(1), 0.8) over cocoon's
// view, identities and UTS names. The guest's root starts empty, as
// bwrap's does; `--bind / /` (any variant) makes the host's root the
// guest's instead of a mount on an empty one. Mounts apply in order and
// stack (a later one on a target hides the earlier); on a writable mount,
// --dir, --symlink and mount points are made on its filesystem, as bwrap's.
// Namespaces are cocoon's emulated ones (identities for user, UTS names,
// PID, network, IPC and cgroup: docs/architecture.md). Overlays are
// bubblewrap 0.9's options (0.8 has none) over a union the tracer keeps
// (vfs/union.h). Options userspace cannot honour (--size, SELinux labels,
// joining namespaces by descriptor) fail with a line naming the
// option, rather than run without what was asked for. Failures are
// bwrap's: "bwrap: ..." on stderr and status 1, in bwrap's words where
// it has some.
#include <fcntl.h>
#include <linux/filter.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cocoon/syscalls/capability_names.h"
#include "bwrap_report.h"
#include "front_ends.h"
#include "logging.h"

extern char** environ;

namespace cocoon::tools {
namespace {

// --level-prefix (bubblewrap 0.9): each of bwrap's own diagnostics from
// then on starts with its syslog severity in angle brackets, "<3>" for an
// error, "<4>" for a warning (bwrap_logv(), utils.c). One run parses one
// command line, so the flag lives here rather than in every caller.
bool level_prefix = false;

// "bwrap: ", after the severity when --level-prefix asked for it.
std::string bwrap_says(int severity) {
  return (level_prefix ? "<" + std::to_string(severity) + ">" : std::string()) + "bwrap: ";
}

// bwrap's failure: "bwrap: LINE" on stderr, status 1.
int bwrap_fail(const std::string& line) {
  std::fprintf(stderr, "%s%s\n", bwrap_says(3).c_str(), line.c_str());
  return 1;
}

// bwrap's warning, word for word.
void bwrap_warn(const char* line) {
  std::fprintf(stderr, "%s%s\n", bwrap_says(4).c_str(), line);
}

// Everything readable from descriptor `fd` (then closed, as bwrap does).
std::optional<std::string> read_fd(const std::string& fd_text) {
  const int fd = std::atoi(fd_text.c_str());
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) return std::nullopt;
    all.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return all;
}

// bwrap's version whose command line this front end follows.
constexpr const char* kBwrapVersion = "0.8.0";

// An octal mode as bwrap's --perms and --chmod take it: any number of
// octal digits (leading zeros too, "01777"), at most 07777.
std::optional<unsigned> octal(const std::string& s) {
  if (s.empty() || s.find_first_not_of("01234567") != std::string::npos) return std::nullopt;
  errno = 0;
  const unsigned long mode = std::strtoul(s.c_str(), nullptr, 8);
  if (errno != 0 || mode > 07777) return std::nullopt;
  return static_cast<unsigned>(mode);
}

// A whole non-negative decimal number, or nothing (bwrap's strtol checks).
std::optional<unsigned long> number(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::strtoul(s.c_str(), nullptr, 10);
}

// --args FD: NUL-separated arguments read from FD, as if given there.
std::optional<std::vector<std::string>> args_from_fd(const std::string& fd_text) {
  auto read = read_fd(fd_text);
  if (!read) return std::nullopt;
  const std::string& all = *read;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < all.size();) {
    const std::size_t end = all.find('\0', i);
    out.push_back(all.substr(i, end == std::string::npos ? std::string::npos : end - i));
    if (end == std::string::npos) break;
    i = end + 1;
  }
  return out;
}

struct Bwrap {
  syscalls::Session session;
  std::optional<unsigned> perms;  // --perms: for the next thing made
  bool unshare_user = false, unshare_uts = false, as_pid_1 = false;
  bool assert_userns_disabled = false;
  bool chdir_given = false;
  std::string seccomp_option;  // the first of --seccomp / --add-seccomp-fd given
  // bwrap's descriptors: --info-fd, --json-status-fd, --block-fd (-1: none).
  int info_fd = -1, json_status_fd = -1, block_fd = -1;
  std::optional<std::uint32_t> uid, gid;
  // --cap-add/--cap-drop applied in order to an empty set (bwrap's
  // requested_caps); nullopt while neither is given.
  std::optional<std::uint64_t> caps;
  std::optional<std::string> hostname;
  bool clearenv = false;
  std::map<std::string, std::optional<std::string>> env;  // nullopt: unset

  // bwrap looks the source up on the host as it sets up, and stops there
  // when a non-optional one is missing.
  // --dev-bind (`devices`) alone leaves device nodes usable: bwrap's other
  // binds, its root and its tmpfs are nodev (bind_mount(), bubblewrap.c).
  std::optional<std::string> bind(const std::string& src, const std::string& dest, bool ro,
                                  bool optional, bool devices = false) {
    auto& view = session.view;
    struct stat st {};
    if (::stat(src.c_str(), &st) != 0) {
      if (optional && errno == ENOENT) return std::nullopt;
      return "Can't find source path " + src + ": " + std::strerror(errno);
    }
    if (dest == "/" && !optional) {
      view.empty_root = false;
      view.rootfs = src;
      view.rootfs_read_only = ro;
      view.rootfs_no_devices = !devices;
      return std::nullopt;
    }
    vfs::MountSpec m = bind_spec(src + ":" + dest, ro, optional);
    m.no_devices = !devices;
    view.mounts.push_back(m);
    return std::nullopt;
  }
  void special(vfs::MountKind kind, const std::string& dest, std::string symlink_target = {}) {
    vfs::MountSpec m;
    m.kind = kind;
    m.target = dest;
    m.symlink_target = std::move(symlink_target);
    m.no_devices = kind != vfs::MountKind::kDev;
    // bwrap's tmpfs is 0755 (its mode=0755 mount option), not /tmp's 1777.
    if (kind == vfs::MountKind::kTmpfs) m.mode = take_perms().value_or(0755);
    if (kind == vfs::MountKind::kDir) m.mode = take_perms();
    session.view.mounts.push_back(m);
  }
  // --file, --bind-data, --ro-bind-data: a file with `data` at `dest`;
  // bwrap makes a --file 0666 and a bound one 0600 unless --perms says.
  void data(std::string data, const std::string& dest, bool bound, bool ro) {
    vfs::MountSpec m;
    m.target = dest;
    m.data = std::move(data);
    m.read_only = ro;
    m.mode = take_perms().value_or(bound ? 0600 : 0666);
    session.view.mounts.push_back(m);
  }
  std::optional<unsigned> take_perms() { return std::exchange(perms, std::nullopt); }
  // --overlay, --tmp-overlay, --ro-overlay over the --overlay-src given
  // since the last one (bwrap 0.9's make_setup_overlay_src_ops()): a union
  // (vfs/union.h) whose upper layer is `upper` (empty: a scratch one for
  // --tmp-overlay, none for --ro-overlay).
  std::optional<std::string> overlay(const std::string& option, const std::string& dest,
                                     const std::string& upper = {}, const std::string& work = {}) {
    const bool ro = option == "--ro-overlay";
    const std::size_t needed = ro ? 2 : 1;
    if (overlay_srcs.size() < needed) {
      return option + " requires at least " + (ro ? "two" : "one") + " --overlay-src";
    }
    vfs::MountSpec m;
    m.kind = vfs::MountKind::kOverlay;
    m.target = dest;
    m.read_only = ro;
    m.no_devices = true;
    m.upper = upper;
    m.work = work;
    m.lowers = std::exchange(overlay_srcs, {});
    session.view.mounts.push_back(std::move(m));
    return std::nullopt;
  }
  std::vector<std::string> overlay_srcs;  // --overlay-src since the last overlay
};

// Options cocoon refuses, with why.
const std::map<std::string, std::string>& refused() {
  static const std::map<std::string, std::string> r = {
      {"--size", "a --tmpfs is a directory in cocoon's scratch space, which has no size of its own"},
      {"--exec-label", "SELinux labels need the kernel"},
      {"--file-label", "SELinux labels need the kernel"},
      {"--userns", "joining namespaces by descriptor is not emulated"},
      {"--userns2", "joining namespaces by descriptor is not emulated"},
      {"--pidns", "joining namespaces by descriptor is not emulated"},
      {"--userns-block-fd", "there is no user namespace for the caller to set up: it is emulated"},
  };
  return r;
}

// How many values each supported option takes.
const std::map<std::string, int>& arity() {
  static const std::map<std::string, int> a = {
      {"--bind", 2},      {"--bind-try", 2},    {"--dev-bind", 2},  {"--dev-bind-try", 2},
      {"--ro-bind", 2},   {"--ro-bind-try", 2}, {"--symlink", 2},   {"--setenv", 2},
      {"--tmpfs", 1},     {"--proc", 1},        {"--dev", 1},       {"--dir", 1},
      {"--chdir", 1},     {"--unsetenv", 1},    {"--hostname", 1},  {"--uid", 1},
      {"--gid", 1},       {"--args", 1},        {"--perms", 1},     {"--mqueue", 1},
      {"--clearenv", 0},  {"--unshare-user", 0}, {"--unshare-user-try", 0},
      {"--unshare-uts", 0}, {"--share-net", 0}, {"--die-with-parent", 0},
      {"--unshare-pid", 0}, {"--as-pid-1", 0}, {"--unshare-net", 0},
      {"--unshare-ipc", 0}, {"--unshare-cgroup", 0}, {"--unshare-cgroup-try", 0},
      {"--unshare-all", 0},
      {"--seccomp", 1},   {"--add-seccomp-fd", 1}, {"--file", 2}, {"--bind-data", 2},
      {"--ro-bind-data", 2}, {"--chmod", 2}, {"--remount-ro", 1},
      {"--new-session", 0}, {"--level-prefix", 0}, {"--argv0", 1},
      {"--sync-fd", 1},   {"--info-fd", 1},     {"--json-status-fd", 1}, {"--block-fd", 1},
      {"--bind-fd", 2},   {"--ro-bind-fd", 2}, {"--lock-file", 1},
      {"--disable-userns", 0}, {"--assert-userns-disabled", 0},
      {"--cap-add", 1},   {"--cap-drop", 1},
      {"--overlay-src", 1}, {"--overlay", 3}, {"--tmp-overlay", 1}, {"--ro-overlay", 1}};
  return a;
}

// One option as given, with the values arity() says it takes.
struct Option {
  std::string name, v1, v2, v3;
};

// Each kind of option: true when `o` is one of its (applied to `b`),
// false when it is not, or the failure line.
using Applied = std::expected<bool, std::string>;

// The guest's filesystem: binds, special mounts, modes, the working
// directory.
Applied mount_option(Bwrap& b, const Option& o) {
  const std::string& a = o.name;
  using K = vfs::MountKind;
  const std::string& v1 = o.v1;
  const std::string& v2 = o.v2;
  if (a.ends_with("bind") || a.ends_with("bind-try")) {
    const bool ro = a.starts_with("--ro-");
    if (auto err = b.bind(v1, v2, ro, a.ends_with("-try"), a.starts_with("--dev-"))) {
      return std::unexpected(*err);
    }
  }
  else if (a == "--symlink") b.special(K::kSymlink, v2, v1);
  else if (a == "--tmpfs") b.special(K::kTmpfs, v1);
  else if (a == "--proc") b.special(K::kProc, v1);
  else if (a == "--dev") b.special(K::kDev, v1);
  else if (a == "--dir") b.special(K::kDir, v1);
  else if (a == "--mqueue") b.special(K::kDir, v1);  // an empty directory: no POSIX mqueue fs
  else if (a == "--overlay-src") b.overlay_srcs.push_back(v1);
  else if (a == "--overlay" || a == "--tmp-overlay" || a == "--ro-overlay") {
    const bool rw = a == "--overlay";
    if (auto err = b.overlay(a, rw ? o.v3 : v1, rw ? v1 : "", rw ? v2 : "")) {
      return std::unexpected(*err);
    }
  }
  else if (a == "--chdir") {
    // bwrap's warning, word for word; the last one is taken.
    if (std::exchange(b.chdir_given, true)) {
      bwrap_warn("Only the last --chdir option will take effect");
    }
    b.session.view.cwd = v1;
  }
  else if (a == "--perms") {
    if (b.perms) return std::unexpected("--perms given twice for the same action");
    auto mode = octal(v1);
    if (!mode) return std::unexpected("--perms takes an octal argument <= 07777");
    b.perms = mode;
  }
  else if (a == "--chmod") {
    auto mode = octal(v1);
    if (!mode) return std::unexpected("--chmod takes an octal argument <= 07777");
    b.session.view.chmods.emplace_back(v2, *mode);
  }
  else if (a == "--lock-file") b.session.view.lock_files.push_back(v1);
  else if (a == "--remount-ro") {
    vfs::MountSpec m;
    m.target = v1;
    m.remount_read_only = true;
    b.session.view.mounts.push_back(m);
  }
  else return false;
  return true;
}

// --cap-add/--cap-drop CAP: a name as libcap's cap_from_name() takes it
// (bwrap's parser), or ALL.
std::optional<std::string> capability_option(Bwrap& b, bool add, const std::string& name) {
  std::uint64_t bits = 0;
  if (name == "ALL" || name == "all") {
    bits = ~std::uint64_t{0};
  } else if (auto cap = syscalls::capability_from_name(name)) {
    bits = std::uint64_t{1} << *cap;
  } else {
    return "unknown cap: " + name;
  }
  b.caps = add ? b.caps.value_or(0) | bits : b.caps.value_or(0) & ~bits;
  return std::nullopt;
}

// The namespaces and what they show: host name, ids, pids, network.
Applied namespace_option(Bwrap& b, const Option& o) {
  const std::string& a = o.name;
  auto& view = b.session.view;
  if (a == "--hostname") b.hostname = o.v1;
  else if (a == "--uid" || a == "--gid") {
    auto id = number(o.v1);
    if (!id) return std::unexpected("Invalid " + a.substr(2) + ": " + o.v1);
    (a == "--uid" ? b.uid : b.gid) = static_cast<std::uint32_t>(*id);
  }
  else if (a == "--unshare-user" || a == "--unshare-user-try") b.unshare_user = true;
  else if (a == "--unshare-uts") b.unshare_uts = true;
  else if (a == "--unshare-pid") view.unshare_pid = true;
  else if (a == "--unshare-net") view.unshare_net = true;
  else if (a == "--unshare-ipc") view.unshare_ipc = true;
  else if (a == "--unshare-cgroup" || a == "--unshare-cgroup-try") view.unshare_cgroup = true;
  else if (a == "--unshare-all") {
    // bwrap(1): --unshare-user-try --unshare-ipc --unshare-pid
    // --unshare-net --unshare-uts --unshare-cgroup-try (--share-net after
    // it keeps the network).
    b.unshare_user = b.unshare_uts = true;
    view.unshare_ipc = view.unshare_pid = view.unshare_net = view.unshare_cgroup = true;
  }
  else if (a == "--share-net") view.unshare_net = false;
  else if (a == "--as-pid-1") b.as_pid_1 = true;
  else if (a == "--cap-add" || a == "--cap-drop") {
    if (auto err = capability_option(b, a == "--cap-add", o.v1)) return std::unexpected(*err);
  }
  else if (a == "--disable-userns") view.disable_userns = true;
  else if (a == "--assert-userns-disabled") b.assert_userns_disabled = true;
  else return false;
  return true;
}

// The environment and the process: variables, session, lifetime.
Applied process_option(Bwrap& b, const Option& o) {
  const std::string& a = o.name;
  if (a == "--setenv") b.env[o.v1] = o.v2;
  else if (a == "--unsetenv") b.env[o.v1] = std::nullopt;
  else if (a == "--clearenv") {
    // bwrap applies the environment options in order (xclearenv() as it
    // parses): a --setenv before --clearenv is cleared too.
    b.env.clear();
    b.clearenv = true;
  }
  else if (a == "--die-with-parent") b.session.tracer.die_with_parent = true;
  else if (a == "--new-session") b.session.tracer.new_session = true;
  // bubblewrap 0.9: the program's argv[0]; its first word still names what
  // is executed (execvp(exec_path, argv) with argv[0] replaced).
  else if (a == "--argv0") b.session.tracer.argv0 = o.v1;
  else if (a == "--level-prefix") level_prefix = true;
  else return false;
  return true;
}

// --bind-fd and --ro-bind-fd: bwrap binds /proc/self/fd/FD, which the
// kernel follows to what the descriptor has open; cocoon's table takes
// that path (the descriptor is then closed, as bwrap closes it before the
// command runs).
Applied bind_fd(Bwrap& b, const std::string& fd, const std::string& dest, bool ro) {
  const std::string link = "/proc/self/fd/" + fd;
  std::error_code ec;
  const auto source = std::filesystem::read_symlink(link, ec);
  if (ec || !source.is_absolute()) {
    return std::unexpected("Can't find source path " + link + ": " +
                           std::strerror(ec ? ec.value() : ENOENT));
  }
  ::close(std::atoi(fd.c_str()));
  if (auto err = b.bind(source.string(), dest, ro, false)) return std::unexpected(*err);
  return true;
}

// What is read from a descriptor: files' contents, seccomp programs, more
// arguments (--args: returned in `more`, to be parsed next).
Applied descriptor_option(Bwrap& b, const Option& o, std::vector<std::string>& more) {
  const std::string& a = o.name;
  const std::string& v1 = o.v1;
  const bool takes_fd = a == "--file" || a.ends_with("-data") || a == "--seccomp" ||
                        a.ends_with("-fd") || a == "--args";
  if (takes_fd && !number(v1)) return std::unexpected("Invalid fd: " + v1);
  if (a == "--bind-fd" || a == "--ro-bind-fd") return bind_fd(b, v1, o.v2, a == "--ro-bind-fd");
  if (a.ends_with("-fd") && a != "--add-seccomp-fd") {
    // Held by cocoon, not the command: a caller waiting for the end of
    // one (--sync-fd's, --info-fd's) sees it when the sandbox ends.
    const int fd = std::atoi(v1.c_str());
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (a == "--info-fd") b.info_fd = fd;
    else if (a == "--json-status-fd") b.json_status_fd = fd;
    else if (a == "--block-fd") b.block_fd = fd;
    return true;  // --sync-fd: kept open until cocoon exits
  }
  if (a == "--file" || a == "--bind-data" || a == "--ro-bind-data") {
    auto content = read_fd(v1);
    if (!content) return std::unexpected("Can't read from fd " + v1 + ": " + std::strerror(errno));
    b.data(std::move(*content), o.v2, a != "--file", a == "--ro-bind-data");
  }
  else if (a == "--seccomp" || a == "--add-seccomp-fd") {
    // bwrap(1): --seccomp's last one is used; the two do not mix.
    if (!b.seccomp_option.empty() && b.seccomp_option != a) {
      return std::unexpected(a + " cannot be combined with " + b.seccomp_option);
    }
    b.seccomp_option = a;
    auto prog = read_fd(v1);
    if (!prog) return std::unexpected("Can't read seccomp data: " + std::string(std::strerror(errno)));
    if (prog->empty() || prog->size() % sizeof(sock_filter) != 0) {
      return std::unexpected("Invalid seccomp data, must be multiple of 8");
    }
    std::vector<sock_filter> filter(prog->size() / sizeof(sock_filter));
    std::memcpy(filter.data(), prog->data(), prog->size());
    auto& filters = b.session.tracer.user_filters;
    if (a == "--seccomp" && !filters.empty()) {
      bwrap_warn("Only the last --seccomp option will take effect");
      filters.clear();
    }
    filters.push_back(std::move(filter));
  }
  else if (a == "--args") {
    auto read = args_from_fd(v1);
    if (!read) return std::unexpected("Can't read args from fd " + v1 + ": " + std::strerror(errno));
    more = std::move(*read);
  }
  else return false;
  return true;
}

// bwrap's usage line, naming the program as it was invoked, then the
// options cocoon takes, in bwrap's --help layout.
void print_usage(std::FILE* out) {
  std::fprintf(out, "usage: %s [OPTIONS...] [--] COMMAND [ARGS...]\n\n", invoked_as().c_str());
  std::fputs(
      "    --help                       Print this help\n"
      "    --version                    Print version (and the bubblewrap version followed)\n"
      "    --args FD                    Parse NUL-separated args from FD\n"
      "    --unshare-all                Unshare every namespace (emulated: user, ipc, pid, net, uts, cgroup)\n"
      "    --share-net                  Retain the network namespace\n"
      "    --unshare-user[-try], --unshare-ipc, --unshare-pid, --unshare-net, --unshare-uts,\n"
      "    --unshare-cgroup[-try]       Emulated namespaces (docs/internals/namespaces.md)\n"
      "    --uid UID, --gid GID         Custom ids in the sandbox (imply --unshare-user)\n"
      "    --hostname NAME              Custom hostname in the sandbox (requires --unshare-uts)\n"
      "    --chdir DIR                  Change directory to DIR\n"
      "    --clearenv, --setenv VAR VALUE, --unsetenv VAR\n"
      "    --[ro-|dev-]bind[-try] SRC DEST  Bind the host path SRC on DEST (stacked on what is there)\n"
      "    --bind-fd FD DEST, --ro-bind-fd FD DEST  Bind what descriptor FD has open on DEST\n"
      "    --remount-ro DEST            Remount DEST as readonly\n"
      "    --proc DEST, --dev DEST, --tmpfs DEST, --mqueue DEST (an empty directory), --dir DEST\n"
      "    --file FD DEST, --bind-data FD DEST, --ro-bind-data FD DEST\n"
      "    --symlink SRC DEST           Create symlink at DEST with target SRC\n"
      "    --seccomp FD, --add-seccomp-fd FD  Load seccomp programs from FD\n"
      "    --new-session, --die-with-parent, --as-pid-1, --level-prefix, --argv0 VALUE\n"
      "    --sync-fd FD, --block-fd FD  Kept open while the sandbox runs; wait for data first\n"
      "    --lock-file DEST             Take a lock on DEST while sandbox is running\n"
      "    --disable-userns             Disable further use of user namespaces inside sandbox\n"
      "    --assert-userns-disabled     Fail unless further use of user namespace inside sandbox is disabled\n"
      "    --info-fd FD, --json-status-fd FD  The child's pid (JSON), and its exit code\n"
      "    --perms OCTAL                Set permissions of next argument (--tmpfs, --dir, --file...)\n"
      "    --chmod OCTAL PATH           Change permissions of PATH (must already exist)\n"
      "    --cap-add CAP, --cap-drop CAP  Add or drop CAP (or ALL) in the sandbox (emulated)\n"
      "    --overlay-src SRC            Read files from SRC in the following overlay\n"
      "    --overlay RWSRC WORKDIR DEST  Mount an overlay on DEST, writes going to RWSRC\n"
      "    --tmp-overlay DEST           Mount an overlay on DEST, writes going to an invisible scratch directory\n"
      "    --ro-overlay DEST            Mount a read-only overlay on DEST\n"
      "                                 (overlays are unions the tracer keeps: docs/internals/vfs.md)\n"
      "Refused by name, with the reason: --size, SELinux labels,\n"
      "--userns/--userns2/--pidns, --userns-block-fd.\n",
      out);
}

// bwrap's words for an option without its values.
std::string missing_values(const std::string& option, int values) {
  if (values == 3) return option + " takes three arguments";
  return option + (values == 1 ? " takes an argument" : " takes two arguments");
}

// bwrap(1): --perms applies to the next option that makes a file or
// directory; anything else in between is refused.
bool takes_perms(const std::string& option) {
  return option == "--tmpfs" || option == "--dir" || option == "--file" ||
         option == "--bind-data" || option == "--ro-bind-data";
}

// bwrap 0.9's words for --overlay-src left without an overlay to take it.
constexpr const char* kDanglingOverlaySrc =
    "--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, "
    "or --ro-overlay";

// Parses the options in `args` from `i` on into `b`, leaving `i` at the
// command. A status when the run ends here instead (--help, --version, a
// refused or malformed option).
std::optional<int> parse_options(Bwrap& b, std::vector<std::string>& args, std::size_t& i) {
  for (; i < args.size(); ++i) {
    const std::string a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    if (a == "--help") {
      print_usage(stdout);
      return 0;
    }
    if (a == "--version") {
      std::printf("bubblewrap %s (cocoon %s, following bubblewrap %s's command line)\n",
                  kBwrapVersion, COCOON_VERSION, kBwrapVersion);
      return 0;
    }
    if (auto r = refused().find(a); r != refused().end()) {
      return bwrap_fail(a + " is not supported by cocoon: " + r->second);
    }
    const auto n = arity().find(a);
    if (n == arity().end()) return bwrap_fail("Unknown option " + a);
    if (i + static_cast<std::size_t>(n->second) >= args.size()) {
      return bwrap_fail(missing_values(a, n->second));
    }
    if (b.perms && a != "--perms" && !takes_perms(a)) {
      return bwrap_fail("--perms must be followed by an option that creates a file");
    }
    const Option o{a, n->second >= 1 ? args[i + 1] : "", n->second >= 2 ? args[i + 2] : "",
                   n->second >= 3 ? args[i + 3] : ""};
    i += static_cast<std::size_t>(n->second);
    std::vector<std::string> more;
    Applied applied = mount_option(b, o);
    if (applied && !*applied) applied = namespace_option(b, o);
    if (applied && !*applied) applied = process_option(b, o);
    if (applied && !*applied) applied = descriptor_option(b, o, more);
    if (!applied) return bwrap_fail(applied.error());
    args.insert(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, more.begin(), more.end());
    if (a != "--overlay-src" && !b.overlay_srcs.empty()) return bwrap_fail(kDanglingOverlaySrc);
  }
  if (!b.overlay_srcs.empty()) return bwrap_fail(kDanglingOverlaySrc);
  return std::nullopt;
}

// Whether this process may make a user namespace: a child tries.
// (--assert-userns-disabled: bwrap asks the same inside its sandbox.)
bool user_namespaces_allowed() {
  const pid_t child = ::fork();
  if (child == 0) _exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child) return true;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// bwrap's own rules for what needs which namespace, then what the
// namespaces asked for make of the view.
std::optional<std::string> finish_view(Bwrap& b) {
  if (b.hostname && !b.unshare_uts) return "Specifying --hostname requires --unshare-uts";
  if (b.as_pid_1 && !b.session.view.unshare_pid) return "Specifying --as-pid-1 requires --unshare-pid";
  if (b.session.view.disable_userns && !b.unshare_user) return "--disable-userns requires --unshare-user";
  if (b.assert_userns_disabled && !b.session.view.disable_userns && user_namespaces_allowed()) {
    return "creation of new user namespaces was not disabled as requested";
  }
  if (b.as_pid_1 && !b.session.view.lock_files.empty()) {
    return "Specifying --as-pid-1 and --lock-file is not permitted";
  }
  // bwrap run by a user without setuid makes a user namespace whatever
  // the options say (bwrap(1), --unshare-user: "may be automatically
  // implied if not setuid"): the host's other users and root read as the
  // overflow id, and the sandbox holds the capabilities --cap-add names,
  // none by default, whatever its uid. Run as root, bwrap keeps root's
  // real capabilities, and so does cocoon, which cannot drop them for it.
  const bool privileged = ::getuid() == 0;
  if (privileged && b.caps) return "--cap-add and --cap-drop are not supported by cocoon when run as root";
  if (!privileged || b.uid || b.gid) b.unshare_user = true;
  // Without --as-pid-1 bwrap's own init is PID 1 and the command 2; that
  // init is not emulated (nothing shows as 1), only the numbering.
  b.session.view.first_pid = b.as_pid_1 ? 1 : 2;
  for (vfs::MountSpec& m : b.session.view.mounts) m.on_underlying_fs = true;
  b.session.view.hostname = b.hostname;
  b.session.view.unshare_uts = b.unshare_uts;
  if (b.unshare_user) {
    syscalls::IdentityOptions id;
    // The namespace bwrap makes maps --uid/--gid (or the user's own ids)
    // to the user's: the credentials are the user's, seen through it.
    id.uid = ::getuid();
    id.gid = ::getgid();
    // The caller's groups stay the process's across unshare(2) (shown
    // mapped: the overflow id for all but its own gid).
    id.groups = syscalls::caller_groups();
    id.own_user_ns = std::make_pair(b.uid.value_or(::getuid()), b.gid.value_or(::getgid()));
    id.unknown_is_real = true;  // a user namespace shows files' real owners
    if (!privileged) id.capabilities = b.caps.value_or(0);
    b.session.view.identity = id;
  }
  return std::nullopt;
}

// bwrap's --block-fd: wait for a byte (or the end) on it before starting.
void wait_for_block_fd(int fd) {
  char byte = 0;
  while (::read(fd, &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(fd);
}

// The environment options, in cocoon's own environment, which the command
// inherits.
void apply_environment(const Bwrap& b) {
  if (b.clearenv) ::clearenv();
  for (const auto& [name, value] : b.env) {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
}

}  // namespace

int bwrap_main(int argc, char** argv) {
  Bwrap b;
  b.session.view.empty_root = true;
  // bwrap has no emulator: a foreign program is the kernel's (ENOEXEC
  // without binfmt_misc), not cocoon run's choice from the ELF header.
  b.session.view.emulator = "none";
  b.session.view.rootfs_no_devices = true;  // bwrap's root is a nodev tmpfs
  // bwrap's words and status for a command it cannot execute.
  b.session.tracer.exec_failure = {"bwrap: execvp ", 1};
  std::vector<std::string> args(argv, argv + argc);
  std::size_t i = 0;
  if (auto status = parse_options(b, args, i)) return *status;
  b.session.tracer.exec_failure.prefix = bwrap_says(3) + "execvp ";
  for (; i < args.size(); ++i) b.session.argv.push_back(args[i]);
  if (b.session.argv.empty()) {
    print_usage(stderr);  // as bwrap without a command
    return 1;
  }
  if (auto err = finish_view(b)) return bwrap_fail(*err);
  // bwrap sets PWD to the directory the command starts in, after the
  // environment options (so --clearenv keeps it).
  b.session.view.export_pwd = true;
  apply_environment(b);
  if (auto err = setup_logging("", "")) return bwrap_fail(*err);
  if (b.block_fd >= 0) wait_for_block_fd(b.block_fd);
  if (auto err = unwritable_report_fd(b.info_fd, b.json_status_fd)) return bwrap_fail(*err);
  if (b.info_fd >= 0 || b.json_status_fd >= 0) {
    std::set<std::string> made{"mnt"};
    const auto& v = b.session.view;
    if (v.unshare_cgroup) made.insert("cgroup");
    if (v.unshare_ipc) made.insert("ipc");
    if (v.unshare_net) made.insert("net");
    if (v.unshare_pid) made.insert("pid");
    if (b.unshare_uts) made.insert("uts");
    b.session.on_launched_ns = [info = b.info_fd, json = b.json_status_fd, made](
                                   pid_t pid, const std::vector<std::pair<std::string, std::uint64_t>>& ids) {
      report_launch(info, json, pid, ids, made);
    };
  }
  no_seccomp_from_env(b.session);
  // Without cocoon's filter every call stops at its entry, before the
  // kernel runs the seccomp filters (syscall_trace_enter(): the ptrace
  // report comes first), and a call cocoon answers there never reaches
  // them: the user's denials would not hold for those.
  if (!b.session.tracer.use_seccomp && !b.session.tracer.user_filters.empty()) {
    return bwrap_fail(b.seccomp_option + " needs cocoon's seccomp filter (COCOON_NO_SECCOMP is set): "
                      "without it cocoon answers some calls before the kernel's filters see them");
  }
  auto status = syscalls::run_session(b.session);
  if (!status) return bwrap_fail(status.error().message);
  if (b.json_status_fd >= 0) ::dprintf(b.json_status_fd, "{ \"exit-code\": %d }\n", *status);
  return *status;
}

}  // namespace cocoon::tools
