// cocoon's command line: parses arguments into a Session and hands it to the
// library. Nothing else lives here.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/arch/arch.h"
#include "cocoon/arch/kernel.h"
#include "cocoon/syscalls/sandboxes.h"
#include "cocoon/syscalls/session.h"
#include "front_ends.h"
#include "logging.h"
#include "trace_cli.h"

namespace {

using cocoon::tools::fail;

constexpr const char* kExamples = R"(Examples:
  cocoon run -- sh -c 'echo hello from $(uname -n)'
  cocoon run --hostname box -- uname -n
  cocoon run --no-seccomp -- ls /
  cocoon syscalls --arch aarch64
  cocoon syscalls --traced --hostname box
  cocoon trace -r ./rootfs -- cat /etc/hostname     (each intercepted syscall, what cocoon did)
  cocoon run -r ./rootfs -b /home/me/src:/src --ro-bind /etc/resolv.conf -w /src -- sh
  cocoon run -0 --db owners.db -- sh -c 'chown root:root f && ls -l f'
  cocoon fakeroot -s save -- dpkg-deb --build pkg    (or cocoon installed as fakeroot)
  cocoon mounts -r ./rootfs --tmpfs /tmp --proc /proc
  cocoon run --name box --unshare-pid --hostname box -- sleep 600 &
  cocoon ps -a                                       (the runs, their tasks)
  cocoon enter box -- sh                             (a shell inside the run)
  cocoon oci run -b ./bundle box1                    (an OCI bundle: umoci unpack --rootless)

Exit status: the command's own, 128+N if signal N killed it, 127 if it
was not found, 126 if it could not be executed, 125 if cocoon failed.
Environment: COCOON_LOG_LEVEL sets the log level when --log-level is absent;
COCOON_LOG_TIME=1 starts each log line with the time (microseconds).)";

struct Options {
  cocoon::syscalls::Session session;
  bool all = false, json = false;  // ps
  cocoon::syscalls::EnterRequest enter;
  std::string log_level, log_file;
  std::string arch;
  bool traced_only = false;
};

// Mount options are applied in command-line order (a later mount may nest
// in an earlier one), hence trigger_on_parse rather than one vector each.
void add_mount_options(CLI::App* cmd, Options& o) {
  auto& mounts = o.session.view.mounts;
  auto bind = [&](const char* flags, bool ro, bool optional, const char* help) {
    cmd->add_option_function<std::string>(
           flags, [&mounts, ro, optional](const std::string& v) {
             mounts.push_back(cocoon::tools::bind_spec(v, ro, optional));
           },
           help)
        ->trigger_on_parse();
  };
  bind("-b,--bind", false, false, "HOST[:GUEST]: show host path HOST at guest path GUEST");
  bind("--ro-bind", true, false, "HOST[:GUEST]: the same, read-only (writes fail with EROFS)");
  bind("--bind-try", false, true, "Like --bind, skipped when HOST does not exist");
  bind("--ro-bind-try", true, true, "Like --ro-bind, skipped when HOST does not exist");
  using Kind = cocoon::vfs::MountKind;
  auto special = [&](const char* flag, Kind kind, const char* help) {
    cmd->add_option_function<std::string>(
           flag, [&mounts, kind](const std::string& guest) {
             cocoon::vfs::MountSpec m;
             m.kind = kind;
             m.target = guest;
             mounts.push_back(m);
           },
           help)
        ->trigger_on_parse();
  };
  special("--tmpfs", Kind::kTmpfs, "GUEST: an empty private directory, removed at exit");
  special("--dir", Kind::kDir, "GUEST: an empty directory");
  special("--proc", Kind::kProc, "GUEST: the host's /proc");
  special("--dev", Kind::kDev, "GUEST: a minimal /dev (null, zero, full, random, urandom, tty, pts, shm)");
  // Unions (vfs/union.h), lower directories named as overlayfs's lowerdir
  // does: the first is the top one.
  auto overlay = [&](const char* flag, bool upper, bool ro, const char* help) {
    cmd->add_option_function<std::string>(
           flag, [&mounts, upper, ro, flag](const std::string& v) {
             std::vector<std::string> parts;
             for (std::size_t at = 0;;) {
               const auto colon = v.find(':', at);
               parts.push_back(v.substr(at, colon - at));
               if (colon == std::string::npos) break;
               at = colon + 1;
             }
             const std::size_t lowers = parts.size() - (upper ? 2 : 1);
             if (parts.size() < (upper ? 3u : 2u) || (ro && lowers < 1)) {
               throw CLI::ValidationError(flag, "expects " + std::string(upper ? "GUEST:UPPER:LOWER[:LOWER...]"
                                                                             : "GUEST:LOWER[:LOWER...]") +
                                                    ", got '" + v + "'");
             }
             cocoon::vfs::MountSpec m;
             m.kind = cocoon::vfs::MountKind::kOverlay;
             m.target = parts[0];
             m.read_only = ro;
             if (upper) m.upper = parts[1];
             m.lowers.assign(parts.rbegin(), parts.rbegin() + static_cast<std::ptrdiff_t>(lowers));
             mounts.push_back(m);
           },
           help)
        ->trigger_on_parse();
  };
  overlay("--overlay", true, false,
          "GUEST:UPPER:LOWER[:LOWER...]: the union of the LOWER directories (the first on top) "
          "at GUEST, changes going to UPPER (copy-up, whiteouts named .wh.NAME)");
  overlay("--tmp-overlay", false, false,
          "GUEST:LOWER[:LOWER...]: the same, changes going to a private directory removed at exit");
  overlay("--ro-overlay", false, true, "GUEST:LOWER[:LOWER...]: the union, read-only");
  cmd->add_option_function<std::vector<std::string>>(
         "--symlink", [&mounts](const std::vector<std::string>& v) {
           cocoon::vfs::MountSpec m;
           m.kind = Kind::kSymlink;
           m.symlink_target = v.at(0);
           m.target = v.at(1);
           mounts.push_back(m);
         },
         "TARGET GUEST: a symlink at GUEST pointing to TARGET")
      ->expected(2)
      ->trigger_on_parse();
}

