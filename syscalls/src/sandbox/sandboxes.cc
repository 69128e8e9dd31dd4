// The client side of runs as things: `cocoon ps` and `cocoon enter`.
#include "cocoon/syscalls/sandboxes.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

#include <cstring>
#include <ctime>
#include <ostream>
#include <sstream>

#include "owned_fd.h"
#include "sandbox/control_protocol.h"
#include "sandbox/run_state.h"

extern char** environ;

namespace cocoon::syscalls {
namespace {

// A connection to `run`'s control socket, its server checked: the run's own
// cocoon (the state file's pid), the caller's user, traced by nobody. A
// guest that planted a socket or rewrote a state file fails this.
std::expected<OwnedFd, EnterFailure> connect_to(const RunEntry& run) {
  const std::string path = socket_path(run);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return std::unexpected(EnterFailure{kEnterFailed, path + ": path too long"});
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  OwnedFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (sock.fd < 0 || ::connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return std::unexpected(
        EnterFailure{kEnterNoSuchRun, "run " + run.record.id + ": " + std::strerror(errno)});
  }
  if (auto why = peer_problem(sock.fd, run.record.pid)) {
    return std::unexpected(EnterFailure{kEnterNotAllowed, "run " + run.record.id + ": " + *why});
  }
  return sock;
}

// The run's tasks (control_server.cc's task lines), nullopt if it did not
// answer.
std::optional<std::vector<std::string>> ask_tasks(const RunEntry& run) {
  auto sock = connect_to(run);
  if (!sock) return std::nullopt;
  // A run whose loop cannot answer (stopped, or its mailbox never woken)
  // must not hang `cocoon ps` and every run listed after it.
  constexpr timeval kAnswerTimeout{10, 0};
  ::setsockopt(sock->fd, SOL_SOCKET, SO_RCVTIMEO, &kAnswerTimeout, sizeof kAnswerTimeout);
  if (!send_message(sock->fd, {"tasks"})) return std::nullopt;
  auto reply = receive_message(sock->fd);
  if (!reply || (!reply->words.empty() && reply->words[0] == "error")) return std::nullopt;
  return reply->words;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string started_text(std::int64_t t) {
  const time_t s = static_cast<time_t>(t);
  tm local{};
  ::localtime_r(&s, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

std::string identity_text(const RunRecord& r) {
  if (!r.emulated_ids) return "uid " + std::to_string(::getuid());
  if (r.uid == 0 && r.gid == 0) return "-0";
  return "uid " + std::to_string(r.uid) + " gid " + std::to_string(r.gid);
}

std::string namespaces_text(const RunRecord& r) {
  std::string text = r.namespaces.empty() ? "-" : join(r.namespaces, ",");
  return r.guest_namespaces ? text + " (+guest's)" : text;
}

std::string task_json(const std::string& line) {
  const auto f = split(line, '\t');
  if (f.size() < 6) return "{}";
  std::string ns;
  for (const auto& kv : split(f[5], ' ')) {
    const auto colon = kv.find(':');
    ns += (ns.empty() ? "" : ", ") + json_string(kv.substr(0, colon)) + ": " +
          json_string(kv.substr(colon + 1));
  }
  return "{\"tid\": " + f[0] + ", \"pid\": " + f[1] + ", \"emulated_tid\": " + f[2] +
         ", \"emulated_pid\": " + f[3] + ", \"comm\": " + json_string(f[4]) +
         ", \"namespaces\": {" + ns + "}}";
}

void print_json(std::ostream& out, const std::vector<RunEntry>& runs, bool all) {
  out << "[";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::string text = to_json(runs[i].record);
    text.erase(text.find_last_of('}'));  // reopened for the live fields
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    const auto tasks = ask_tasks(runs[i]);
    text += ",\n  \"tasks\": " + (tasks ? std::to_string(tasks->size()) : std::string("null"));
    if (all && tasks) {
      std::vector<std::string> objects;
      for (const auto& line : *tasks) objects.push_back(task_json(line));
      text += ",\n  \"task_list\": [" + join(objects, ", ") + "]";
    }
    out << (i ? ",\n" : "\n") << text << "\n}";
  }
  out << (runs.empty() ? "]\n" : "\n]\n");
}

void print_table(std::ostream& out, const std::vector<RunEntry>& runs, bool all) {
  out << "ID            NAME          PID      TASKS  STARTED              IDENTITY   "
         "NAMESPACES       ROOT  MOUNTS  COMMAND\n";
  for (const auto& run : runs) {
    const RunRecord& r = run.record;
    const auto tasks = ask_tasks(run);
    char row[512];
    std::snprintf(row, sizeof row, "%-13s %-13s %-8d %-6s %-20s %-10s %-16s %-5s %-7zu ",
                  r.id.c_str(), r.name.empty() ? "-" : r.name.c_str(), r.pid,
                  tasks ? std::to_string(tasks->size()).c_str() : "?",
                  started_text(r.started).c_str(), identity_text(r).c_str(),
                  namespaces_text(r).c_str(), r.root.c_str(), r.mounts.size());
    out << row << join(r.command, " ") << '\n';
    if (!all || !tasks) continue;
    out << "    TID      PID      (EMULATED TID/PID)  COMM             NAMESPACES\n";
    for (const auto& line : *tasks) {
      const auto f = split(line, '\t');
      if (f.size() < 6) continue;
      std::snprintf(row, sizeof row, "    %-8s %-8s %8s/%-10s %-16s ", f[0].c_str(), f[1].c_str(),
                    f[2].c_str(), f[3].c_str(), f[4].c_str());
      out << row << f[5] << '\n';
    }
  }
}

}  // namespace

std::expected<std::string, std::string> state_directory() { return state_root(); }

std::expected<void, std::string> list_sandboxes(std::ostream& out, bool all, bool json) {
  auto root = state_root();
  if (!root) return std::unexpected(root.error());
  const auto runs = list_runs(*root);
  if (json) {
    print_json(out, runs, all);
  } else {
    print_table(out, runs, all);
  }
  return {};
}

std::expected<std::vector<pid_t>, EnterFailure> run_processes(const std::string& name) {
  auto root = state_root();
  if (!root) return std::unexpected(EnterFailure{kEnterFailed, root.error()});
  const auto run = find_run(*root, name);
  const auto tasks = run ? ask_tasks(*run) : std::nullopt;
  if (!tasks) return std::unexpected(EnterFailure{kEnterNoSuchRun, "no running run " + name});
  std::vector<pid_t> pids;
  for (const std::string& line : *tasks) {
    const auto fields = split(line, '\t');  // tid, tgid, ...
    if (fields.size() < 2) continue;
    const pid_t tgid = static_cast<pid_t>(std::stol(fields[1]));
    if (std::find(pids.begin(), pids.end(), tgid) == pids.end()) pids.push_back(tgid);
  }
  return pids;
}

std::expected<int, EnterFailure> enter_sandbox(const EnterRequest& request) {
  auto root = state_root();
  if (!root) return std::unexpected(EnterFailure{kEnterFailed, root.error()});
  const auto run = find_run(*root, request.run);
  if (!run) {
    return std::unexpected(EnterFailure{kEnterNoSuchRun, "no running run " + request.run +
                                                             " (cocoon ps lists them)"});
  }
  auto sock = connect_to(*run);
  if (!sock) return std::unexpected(sock.error());
  const std::string ids =
      request.ids ? std::to_string(request.ids->first) + ":" + std::to_string(request.ids->second) : "";
  std::vector<std::string> words{"enter", request.target ? std::to_string(*request.target) : "",
                                 request.cwd, ids, std::to_string(request.argv.size())};
  words.insert(words.end(), request.argv.begin(), request.argv.end());
  if (request.env) {
    words.insert(words.end(), request.env->begin(), request.env->end());
  } else {
    for (char** e = environ; *e != nullptr; ++e) words.emplace_back(*e);
  }
  // A refusal may already be waiting when the send fails: read on.
  const bool sent = send_message(sock->fd, words, {0, 1, 2});
  const int send_err = errno;
  // "ok VPID" then "exit STATUS"; "error STATUS REASON"; the end of the
  // stream: the run ended first (its entered commands are killed then).
  for (;;) {
    auto reply = receive_message(sock->fd);
    if ((!reply || reply->words.empty()) && !sent) {
      return std::unexpected(EnterFailure{kEnterFailed, std::string("sending the request: ") +
                                                            std::strerror(send_err)});
    }
    if (!reply || reply->words.empty()) {
      return std::unexpected(EnterFailure{kEnterNoSuchRun, "run " + run->record.id + " ended"});
    }
    const auto& w = reply->words;
    if (w[0] == "exit" && w.size() == 2) return std::stoi(w[1]);
    if (w[0] == "error" && w.size() == 3) {
      return std::unexpected(EnterFailure{std::stoi(w[1]), w[2]});
    }
  }
}

}  // namespace cocoon::syscalls
