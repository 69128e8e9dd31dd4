// cocoon's command line: parses arguments into a Session and hands it to the
// library. Nothing else lives here.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cocoon/arch/arch.h"
#include "cocoon/syscalls/session.h"
#include "logging.h"

namespace {

// cocoon's own failures, as env(1), nice(1) and timeout(1) report theirs, so
// they cannot be taken for the command's 126 (not executable) or 127 (not
// found).
constexpr int kCocoonFailed = 125;

constexpr const char* kExamples = R"(Examples:
  cocoon run -- sh -c 'echo hello from $(uname -n)'
  cocoon run --hostname box -- uname -n
  cocoon run --no-seccomp -- ls /
  cocoon syscalls --arch aarch64
  cocoon syscalls --traced --hostname box

Exit status: the command's own, 128+N if signal N killed it, 127 if it
was not found, 126 if it could not be executed, 125 if cocoon failed.
Environment: COCOON_LOG_LEVEL sets the log level when --log-level is absent.)";

struct Options {
  cocoon::syscalls::Session session;
  std::string log_level, log_file;
  std::string arch;
  bool traced_only = false;
};

void add_view_options(CLI::App* cmd, Options& o) {
  cmd->add_option("--hostname", o.session.view.hostname, "Hostname uname() reports in the guest");
}

void add_run_options(CLI::App* cmd, Options& o) {
  add_view_options(cmd, o);
  cmd->add_flag_callback(
      "--no-seccomp", [&o] { o.session.tracer.use_seccomp = false; },
      "Stop at every syscall (PTRACE_SYSCALL) instead of filtering");
  cmd->add_flag("--die-with-parent", o.session.tracer.die_with_parent,
                "Kill the guest tree when cocoon's parent dies");
  cmd->add_flag("--kill-on-exit", o.session.tracer.kill_on_exit,
                "Kill the guest's remaining processes when the command exits "
                "(default: wait for them)");
  cmd->add_option("command", o.session.argv, "The command and its arguments, after --")
      ->required();
}

int fail(const std::string& line) {
  std::fprintf(stderr, "cocoon: %s\n", line.c_str());
  return kCocoonFailed;
}

int run_command(const Options& o) {
  auto status = cocoon::syscalls::run_session(o.session);
  if (!status) return fail(status.error().message());
  return *status;
}

int syscalls_command(const Options& o) {
  auto abi = cocoon::arch::host_arch();
  if (!o.arch.empty()) {
    auto parsed = cocoon::arch::from_name(o.arch);
    if (!parsed) return fail("unknown architecture '" + o.arch + "' (x86_64, i386, aarch64, riscv64)");
    abi = *parsed;
  }
  cocoon::syscalls::print_syscalls(std::cout, abi, o.session.view, o.traced_only);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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

  auto* list = app.add_subcommand("syscalls", "List the syscall table and what a configuration traces");
  list->add_option("--arch", o.arch, "x86_64, i386, aarch64 or riscv64 (default: this host)");
  list->add_flag("--traced", o.traced_only, "Only the syscalls the configuration intercepts");
  add_view_options(list, o);

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
  if (auto err = cocoon::tools::setup_logging(o.log_level, o.log_file)) return fail(*err);
  if (run->parsed()) return run_command(o);
  return syscalls_command(o);
}