// -0, --uid, --gid, -i UID:GID (PRoot's), --db, --unknown-is-real: any of
// them turns identity emulation on.
void add_identity_options(CLI::App* cmd, Options& o) {
  auto identity = [&o]() -> cocoon::syscalls::IdentityOptions& {
    if (!o.session.view.identity) o.session.view.identity.emplace();
    return *o.session.view.identity;
  };
  cmd->add_flag_callback(
      "-0,--root", [identity] { identity(); },
      "Fake root: uid and gid 0, every capability; chown, chmod, mknod and setcap are "
      "recorded (see --db), and stat shows what was recorded");
  cmd->add_option_function<std::uint32_t>(
      "--uid", [identity](std::uint32_t v) { identity().uid = v; },
      "N: the guest's uid (with identity emulation, as -0 does for 0)");
  cmd->add_option_function<std::uint32_t>(
      "--gid", [identity](std::uint32_t v) { identity().gid = v; }, "N: the guest's gid");
  cmd->add_option_function<std::string>(
         "-i,--identity",
         [identity](const std::string& v) {
           const auto colon = v.find(':');
           std::size_t end = 0;
           try {
             identity().uid = static_cast<std::uint32_t>(std::stoul(v.substr(0, colon), &end));
             identity().gid = colon == std::string::npos
                                  ? identity().uid
                                  : static_cast<std::uint32_t>(std::stoul(v.substr(colon + 1)));
           } catch (const std::exception&) {
             throw CLI::ValidationError("-i", "expects UID:GID, got '" + v + "'");
           }
         },
         "UID:GID: the guest's uid and gid (PRoot's -i)");
  cmd->add_option_function<std::string>(
      "--db", [identity](const std::string& v) { identity().db = v; },
      "FILE: keep the recorded owners, modes and devices in FILE across runs");
  cmd->add_flag_callback(
      "--unknown-is-real", [identity] { identity().unknown_is_real = true; },
      "Files never chowned show their real owner (default: the emulated user)");
}

