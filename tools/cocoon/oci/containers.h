// The containers `cocoon oci` made: one directory per id under the root
// (--root; by default "oci" in cocoon's state directory, beside the runs
// `cocoon ps` lists), holding state.json and, between create and start,
// exec.fifo (runc's layout and rule: the FIFO's presence is the "created"
// status). A container's run is published like any other under the id as
// its name, so `cocoon ps` lists it and `cocoon enter ID` joins it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "errors.h"

namespace cocoon::oci {

// state.json: fixed once the container's process is forked.
struct ContainerRecord {
  std::string id, bundle;
  std::string created;  // RFC 3339, UTC
  // The container's process (the command, held until start) and the cocoon
  // tracing it, each with its start time (/proc/PID/stat field 22), so
  // that a reused pid is not taken for theirs. 0: not forked yet.
  pid_t pid = 0, cocoon_pid = 0;
  std::uint64_t pid_start = 0, cocoon_start = 0;
  std::map<std::string, std::string> annotations;
};

// The runtime spec's lifecycle (runtime.md, "State").
// kPaused: running, its processes stopped by `pause` (the marker file
// `paused` says so) until `resume`.
enum class Status { kCreating, kCreated, kRunning, kPaused, kStopped };
const char* to_string(Status s);
// "container ID is S, not WANTED" (WANTED: "running", or any words), status
// kWrongState: a command refused in the container's present state.
OciError wrong_state(const std::string& id, Status s, const std::string& wanted);

// Whether `pid` is still the process that started at `start` and has not
// exited (a zombie has).
bool process_alive(pid_t pid, std::uint64_t start);
std::uint64_t process_start(pid_t pid);

class Containers {
 public:
  // The root, made 0700 if missing; "" for the default.
  static std::expected<Containers, OciError> open(const std::string& root);

  std::string dir(const std::string& id) const { return root_ + "/" + id; }
  std::string fifo(const std::string& id) const { return dir(id) + "/exec.fifo"; }
  std::string paused_marker(const std::string& id) const { return dir(id) + "/paused"; }
  // A new container's directory and state.json (kExists if the id is taken).
  std::expected<void, OciError> make(const ContainerRecord& r) const;
  std::expected<void, OciError> write(const ContainerRecord& r) const;
  // kNoSuchContainer if there is none of that id.
  std::expected<ContainerRecord, OciError> read(const std::string& id) const;
  Status status(const ContainerRecord& r) const;
  std::vector<std::string> ids() const;
  void remove(const std::string& id) const;

 private:
  std::string root_;
};

// The state the runtime spec's `state` operation reports.
nlohmann::json state_json(const ContainerRecord& r, Status s);
// An OCI container id that is also a run name (cocoon enter takes it).
std::expected<void, OciError> check_id(const std::string& id);

}  // namespace cocoon::oci
