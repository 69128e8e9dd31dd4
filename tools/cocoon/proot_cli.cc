// `cocoon proot`: PRoot's command line (proot(1), 5.x) over cocoon's view
// and identities. Options stop at the first non-option; the default command
// is /bin/sh. PRoot features cocoon does not have (-q qemu, -p port
// mapping, -n, -l link2symlink) fail with a line naming the option.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

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

}  // namespace

int proot_main(int argc, char** argv) {
  syscalls::Session session;
  auto& view = session.view;
  std::string log_level;
  auto identity = [&]() -> syscalls::IdentityOptions& {
    if (!view.identity) view.identity.emplace();
    return *view.identity;
  };
  int i = 0;
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
    const std::optional<std::string> inline_value = std::move(w.value);
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto need = [&](const std::string& opt) -> std::optional<std::string> {
      auto v = value();
      if (!v) fail("proot: option " + opt + " needs an argument");
      return v;
    };
    // The options that take a value, and what each does with it.
    const std::pair<std::vector<std::string_view>, std::function<bool(const std::string&)>>
        with_value[] = {
            {{"-r", "--rootfs"}, [&](const std::string& v) { view.rootfs = v; return true; }},
            {{"-R", "-S"},
             [&](const std::string& v) {
               view.rootfs = v;
               add_convenience_binds(view, a == "-S");
               if (a == "-S") identity();
               return true;
             }},
            {{"-b", "--bind", "-m", "--mount"},
             [&](const std::string& v) { view.mounts.push_back(bind_spec(v, false, false)); return true; }},
            {{"-w", "--pwd", "--cwd"}, [&](const std::string& v) { view.cwd = v; return true; }},
            {{"-k", "--kernel-release"},
             [&](const std::string& v) { view.kernel_release = v; return true; }},
            {{"-i", "--change-id"}, [&](const std::string& v) { return change_id(v, identity()); }},
            {{"-v", "--verbose"},
             [&](const std::string& v) {
               const int level = std::atoi(v.c_str());
               log_level = level <= 0 ? "warn" : level == 1 ? "info" : level == 2 ? "debug" : "trace";
               return true;
             }},
        };
    bool taken = false;
    for (const auto& [names, apply] : with_value) {
      if (std::find(names.begin(), names.end(), a) == names.end()) continue;
      auto v = need(a);
      if (!v) return kCocoonFailed;
      if (!apply(*v)) return fail("proot: " + a + " expects UID:GID, got '" + *v + "'");
      taken = true;
    }
    if (taken) continue;
    if (a == "-0" || a == "--root-id") {
      identity();
    } else if (a == "--kill-on-exit") {
      session.tracer.kill_on_exit = true;
    } else if (a == "-V" || a == "--version") {
      std::printf("proot 5.1.0 (cocoon %s: ptrace and seccomp, no qemu)\n", COCOON_VERSION);
      return 0;
    } else if (a == "-h" || a == "--help" || a == "--usage") {
      std::puts("usage: proot [option] ... [command]\n"
                "  -r/--rootfs PATH, -b/--bind/-m/--mount HOST[:GUEST], -w/--pwd/--cwd PATH,\n"
                "  -R PATH, -S PATH, -0/--root-id, -i/--change-id UID:GID,\n"
                "  -k/--kernel-release STR, -v/--verbose N, --kill-on-exit, -V, -h\n"
                "(cocoon's proot: -q, -p, -n and -l are not supported)");
      return 0;
    } else if (a == "-q" || a == "--qemu" || a == "-p" || a == "--port" || a == "-n" ||
               a == "--netcoop" || a == "-l" || a == "--link2symlink") {
      return fail("proot: option " + a + " is not supported by cocoon");
    } else {
      return fail("proot: unknown option " + a + " (see proot --help)");
    }
  }
  for (; i < argc; ++i) session.argv.emplace_back(argv[i]);
  if (session.argv.empty()) session.argv.emplace_back("/bin/sh");
  if (auto err = setup_logging(log_level, "")) return fail(*err);
  return run(session);
}

}  // namespace cocoon::tools