void add_view_options(CLI::App* cmd, Options& o) {
  add_identity_options(cmd, o);
  cmd->add_option("--hostname", o.session.view.hostname,
                  "NAME: the host name uname() and /proc/sys/kernel/hostname report in the guest");
  cmd->add_option("--domainname", o.session.view.domainname,
                  "NAME: the NIS domain name uname() and /proc/sys/kernel/domainname report");
  cmd->add_option("--kernel-release", o.session.view.kernel_release,
                  "STR: the kernel release uname() and /proc/sys/kernel/osrelease report "
                  "(PRoot's -k)");
  cmd->add_flag("--namespaces", o.session.view.namespaces,
                "Emulate the namespaces the guest creates itself (unshare, clone CLONE_NEW*, "
                "setns, uid_map): unshare(1) and friends work where the kernel refuses them");
  cmd->add_flag("--unshare-net", o.session.view.unshare_net,
                "The guest reaches loopback only: connections elsewhere fail with "
                "ENETUNREACH (see docs/threat-model.md for what this does not isolate)");
  cmd->add_flag("--unshare-pid", o.session.view.unshare_pid,
                "The command is PID 1 of an emulated PID namespace: it and its descendants "
                "see only each other, under their own numbers");
  cmd->add_option("-r,--rootfs", o.session.view.rootfs,
                  "DIR: the guest's root directory (default: the host's /)");
  cmd->add_option("-q,--qemu", o.session.view.emulator,
                  "QEMU: run programs of another architecture (any ELF the kernel would "
                  "refuse for its machine) through this qemu-user, a path or a name in PATH, "
                  "quoted with its own options: -q 'qemu-aarch64-static -cpu max'; 'auto': "
                  "each machine's qemu-ARCH-static in PATH (the default with -r DIR); "
                  "'none': the kernel refuses them");
  cmd->add_option("-w,--cwd", o.session.view.cwd,
                  "DIR: the guest's working directory (default: the current one if the "
                  "guest sees it, else /)");
  add_mount_options(cmd, o);
  cmd->add_flag_callback(
      "--no-landlock", [&o] { o.session.view.landlock = false; },
      "Do not confine the guest with Landlock to the root and the mounts "
      "(path rewriting alone; see docs/threat-model.md)");
  cmd->add_flag("--strict", o.session.view.strict,
                "Refuse to start where this kernel cannot back the view with Landlock "
                "(before 5.13), instead of warning and relying on path rewriting alone");
  cmd->add_flag("--allow-races", o.session.view.allow_races,
                "Run --unshare-net where this kernel cannot back its names (abstract "
                "sockets before 6.12, IP addresses before 5.6) on translation alone, which a "
                "thread of the guest can race, instead of refusing (also "
                "COCOON_ALLOW_RACES=1)");
}

void add_run_options(CLI::App* cmd, Options& o) {
  add_view_options(cmd, o);
  cmd->add_flag_callback(
      "--no-seccomp", [&o] { o.session.tracer.use_seccomp = false; },
      "Stop at every syscall (PTRACE_SYSCALL) instead of filtering");
  cmd->add_flag_callback(
      "--no-seccomp-notify", [&o] { o.session.tracer.notify = false; },
      "Stop (ptrace) at the calls cocoon otherwise answers from seccomp user "
      "notifications without a stop; lets the guest install a seccomp listener of its own "
      "(docs/architecture.md)");
  cmd->add_flag("--spec-mitigation", o.session.tracer.spec_mitigation,
                "Keep the kernel's speculation mitigations for seccomp-filtered tasks "
                "(SSBD, IBPB: the default of kernels before 5.16) for the guest; by default "
                "cocoon's filter opts out (SECCOMP_FILTER_FLAG_SPEC_ALLOW) and the guest runs "
                "as it would natively (docs/threat-model.md)");
  cmd->add_flag_callback(
      "--no-cpu-placement", [&o] { o.session.view.cpu_placement = false; },
      "Do not put cocoon and a serial guest (at most one of its tasks runnable) "
      "on one CPU (docs/benchmark.md)");
  cmd->add_flag("--agent", o.session.view.agent,
                "Experimental, x86-64, no namespaces: answer the stat family and plain file creations "
                "(-0 or --uid without a view), or in a view under Landlock one name's stat, open for "
                "reading and a plain directory's listing, inside the guest, from an agent cocoon places "
                "in each process, without a stop (docs/agent.md). NOT containment: the guest can reach "
                "past it (in a view as far as Landlock lets it: host metadata, binds' hidden files). "
                "Also COCOON_AGENT=1 (the front ends)");
  cmd->add_flag("--die-with-parent", o.session.tracer.die_with_parent,
                "Kill the guest tree when cocoon's parent dies");
  cmd->add_flag("--kill-on-exit", o.session.tracer.kill_on_exit,
                "Kill the guest's remaining processes when the command exits "
                "(default: wait for them)");
  cmd->add_option("--name", o.session.name,
                  "NAME: a name for the run, unique among yours, for cocoon ps and cocoon enter");
  cmd->add_option("command", o.session.argv, "The command and its arguments, after --")
      ->required();
}

int ps_command(const Options& o) {
  if (auto r = cocoon::syscalls::list_sandboxes(std::cout, o.all, o.json); !r) return fail(r.error());
  return 0;
}

int enter_command(const Options& o) {
  auto status = cocoon::syscalls::enter_sandbox(o.enter);
  if (!status) {
    fail(status.error().message);
    return status.error().status;
  }
  return *status;
}

