#include "containers.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cocoon/syscalls/sandboxes.h"

namespace cocoon::oci {
namespace {

using nlohmann::json;

// The version of the runtime spec whose state this is.
constexpr const char* kOciVersion = "1.0.2";

json to_json(const ContainerRecord& r) {
  return json{{"id", r.id},           {"bundle", r.bundle},         {"created", r.created},
              {"pid", r.pid},         {"pid_start", r.pid_start},   {"cocoon_pid", r.cocoon_pid},
              {"cocoon_start", r.cocoon_start}, {"annotations", r.annotations}};
}

ContainerRecord from_json(const json& j) {
  ContainerRecord r;
  r.id = j.at("id").get<std::string>();
  r.bundle = j.at("bundle").get<std::string>();
  r.created = j.value("created", "");
  r.pid = j.value("pid", 0);
  r.pid_start = j.value("pid_start", std::uint64_t{0});
  r.cocoon_pid = j.value("cocoon_pid", 0);
  r.cocoon_start = j.value("cocoon_start", std::uint64_t{0});
  r.annotations = j.value("annotations", std::map<std::string, std::string>());
  return r;
}

}  // namespace

const char* to_string(Status s) {
  switch (s) {
    case Status::kCreating: return "creating";
    case Status::kCreated: return "created";
    case Status::kRunning: return "running";
    case Status::kPaused: return "paused";
    case Status::kStopped: return "stopped";
  }
  return "?";
}

OciError wrong_state(const std::string& id, Status s, const std::string& wanted) {
  return OciError("container " + id + " is " + to_string(s) + ", not " + wanted, kWrongState);
}

std::uint64_t process_start(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) may hold spaces and parentheses: count from its end.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3 && (field == "Z" || field == "X")) return 0;  // exited, not yet reaped
    if (i == 22) return std::stoull(field);
  }
  return 0;
}

bool process_alive(pid_t pid, std::uint64_t start) {
  return pid > 0 && start != 0 && process_start(pid) == start;
}

std::expected<Containers, OciError> Containers::open(const std::string& root) {
  Containers c;
  if (!root.empty()) {
    c.root_ = root;
  } else {
    auto state = syscalls::state_directory();
    if (!state) return std::unexpected(OciError(state.error()));
    c.root_ = *state + "/oci";
  }
  if (::mkdir(c.root_.c_str(), 0700) != 0 && errno != EEXIST) {
    return std::unexpected(OciError("--root " + c.root_ + ": " + std::strerror(errno)));
  }
  return c;
}

std::expected<void, OciError> Containers::make(const ContainerRecord& r) const {
  if (::mkdir(dir(r.id).c_str(), 0700) != 0) {
    if (errno == EEXIST) return std::unexpected(OciError("container " + r.id + " already exists", kExists));
    return std::unexpected(OciError(dir(r.id) + ": " + std::strerror(errno)));
  }
  return write(r);
}

std::expected<void, OciError> Containers::write(const ContainerRecord& r) const {
  // Written beside and renamed over: a reader sees the old file or the new.
  const std::string file = dir(r.id) + "/state.json", tmp = file + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(r).dump(2) << '\n';
    if (!out) return std::unexpected(OciError(tmp + ": " + std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    return std::unexpected(OciError(file + ": " + std::strerror(errno)));
  }
  return {};
}

std::expected<ContainerRecord, OciError> Containers::read(const std::string& id) const {
  if (auto r = check_id(id); !r) return std::unexpected(r.error());
  std::ifstream in(dir(id) + "/state.json");
  if (!in) return std::unexpected(OciError("container " + id + " does not exist", kNoSuchContainer));
  const json j = json::parse(in, nullptr, false);
  try {
    if (!j.is_discarded()) return from_json(j);
  } catch (const json::exception&) {
  }
  return std::unexpected(OciError(dir(id) + "/state.json: malformed"));
}

Status Containers::status(const ContainerRecord& r) const {
  if (r.pid == 0) {
    // Not forked yet: being created while the cocoon that creates it lives.
    return process_alive(r.cocoon_pid, r.cocoon_start) || r.cocoon_pid == 0 ? Status::kCreating
                                                                            : Status::kStopped;
  }
  if (!process_alive(r.pid, r.pid_start)) return Status::kStopped;
  if (::access(fifo(r.id).c_str(), F_OK) == 0) return Status::kCreated;
  return ::access(paused_marker(r.id).c_str(), F_OK) == 0 ? Status::kPaused : Status::kRunning;
}

std::vector<std::string> Containers::ids() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && ::access((dir(name) + "/state.json").c_str(), F_OK) == 0) {
      out.push_back(name);
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void Containers::remove(const std::string& id) const {
  std::error_code ec;
  std::filesystem::remove_all(dir(id), ec);
}

json state_json(const ContainerRecord& r, Status s) {
  json j{{"ociVersion", kOciVersion}, {"id", r.id}, {"status", to_string(s)}};
  // pid: "REQUIRED when status is created or running" (runtime.md).
  if (s == Status::kCreated || s == Status::kRunning || s == Status::kPaused) j["pid"] = r.pid;
  j["bundle"] = r.bundle;
  j["annotations"] = r.annotations;
  j["created"] = r.created;
  return j;
}

std::expected<void, OciError> check_id(const std::string& id) {
  if (syscalls::valid_run_name(id)) return {};
  return std::unexpected(OciError("container id '" + id + "': 1-64 letters, digits, '_', '.' or '-', "
                                  "not starting with '.' nor 12 hex digits (a run id's shape)"));
}

}  // namespace cocoon::oci
