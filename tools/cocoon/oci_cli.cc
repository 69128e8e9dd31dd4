// `cocoon oci`: runc's command line (global flags, then one of create,
// start, run, state, kill, delete, list) over cocoon's OCI bundles
// (oci/, docs/sandboxes.md "OCI bundles").
#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "front_ends.h"
#include "logging.h"
#include "oci/errors.h"
#include "oci/lifecycle.h"

namespace cocoon::tools {
namespace {

struct OciCli {
  oci::Globals globals;
  oci::CreateOptions create;
  std::string id, signal = "SIGTERM", log_file, log_format = "text", format = "table";
  std::string rootless;
  oci::ExecOptions exec;
  bool debug = false, force = false, quiet = false, all = false;
};

void add_create_options(CLI::App* cmd, OciCli& o) {
  cmd->add_option("-b,--bundle", o.create.bundle, "DIR: the bundle (config.json and its root); default: .");
  cmd->add_option("--pid-file", o.create.pid_file, "FILE: write the container's process's pid there");
  cmd->add_option("--console-socket", o.create.console_socket,
                  "PATH: with process.terminal, a pty's master is sent to this unix socket "
                  "(SCM_RIGHTS), its slave the container's terminal");
}

CLI::App* add_id(CLI::App* cmd, OciCli& o) {
  cmd->add_option("id", o.id, "The container's id")->required();
  return cmd;
}

}  // namespace

int oci_main(int argc, char** argv) {
  CLI::App app{"cocoon oci: run OCI runtime bundles with runc's command line "
               "(docs/sandboxes.md, \"OCI bundles\")"};
  app.name(invoked_as());
  app.require_subcommand(1);
  OciCli o;
  app.add_option("--root", o.globals.root,
                 "DIR: where containers' state lives (default: cocoon's state directory's oci/)");
  app.add_option("--log", o.log_file, "FILE: cocoon's log");
  app.add_option("--log-format", o.log_format, "text or json (accepted; cocoon logs text)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", o.debug, "Log at debug level");
  app.add_option("--rootless", o.rootless, "Accepted and ignored: cocoon is always rootless");
  app.add_flag_callback("--no-seccomp", [&o] { o.globals.use_seccomp = false; },
                        "cocoon's own: stop at every syscall instead of filtering");

  auto* create = add_id(app.add_subcommand("create", "Create a container: its process waits for start"), o);
  add_create_options(create, o);
  auto* start = add_id(app.add_subcommand("start", "Start a created container's process"), o);
  auto* run = add_id(app.add_subcommand("run", "Create and start a container, waiting for it "
                                               "unless -d; deleted when it ends"), o);
  add_create_options(run, o);
  run->add_flag("-d,--detach", o.create.detach, "Return once it is started");
  auto* exec = add_id(app.add_subcommand("exec", "Run a command inside a created or running container "
                                                 "(cocoon enter into its run)"), o);
  exec->add_option("-e,--env", o.exec.env, "KEY=VALUE: added to the container's process.env")
      ->allow_extra_args(false);  // one value each time, as runc's
  exec->add_option("--cwd", o.exec.cwd, "DIR: the directory CMD starts in (default: the container's process's)");
  exec->add_option("-u,--user", o.exec.user, "UID[:GID]: CMD's ids (GID default: process.user.gid)");
  exec->add_option("command", o.exec.argv, "CMD [ARG...] (after --)")->required();
  auto* pause = add_id(app.add_subcommand("pause", "Stop every process of a running container"), o);
  auto* resume = add_id(app.add_subcommand("resume", "Continue a paused container's processes"), o);
  auto* state = add_id(app.add_subcommand("state", "Print a container's state (the runtime spec's JSON)"), o);
  auto* kill = add_id(app.add_subcommand("kill", "Send a signal (default SIGTERM) to a container's process"), o);
  kill->add_option("signal", o.signal, "A name (KILL, SIGKILL) or a number");
  kill->add_flag("-a,--all", o.all, "Refused: only the container's process is signalled");
  auto* del = add_id(app.add_subcommand("delete", "Delete a stopped (or, with -f, any) container"), o);
  del->add_flag("-f,--force", o.force, "Kill it first if it runs");
  auto* list = app.add_subcommand("list", "List the containers");
  list->add_option("-f,--format", o.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  list->add_flag("-q,--quiet", o.quiet, "Only the ids");

  std::vector<std::string> args(argv, argv + argc);
  std::reverse(args.begin(), args.end());  // CLI11's vector form takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see " + invoked_as() + " --help)");
  }
  if (auto err = setup_logging(o.debug ? "debug" : "", o.log_file)) return fail(*err);
  if (o.all) return fail("kill --all: not supported by cocoon (delete -f ends them all)"), oci::kUnsupported;
  if (exec->parsed()) return oci::exec(o.globals, o.id, o.exec);
  if (create->parsed()) return oci::create(o.globals, o.id, o.create);
  if (start->parsed()) return oci::start(o.globals, o.id);
  if (run->parsed()) return oci::run(o.globals, o.id, o.create);
  if (pause->parsed()) return oci::pause(o.globals, o.id);
  if (resume->parsed()) return oci::resume(o.globals, o.id);
  if (state->parsed()) return oci::state(o.globals, o.id);
  if (kill->parsed()) return oci::kill(o.globals, o.id, o.signal);
  if (del->parsed()) return oci::remove(o.globals, o.id, o.force);
  return oci::list(o.globals, o.format == "json", o.quiet);
}

}  // namespace cocoon::tools