int run_command(const Options& o) { return cocoon::tools::run(o.session); }

int mounts_command(const Options& o) {
  if (auto r = cocoon::syscalls::print_mounts(std::cout, o.session.view); !r) return fail(r.error());
  return 0;
}

int syscalls_command(const Options& o) {
  auto abi = cocoon::arch::host_arch();
  if (!o.arch.empty()) {
    auto parsed = cocoon::arch::from_name(o.arch);
    if (!parsed) return fail("unknown architecture '" + o.arch + "' (x86_64, i386, aarch64, riscv64)");
    abi = *parsed;
  }
  if (auto r = cocoon::syscalls::print_syscalls(std::cout, abi, o.session.view, o.traced_only); !r) {
    return fail(r.error());
  }
  return 0;
}

// What this kernel gives: 0 when cocoon runs here (with seccomp), else 125.
int doctor_command() {
  const auto& kernel = cocoon::arch::kernel_features();
  for (const std::string& line : cocoon::arch::describe_kernel(kernel, cocoon::arch::host_arch())) {
    std::cout << line << '\n';
  }
  return cocoon::arch::missing_for_run(kernel, true) ? 125 : 0;
}

// Front ends with other programs' command lines, each taking argv without
// its own name.
struct FrontEnd {
  const char* name;
  int (*main)(int, char**);
  const char* help;
};
constexpr FrontEnd kFrontEnds[] = {
    {"fakeroot", &cocoon::tools::fakeroot_main,
     "fakeroot's command line: COMMAND as root, its chowns recorded (or cocoon installed as "
     "fakeroot)"},
    {"proot", &cocoon::tools::proot_main,
     "PRoot's command line: -r ROOT, -b HOST:GUEST, -w DIR, -0... (or cocoon installed as proot; "
     "cocoon proot --help)"},
    {"bwrap", &cocoon::tools::bwrap_main,
     "bubblewrap's command line: --ro-bind / /, --tmpfs, --unshare-*... (or cocoon installed as "
     "bwrap; cocoon bwrap --help)"},
    {"oci", &cocoon::tools::oci_main,
     "OCI runtime bundles with runc's command line: create, start, run, state, kill, delete, "
     "list (cocoon oci --help)"},
};

// A front end as a subcommand, or when cocoon runs under that program's
// name (a symlink). Their status, or nothing when the command line is
// cocoon's own.
std::optional<int> other_front_end(int argc, char** argv) {
  const std::string self = std::filesystem::path(argv[0]).filename();
  for (const FrontEnd& f : kFrontEnds) {
    if (self == f.name) {
      cocoon::tools::set_invoked_as(argv[0]);
      return f.main(argc - 1, argv + 1);
    }
    if (argc > 1 && std::string(argv[1]) == f.name) {
      cocoon::tools::set_invoked_as(std::string(argv[0]) + " " + f.name);
      return f.main(argc - 2, argv + 2);
    }
  }
  return std::nullopt;
}

// The front ends in `cocoon --help`'s list of subcommands. They are run by
// other_front_end before CLI11 parses; these entries only run when cocoon's
// own options come first (`cocoon --log-level debug proot ...`): every word
// after the name is the front end's.
std::vector<std::pair<CLI::App*, const FrontEnd*>> add_front_end_commands(CLI::App& app) {
  std::vector<std::pair<CLI::App*, const FrontEnd*>> out;
  for (const FrontEnd& f : kFrontEnds) {
    auto* sub = app.add_subcommand(f.name, f.help);
    sub->set_help_flag();
    sub->prefix_command();
    sub->allow_extras();
    out.emplace_back(sub, &f);
  }
  return out;
}

// Runs the front end `sub` stands for with the words CLI11 left to it. The
// front ends set up their own logging, from COCOON_LOG_LEVEL (proot's -v
// first): cocoon's --log-level before the name is passed on that way.
int run_front_end(CLI::App& sub, const FrontEnd& f, const Options& o) {
  if (!o.log_file.empty()) {
    return fail(std::string("--log-file does not apply to ") + f.name + " (set COCOON_LOG_LEVEL)");
  }
  if (!o.log_level.empty()) ::setenv("COCOON_LOG_LEVEL", o.log_level.c_str(), 1);
  cocoon::tools::set_invoked_as(std::string("cocoon ") + f.name);
  std::vector<std::string> words = sub.remaining();
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return f.main(static_cast<int>(words.size()), argv.data());
}

