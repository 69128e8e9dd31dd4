// Runs as things (issue 22): each run publishes itself in a per-user state
// directory, one subdirectory per run holding its state file (state.json)
// and its control socket (control.sock, served by ControlServer), so that
// `cocoon ps` can list the caller's runs and `cocoon enter` join one.
//
// The state directory is $XDG_RUNTIME_DIR/cocoon when that variable names
// a directory the caller owns, else /tmp/cocoon-UID; it is made 0700 and
// refused when another user owns it or group or others may write it. A
// name (--name) is a symlink "name.NAME" -> ID beside the runs' directories:
// symlink(2) fails with EEXIST, so two runs cannot take one name. A
// SIGKILLed cocoon cannot remove its directory: a run whose pid is gone,
// or is another process now (its start time differs), and whose socket
// nobody listens on, is stale, and list_runs() removes it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/syscalls/sandboxes.h"

namespace cocoon::syscalls {

// What state.json holds: fixed for the run's life.
struct RunRecord {
  std::string id;  // 12 hex digits
  std::string name;
  pid_t pid = 0;                // cocoon's
  std::uint64_t pid_start = 0;  // cocoon's start time (/proc/PID/stat field 22): the pid is still it
  std::int64_t started = 0;     // seconds since the epoch
  std::vector<std::string> command;
  std::string root;                 // the guest's root on the host ("/": the host's)
  std::vector<std::string> mounts;  // "KIND GUEST" per mount, in order
  // Identity emulation (-0, --uid/--gid): the ids the command starts with.
  bool emulated_ids = false;
  std::uint32_t uid = 0, gid = 0;
  std::optional<std::string> hostname;
  // The emulated namespaces the command starts in ("pid", "uts", "net"...),
  // and whether the guest's own unshare/clone/setns are emulated.
  std::vector<std::string> namespaces;
  bool guest_namespaces = false;
};

// state.json's text: one key per line (RunRecord's fields), so that
// parse_record() needs no JSON library.
std::string to_json(const RunRecord& r);
std::optional<RunRecord> parse_record(const std::string& text);
// A JSON string literal of `s`.
std::string json_string(const std::string& s);

// The caller's state directory, made if missing; a one-line reason when it
// cannot be used safely.
std::expected<std::string, std::string> state_root();

// A new run id: 12 hex digits from getrandom(2).
std::string new_run_id();
// (valid_run_name() is public: cocoon/syscalls/sandboxes.h.)
// The start time of process `pid` (/proc/PID/stat field 22), 0 if gone.
std::uint64_t process_start_time(pid_t pid);

struct RunEntry {
  std::string dir;  // the run's directory
  RunRecord record;
};
// The path of a run's control socket.
std::string socket_path(const RunEntry& run);
// The caller's live runs, oldest first; stale ones are removed on the way.
std::vector<RunEntry> list_runs(const std::string& root);
// The live run named `id_or_name` (an id, a unique prefix of one of at
// least 4 digits, or a name).
std::optional<RunEntry> find_run(const std::string& root, const std::string& id_or_name);

// The published run: its directory, state file, name and listening control
// socket, all removed when it goes (the end of run_session(), also after
// SIGINT/SIGTERM/SIGHUP: the kill switch ends the loop, not the process).
struct PublishError {
  std::string message;
  bool name_in_use = false;  // the name is a live run's
};
class PublishedRun {
 public:
  static std::expected<PublishedRun, PublishError> publish(RunRecord record);
  PublishedRun(PublishedRun&& o) noexcept;
  PublishedRun& operator=(PublishedRun&&) = delete;
  ~PublishedRun();
  int listen_fd() const { return listen_fd_; }
  // The run's own directory (removed with it).
  const std::string& dir() const { return dir_; }
  const RunRecord& record() const { return record_; }

 private:
  PublishedRun() = default;
  RunRecord record_;
  std::string root_, dir_;
  int listen_fd_ = -1;
};

}  // namespace cocoon::syscalls
