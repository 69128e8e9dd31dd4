// `cocoon oci`'s operations, with runc's command-line shape and the
// runtime spec's lifecycle (runtime.md, "Operations"): each returns
// cocoon's exit status, having printed any failure in one line.
#pragma once

#include <string>
#include <vector>

namespace cocoon::oci {

struct Globals {
  std::string root;         // --root; empty: cocoon's state directory's "oci"
  bool use_seccomp = true;  // cocoon's own --no-seccomp
};

struct CreateOptions {
  std::string bundle = ".";
  std::string pid_file;  // the container's process's pid, written once it exists
  bool detach = false;   // run -d: create and start, then return
  // --console-socket PATH: the container's process.terminal is a pty of
  // its own, its master sent to PATH (console.h).
  std::string console_socket;
};

int create(const Globals& g, const std::string& id, const CreateOptions& o);
int start(const Globals& g, const std::string& id);
// create and start in the foreground: the command's status, and the
// container deleted once it ends (runc run without --keep).
int run(const Globals& g, const std::string& id, const CreateOptions& o);
// runc exec's shape: CMD inside the container's run (cocoon enter), with
// the container's process.env plus `env` (KEY=VALUE, replacing a KEY the
// container has), in a created or running container, as runc's.
struct ExecOptions {
  std::vector<std::string> env;
  std::string cwd;   // --cwd DIR: an absolute guest path; empty: the container's process's
  std::string user;  // --user UID[:GID]; empty: the container's process's ids
  std::vector<std::string> argv;
};
int exec(const Globals& g, const std::string& id, const ExecOptions& o);
// runc pause/resume: every process of a running container stopped
// (SIGSTOP; status "paused") and continued (SIGCONT). pause.cc says how
// this differs from runc's cgroup freezer.
int pause(const Globals& g, const std::string& id);
int resume(const Globals& g, const std::string& id);
int state(const Globals& g, const std::string& id);
int kill(const Globals& g, const std::string& id, const std::string& signal);
int remove(const Globals& g, const std::string& id, bool force);
int list(const Globals& g, bool json, bool quiet);

}  // namespace cocoon::oci