// Parses the command line into what `app`'s options are bound to; a status
// when the run ends here (--help, --version, a bad command line).
std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see cocoon --help)");
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  if (auto status = other_front_end(argc, argv)) return *status;
  CLI::App app{"cocoon: run a program under a tracer that gives it its own view of the machine"};
  app.set_version_flag("--version", std::string("cocoon ") + COCOON_VERSION);
  app.footer(kExamples);
  app.require_subcommand(1);
  Options o;
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn (default), error, off");
  app.add_option("--log-file", o.log_file, "Write logs to FILE instead of stderr");

  auto* run = app.add_subcommand("run", "Run COMMAND under cocoon");
  run->add_option("--log-level", o.log_level, "Same as the global option");
  run->add_option("--log-file", o.log_file, "Same as the global option");
  add_run_options(run, o);
  run->positionals_at_end();

  // The teaching view: the run options, the command optional (-p PID).
  cocoon::tools::TraceCliOptions trace_opts;
  auto* trace = app.add_subcommand("trace", "Run COMMAND under cocoon, showing each intercepted "
                                            "syscall and what cocoon did to it (docs/tutorial.md)");
  trace->add_option("--log-level", o.log_level, "Same as the global option");
  trace->add_option("--log-file", o.log_file, "Same as the global option");
  add_run_options(trace, o);
  trace->get_option("command")->required(false);
  cocoon::tools::add_trace_options(trace, trace_opts);
  trace->positionals_at_end();

  auto* list = app.add_subcommand("syscalls", "List the syscall table and what a configuration traces");
  list->add_option("--arch", o.arch, "x86_64, i386, aarch64 or riscv64 (default: this host)");
  list->add_flag("--traced", o.traced_only, "Only the syscalls the configuration intercepts");
  add_view_options(list, o);

  auto* mounts = app.add_subcommand("mounts", "Print the guest's mount table the options make");
  add_view_options(mounts, o);

  auto* ps = app.add_subcommand("ps", "List your running cocoon runs (docs/sandboxes.md)");
  ps->add_flag("-a,--all", o.all, "Each run's tasks too, with their emulated pids and namespaces");
  ps->add_flag("--json", o.json, "JSON instead of a table");

  auto* enter = app.add_subcommand("enter", "Run COMMAND inside a running run: its view, "
                                            "identities and namespaces (docs/sandboxes.md)");
  enter->add_option("run", o.enter.run, "The run's id (or a prefix of it) or name")->required();
  enter->add_option("-t,--target", o.enter.target,
                    "VPID: take the state of this process of the run (its pid in the run's PID "
                    "namespace) rather than the first command's, as nsenter -t does");
  enter->add_option("--cwd", o.enter.cwd,
                    "DIR: start in this directory of the run (a guest path; default: the "
                    "target's working directory)");
  enter->add_option("command", o.enter.argv, "The command and its arguments, after --")
      ->required();

  auto* doctor = app.add_subcommand("doctor", "Print what this kernel gives cocoon and what "
                                              "that means for a run (docs/kernels.md)");

  const auto front_ends = add_front_end_commands(app);

  if (auto status = parse(app, argc, argv)) return *status;
  for (const auto& [sub, front] : front_ends) {
    if (sub->parsed()) return run_front_end(*sub, *front, o);
  }
  if (auto err = cocoon::tools::setup_logging(o.log_level, o.log_file)) return fail(*err);
  // Names of the guest's own are a UTS namespace of its own, as bwrap's
  // --hostname needs --unshare-uts: /proc/self/ns/uts is not the host's.
  // Only where path calls are traced anyway (a view, another namespace):
  // a /proc/PID/ns path may come in any of them, and tracing every one
  // for this alone would cost a bare --hostname run a stop per path call
  // (docs/internals/namespaces.md).
  auto& view = o.session.view;
  const bool paths_traced = (!view.rootfs.empty() && view.rootfs != "/") || view.empty_root ||
                            !view.mounts.empty() || view.unshare_pid || view.namespaces ||
                            view.unshare_net || view.unshare_ipc || view.unshare_cgroup;
  if ((view.hostname || view.domainname) && paths_traced) view.unshare_uts = true;
  if (run->parsed()) return run_command(o);
  if (trace->parsed()) return cocoon::tools::trace_main(o.session, trace_opts);
  if (mounts->parsed()) return mounts_command(o);
  if (doctor->parsed()) return doctor_command();
  if (ps->parsed()) return ps_command(o);
  if (enter->parsed()) return enter_command(o);
  return syscalls_command(o);
}
