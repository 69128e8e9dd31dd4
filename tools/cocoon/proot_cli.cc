// `cocoon proot`: PRoot's command line (proot(1), 5.x) over cocoon's view
// and identities. Options stop at the first non-option; the default command
// is /bin/sh. PRoot features cocoon does not have (-p port mapping, -n,
// -l link2symlink) fail with a line naming the option. --db is cocoon's own
// (PRoot keeps nothing across runs).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "cocoon/vfs/path.h"
#include "front_ends.h"
#include "logging.h"

namespace cocoon::tools {
namespace {

// -R and -S: a guest rootfs plus the host files and directories PRoot's
// manual lists for them, each bound only if the host has it.
void add_convenience_binds(syscalls::RunConfig& view, bool for_packages) {
  std::vector<std::string> paths =
      for_packages
          ? std::vector<std::string>{"/etc/host.conf", "/etc/hosts", "/etc/nsswitch.conf",
                                     "/etc/resolv.conf", "/dev", "/sys", "/proc", "/tmp",
                                     "/run/shm"}
          : std::vector<std::string>{"/etc/host.conf", "/etc/hosts", "/etc/hosts.equiv",
                                     "/etc/mtab", "/etc/netgroup", "/etc/networks",
                                     "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
                                     "/etc/resolv.conf", "/etc/localtime", "/dev", "/sys",
                                     "/proc", "/tmp", "/run", "/var/run/dbus/system_bus_socket"};
  if (const char* home = std::getenv("HOME"); home && *home) paths.emplace_back(home);
  for (const auto& p : paths) view.mounts.push_back(bind_spec(p, false, true));
}

// -i UID:GID (UID alone: the same for both).
bool change_id(const std::string& v, syscalls::IdentityOptions& id) {
  char* end = nullptr;
  const unsigned long uid = std::strtoul(v.c_str(), &end, 10);
  if (end == v.c_str() || (*end != '\0' && *end != ':')) return false;
  char* gid_end = end + 1;
  const unsigned long gid = *end == ':' ? std::strtoul(end + 1, &gid_end, 10) : uid;
  if (*end == ':' && (gid_end == end + 1 || *gid_end != '\0')) return false;
  id.uid = static_cast<std::uint32_t>(uid);
  id.gid = static_cast<std::uint32_t>(gid);
  return true;
}

// -b given for a guest path bound before: PRoot keeps the last binding of a
// guest path, so the later one replaces the earlier where it stood (-R's and
// -S's convenience binds included). A source realpath(3) cannot resolve
// (missing, a dangling link) is PRoot's warning and no binding: the command
// runs without it, an earlier binding of the guest path staying (PRoot's
// new_binding() gives up before it replaces anything).
void add_bind(syscalls::RunConfig& view, const std::string& value) {
  vfs::MountSpec spec = bind_spec(value, false, false);
  if (char* real = ::realpath(spec.source.c_str(), nullptr)) {
    std::free(real);
  } else {
    std::fprintf(stderr, "proot warning: can't sanitize binding \"%s\": %s\n", spec.source.c_str(),
                 std::strerror(errno));
    return;
  }
  const auto normal = [](const std::string& p) {
    return p.starts_with('/') ? vfs::normalize_lexically(p) : p;
  };
  const auto same = std::find_if(view.mounts.begin(), view.mounts.end(), [&](const auto& m) {
    return m.kind == vfs::MountKind::kBind && normal(m.target) == normal(spec.target);
  });
  if (same == view.mounts.end()) {
    view.mounts.push_back(std::move(spec));
  } else {
    *same = std::move(spec);
  }
}

// PRoot's working directory (initialize_cwd(), PRoot's cli.c): -w's value,
// "." without one; a relative one names the host's current directory, taken
// as a guest path.
std::string proot_cwd(const std::optional<std::string>& given) {
  const std::string cwd = given.value_or(".");
  if (cwd.starts_with('/')) return cwd;
  char* here = ::getcwd(nullptr, 0);
  const std::string base = here != nullptr ? here : "/";
  std::free(here);
  return cwd == "." ? base : base + "/" + cwd;
}

// What the options fill: the session, and the log level -v asks for.
struct Proot {
  syscalls::Session session;
  std::string log_level;
  std::string db;  // --db FILE
  syscalls::IdentityOptions& identity() {
    auto& view = session.view;
    if (!view.identity) view.identity.emplace();
    return *view.identity;
  }
};

// An option that takes a value: its names, and what it does with the value
// (false: a malformed value).
struct ValueOption {
  std::vector<std::string_view> names;
  std::function<bool(const std::string&)> apply;
};

// The options that take a value.
std::vector<ValueOption> value_options(Proot& p) {
  auto& view = p.session.view;
  return {
      {{"-r", "--rootfs"}, [&](const std::string& v) { view.rootfs = v; return true; }},
      {{"-R"},
       [&](const std::string& v) {
         view.rootfs = v;
         add_convenience_binds(view, false);
         return true;
       }},
      {{"-S"},
       [&](const std::string& v) {
         view.rootfs = v;
         add_convenience_binds(view, true);
         p.identity();
         return true;
       }},
      {{"-b", "--bind", "-m", "--mount"},
       [&](const std::string& v) {
         add_bind(view, v);
         return true;
       }},
      {{"-w", "--pwd", "--cwd"}, [&](const std::string& v) { view.cwd = v; return true; }},
      // PRoot's -q 'qemu-ARCH OPTIONS': every program of another machine
      // runs through it (cocoon run -q).
      {{"-q", "--qemu"}, [&](const std::string& v) { view.emulator = v; return true; }},
      {{"-k", "--kernel-release"},
       [&](const std::string& v) { view.kernel_release = v; return true; }},
      {{"-i", "--change-id"}, [&](const std::string& v) { return change_id(v, p.identity()); }},
      {{"--db"}, [&](const std::string& v) { p.db = v; return true; }},
      {{"-v", "--verbose"},
       [&](const std::string& v) {
         const int level = std::atoi(v.c_str());
         p.log_level = level <= 0 ? "warn" : level == 1 ? "info" : level == 2 ? "debug" : "trace";
         return true;
       }},
  };
}

// An option without a value. A status when the run ends here (--version,
// --help, an unsupported or unknown option).
std::optional<int> flag_option(Proot& p, const std::string& a) {
  if (a == "-0" || a == "--root-id") {
    p.identity();
  } else if (a == "--kill-on-exit") {
    p.session.tracer.kill_on_exit = true;
  } else if (a == "-V" || a == "--version") {
    std::printf("proot 5.1.0 (cocoon %s: ptrace and seccomp)\n", COCOON_VERSION);
    return 0;
  } else if (a == "-h" || a == "--help" || a == "--usage") {
    std::puts("usage: proot [option] ... [command]\n"
              "  -r/--rootfs PATH, -b/--bind/-m/--mount HOST[:GUEST], -w/--pwd/--cwd PATH,\n"
              "  -R PATH, -S PATH, -0/--root-id, -i/--change-id UID:GID,\n"
              "  -q/--qemu 'QEMU [OPTIONS]' (programs of another architecture),\n"
              "  -k/--kernel-release STR, -v/--verbose N, --kill-on-exit, -V, -h\n"
              "cocoon's own: --db FILE keeps the owners and modes -0, -S or -i record\n"
              "  across runs (cocoon run's --db)\n"
              "exit status: the last process's to exit, as PRoot's (a child the command\n"
              "  left running may end after it)\n"
              "(cocoon's proot: -p, -n and -l are not supported)");
    return 0;
  } else if (a == "-p" || a == "--port" || a == "-n" ||
             a == "--netcoop" || a == "-l" || a == "--link2symlink") {
    return fail("proot: option " + a + " is not supported by cocoon");
  } else {
    return fail("proot: unknown option " + a + " (see proot --help)");
  }
  return std::nullopt;
}

// Parses the options in argv from `i` on into `p`, leaving `i` at the
// command. A status when the run ends here instead.
std::optional<int> parse_options(Proot& p, int argc, char** argv, int& i) {
  const auto options = value_options(p);
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-') break;
    // "--name=value", "-x value", "-xvalue" (PRoot's getopt-like parser).
    OptionWord w = split_option(a, "rbmwkivRSqp");
    a = w.name;
    const auto option = std::find_if(options.begin(), options.end(), [&](const ValueOption& o) {
      return std::find(o.names.begin(), o.names.end(), a) != o.names.end();
    });
    if (option == options.end()) {
      if (auto status = flag_option(p, a)) return status;
      continue;
    }
    std::optional<std::string> v = std::move(w.value);
    if (!v && i + 1 < argc) v = argv[++i];
    if (!v) return fail("proot: option " + a + " needs an argument");
    if (!option->apply(*v)) return fail("proot: " + a + " expects UID:GID, got '" + *v + "'");
  }
  return std::nullopt;
}

// What the options mean together: --db needs an identity to record, the
// working directory follows PRoot's rules. A status when the run ends here.
std::optional<int> finish_options(Proot& p) {
  auto& view = p.session.view;
  if (!p.db.empty()) {
    if (!view.identity) return fail("proot: --db keeps what -0, -S or -i record: give one of them");
    view.identity->db = p.db;
  }
  // PRoot's exit status: the last process's to exit, which may be a child
  // the command left running.
  p.session.tracer.status_of_last_exit = true;
  view.cwd = proot_cwd(view.cwd);
  // PRoot runs a foreign program only through -q's emulator (else the
  // kernel's ENOEXEC): no choice from the ELF header (cocoon run's default).
  if (view.emulator.empty()) view.emulator = "none";
  view.cwd_falls_back = true;
  view.export_pwd = true;
  view.links_in_guest_terms = true;
  // PRoot's switch for its seccomp acceleration (proot(1), ENVIRONMENT):
  // cocoon's --no-seccomp.
  if (std::getenv("PROOT_NO_SECCOMP") != nullptr) {
    p.session.tracer.use_seccomp = false;
  }
  return std::nullopt;
}

}  // namespace

int proot_main(int argc, char** argv) {
  Proot p;
  int i = 0;
  if (auto status = parse_options(p, argc, argv, i)) return *status;
  if (auto status = finish_options(p)) return *status;
  for (; i < argc; ++i) p.session.argv.emplace_back(argv[i]);
  if (p.session.argv.empty()) p.session.argv.emplace_back("/bin/sh");
  if (auto err = setup_logging(p.log_level, "")) return fail(*err);
  return run(p.session);
}

}  // namespace cocoon::tools
