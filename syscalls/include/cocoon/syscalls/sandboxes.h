// Runs as things (docs/sandboxes.md): `cocoon ps` lists the caller's
// running runs, `cocoon enter` starts a command inside one. Each run
// publishes itself when run_session() starts it (Session::name).
#pragma once

#include <sys/types.h>

#include <expected>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cocoon::syscalls {

// Exit statuses of cocoon itself, beside the command's own (an entered
// command's status is passed through, 128+N for signal N).
inline constexpr int kNameInUse = 122;       // cocoon run --name NAME: a live run has NAME
inline constexpr int kEnterNotAllowed = 121; // enter: another user, or a traced caller
inline constexpr int kEnterNoSuchRun = 123;  // enter: no such live run, or it ended meanwhile
inline constexpr int kEnterFailed = 125;     // enter: anything else (cocoon's usual failure)

// The caller's state directory ($XDG_RUNTIME_DIR/cocoon, else
// /tmp/cocoon-UID), made if missing; a one-line reason when it cannot be
// used safely (docs/sandboxes.md). `cocoon oci` keeps its containers in
// "oci" there.
std::expected<std::string, std::string> state_directory();
// Whether `name` may name a run (cocoon run --name, an OCI container's
// id): 1-64 of [A-Za-z0-9_.-], not starting with '.', not all hex of an
// id's length.
bool valid_run_name(const std::string& name);

// `cocoon ps [-a] [--json]`: the caller's live runs, stale ones cleaned up
// on the way. `all`: each run's tasks too, asked of the run itself.
std::expected<void, std::string> list_sandboxes(std::ostream& out, bool all, bool json);

struct EnterRequest {
  std::string run;                // an id, a prefix of one, or a name
  std::optional<int> target;      // --target VPID: the process whose state CMD takes
  std::vector<std::string> argv;  // CMD
  // CMD's environment; unset: the caller's own (cocoon oci exec gives the
  // container's).
  std::optional<std::vector<std::string>> env;
  // Not empty: the guest directory CMD starts in (an absolute path, as
  // the guest names it); else the target's working directory.
  std::string cwd;
  // Set: the uid and gid CMD takes (cocoon oci exec --user), set by CMD's
  // process itself as a guest would (setresgid, setresuid), so that the
  // run's identity emulation allows or refuses them as it would the guest.
  std::optional<std::pair<uid_t, gid_t>> ids;
};
struct EnterFailure {
  int status = kEnterFailed;
  std::string message;  // one line
};
// The host pids of a live run's processes (asked of the run itself), for
// `cocoon oci pause`/`resume`; kEnterNoSuchRun when there is no such run
// or it does not answer.
std::expected<std::vector<pid_t>, EnterFailure> run_processes(const std::string& run);
// `cocoon enter RUN [--target VPID] -- CMD`: CMD's status once it ends.
std::expected<int, EnterFailure> enter_sandbox(const EnterRequest& request);

}  // namespace cocoon::syscalls
