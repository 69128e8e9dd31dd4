#include "exec_script.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "exec_elf.h"
#include "exec_foreign.h"

namespace cocoon::syscalls {
namespace {

// BINPRM_BUF_SIZE (include/uapi/linux/binfmts.h): what the kernel reads of
// a file to choose its binfmt; a "#!" line is cut there.
constexpr std::size_t kBinprmBuf = 256;
// BINPRM_MAX_RECURSION (include/linux/binfmts.h): ELOOP past this.
constexpr int kMaxRecursion = 4;

bool blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string read_binprm_head(const std::string& host) {
  char buf[kBinprmBuf];
  const int fd = ::open(host.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return {};  // the kernel will say why (EACCES, ...)
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::expected<std::optional<Shebang>, int> parse_shebang(std::string_view head) {
  if (!head.starts_with("#!")) return std::nullopt;
  std::string_view line = head.substr(2);
  line = line.substr(0, std::min(line.find('\n'), line.size()));
  auto trim = [](std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && (blank(s.back()) || s.back() == '\r' || s.back() == '\0')) s.remove_suffix(1);
    return s;
  };
  line = trim(line);
  if (line.empty()) return std::unexpected(ENOEXEC);
  std::size_t end = 0;
  while (end < line.size() && !blank(line[end])) ++end;
  Shebang sh{std::string(line.substr(0, end)), std::nullopt};
  if (auto rest = trim(line.substr(end)); !rest.empty()) sh.arg = std::string(rest);
  return sh;
}

namespace {

// Whether the kernel would exec the file at `host` itself: do_open_execat()
// (fs/exec.c) wants a regular file the caller may execute on a mount
// without noexec, else EACCES. The kernel checks only the file it is handed,
// so a level the tracer reads past (a script, for its interpreter; a
// program, for the guest's ld.so) is checked here, or a file without the
// execute bit would run. access(2) checks noexec for regular files too; the
// tracer's credentials are the guest's real ones (cocoon emulates, it does
// not change them).
int exec_error(const std::string& host) {
  struct stat st {};
  if (::stat(host.c_str(), &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (::faccessat(AT_FDCWD, host.c_str(), X_OK, AT_EACCESS) != 0) return errno;
  return 0;
}

std::expected<vfs::Resolved, int> resolve_exec(const GuestView& view, pid_t tid, pid_t tgid,
                                               const std::string& path) {
  auto r = view.resolve_at(tid, tgid, AT_FDCWD, path, {});
  if (r && r->kind == vfs::EntryKind::kMissing) return std::unexpected(ENOENT);
  return r;
}

// A dynamic program whose interpreter is not the host's file of that path:
// exec the guest's interpreter with the program as its argument.
// Whether the host names `a` and `b` reach one file (the guest's ld.so is
// the host's through a symlink, as /lib64's is).
bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// `name` is the program's path as ld.so is to open it (from the guest's
// cwd, in the guest's view): glibc's ld.so makes it the program's AT_EXECFN
// (_dl_start_args_adjust(), elf/rtld.c), so it is the guest's own name
// where ld.so would open the same file by it.
std::expected<void, int> through_elf_interpreter(const GuestView& view, pid_t tid, pid_t tgid,
                                                 ExecPlan& plan, const std::string& guest,
                                                 const std::string& name) {
  const auto interp = elf_interpreter(plan.host);
  if (!interp || interp->empty()) return {};
  auto r = resolve_exec(view, tid, tgid, *interp);
  // The kernel opens the program before its interpreter.
  if (!r) {
    const int err = exec_error(plan.host);
    return std::unexpected(err != 0 ? err : r.error());
  }
  if (same_file(r->host.str(), *interp)) return {};  // the kernel's choice is right
  if (int err = exec_error(plan.host)) return std::unexpected(err);
  std::vector<std::optional<std::string>> head{*interp};
  LoaderArgs loader{*interp, interpreter_takes_argv0(r->host.str()), name};
  if (loader.argv0) {
    head.push_back("--argv0");
    head.push_back(plan.argv_head.empty() ? std::nullopt : plan.argv_head.front());
  }
  head.push_back(name);
  if (!plan.argv_head.empty()) head.insert(head.end(), plan.argv_head.begin() + 1, plan.argv_head.end());
  plan.argv_head = std::move(head);
  plan.host = r->host.str();
  plan.exe_guest = guest;
  plan.loader = std::move(loader);
  return {};
}

// A program of another machine: qemu-user, from its host path, with the
// program as its argument (exec_foreign.h). The kernel checks only qemu's
// execute permission, so the program's is checked here, as for ld.so.
std::expected<void, int> through_emulator(const Emulator& emu, ExecPlan& plan,
                                          const std::string& guest, const std::string& name) {
  if (int err = exec_error(plan.host)) return std::unexpected(err);
  std::vector<std::optional<std::string>> head{emu.host};
  head.insert(head.end(), emu.args.begin(), emu.args.end());
  head.push_back("-0");
  head.push_back(plan.argv_head.empty() ? std::nullopt : plan.argv_head.front());
  head.push_back(name);
  if (!plan.argv_head.empty()) head.insert(head.end(), plan.argv_head.begin() + 1, plan.argv_head.end());
  plan.argv_head = std::move(head);
  plan.host = emu.host;
  plan.exe_guest = guest;
  plan.loader = LoaderArgs{emu.host, true, name, emu.args, "-0"};
  return {};
}

// The kernel names a process after the path its execve was given
// (__set_task_comm(me, kbasename(bprm->filename)), begin_new_exec() in
// fs/exec.c): comm, which /proc/PID/comm, stat and status show and
// `pgrep -x`/`pkill -x` match. A program run through the guest's ld.so
// would be named after ld.so; instead the exec goes through a symlink to
// that ld.so in the run's scratch directory, named as the guest's path
// ends (a directory per ld.so, so one name never points at two). The
// kernel resolves it to the same file: /proc/PID/exe and the new image are
// unchanged. `host` when there is no scratch directory or no name.
std::string named_after(const GuestView& view, const std::string& host, const std::string& given) {
  const auto slash = given.find_last_of('/');
  const std::string name = slash == std::string::npos ? given : given.substr(slash + 1);
  if (view.exec_name_prefix().empty() || name.empty() || name == "." || name == "..") return host;
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(host));
  const std::string dir = view.exec_name_prefix() + hash;
  const std::string link = dir + "/" + name;
  // A link already there is used only if it still names this ld.so: the
  // directory is the guest's uid's, so it is read back, not trusted.
  const auto made = [&] {
    if (::symlink(host.c_str(), link.c_str()) == 0) return true;
    if (errno != EEXIST) return false;
    char body[PATH_MAX];
    const ssize_t n = ::readlink(link.c_str(), body, sizeof body);
    return n > 0 && std::string_view(body, static_cast<std::size_t>(n)) == host;
  };
  if (made()) return link;
  if (errno != ENOENT || (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)) return host;
  return made() ? link : host;
}

}  // namespace

std::expected<ExecPlan, int> plan_exec(const GuestView& view, pid_t tid, pid_t tgid,
                                       const vfs::Resolved& program, const std::string& as_given) {
  ExecPlan plan{program.host.str(), {}};
  std::string current = as_given;       // the path this level was exec'd by
  std::string guest = program.guest.str();  // its canonical guest path
  std::string head;                     // the first bytes of this level's file
  for (int depth = 0;; ++depth) {
    head = read_binprm_head(plan.host);
    auto sh = parse_shebang(head);
    if (sh && !*sh) break;  // not a script: the kernel (or the ELF step) decides
    if (int err = exec_error(plan.host)) return std::unexpected(err);
    if (!sh) return std::unexpected(sh.error());
    if (depth == kMaxRecursion) return std::unexpected(ELOOP);
    // binfmt_script: argv = interpreter, [argument], the script's path, then
    // what followed the previous argv[0].
    std::vector<std::optional<std::string>> head{(*sh)->interpreter};
    if ((*sh)->arg) head.push_back(*(*sh)->arg);
    head.push_back(current);
    if (!plan.argv_head.empty()) head.insert(head.end(), plan.argv_head.begin() + 1, plan.argv_head.end());
    plan.argv_head = std::move(head);
    auto r = resolve_exec(view, tid, tgid, (*sh)->interpreter);
    if (!r) return std::unexpected(r.error());
    plan.host = r->host.str();
    guest = r->guest.str();
    current = (*sh)->interpreter;
  }
  // ld.so opens a name without a slash by searching library paths, and a
  // /dev/fd/N name (execveat) through a descriptor of the tracee's: those
  // get the canonical guest path.
  std::string name = guest;
  if (current == as_given && !as_given.starts_with("/dev/fd/")) {
    name = as_given.find('/') == std::string::npos ? "./" + as_given : as_given;
  }
  const Emulator* emu = view.emulators() ? view.emulators()->for_program(head) : nullptr;
  auto e = emu != nullptr ? through_emulator(*emu, plan, guest, name)
               : through_elf_interpreter(view, tid, tgid, plan, guest, name);
  if (!e) return std::unexpected(e.error());
  if (!plan.exe_guest.empty()) {
    plan.exe_host = plan.host;
    plan.host = named_after(view, plan.host, as_given);
  }
  return plan;
}

}  // namespace cocoon::syscalls
