// `cocoon proot`: PRoot's command line (proot(1), 5.x) over cocoon's view
// and identities. Options stop at the first non-option; the default command
// is /bin/sh. PRoot features cocoon does not have (-q qemu, -p port
// mapping, -n, -l link2symlink) fail with a line naming the option.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "front_ends.h"
#include "logging.h"

namespace cocoon::tools {
namespace {

vfs::MountSpec bind_of(const std::string& value, bool optional) {
  vfs::MountSpec m;
  const auto colon = value.find(':');
  m.source = value.substr(0, colon);
  m.target = colon == std::string::npos ? m.source : value.substr(colon + 1);
  m.optional = optional;
  return m;
}

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
  for (const auto& p : paths) view.mounts.push_back(bind_of(p, true));
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
    // "--name=value", "-x value", "-xvalue".
    std::optional<std::string> inline_value;
    if (a.starts_with("--") && a.find('=') != std::string::npos) {
      inline_value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
    } else if (!a.starts_with("--") && a.size() > 2) {
      inline_value = a.substr(2);
      a = a.substr(0, 2);
    }
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
    if (a == "-r" || a == "--rootfs") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      view.rootfs = *v;
    } else if (a == "-R" || a == "-S") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      view.rootfs = *v;
      add_convenience_binds(view, a == "-S");
      if (a == "-S") identity();
    } else if (a == "-b" || a == "--bind" || a == "-m" || a == "--mount") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      view.mounts.push_back(bind_of(*v, false));
    } else if (a == "-w" || a == "--pwd" || a == "--cwd") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      view.cwd = *v;
    } else if (a == "-k" || a == "--kernel-release") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      view.kernel_release = *v;
    } else if (a == "-0" || a == "--root-id") {
      identity();
    } else if (a == "-i" || a == "--change-id") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      const auto colon = v->find(':');
      char* end = nullptr;
      const unsigned long uid = std::strtoul(v->c_str(), &end, 10);
      const unsigned long gid = colon == std::string::npos ? uid
                                                           : std::strtoul(v->c_str() + colon + 1, nullptr, 10);
      if (end == v->c_str()) return fail("proot: -i expects UID:GID, got '" + *v + "'");
      identity().uid = static_cast<std::uint32_t>(uid);
      identity().gid = static_cast<std::uint32_t>(gid);
    } else if (a == "-v" || a == "--verbose") {
      auto v = need(a);
      if (!v) return kCocoonFailed;
      const int level = std::atoi(v->c_str());
      log_level = level <= 0 ? "warn" : level == 1 ? "info" : level == 2 ? "debug" : "trace";
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
