#include "sandbox/control_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracee.h"
#include "cocoon/syscalls/sandboxes.h"
#include "namespaces/ns_state.h"

namespace cocoon::syscalls {
namespace {

// A request must come within this time of the connection.
constexpr timeval kRequestTimeout{5, 0};

std::string comm_of(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

// The namespace a task is in, as readlink /proc/PID/ns/KIND shows it:
// cocoon's own (the kernel's) for the one the run started in, else the
// emulated namespace's number.
std::string ns_label(NsKind k, std::uint32_t id) {
  if (id != 0) return std::to_string(id);
  char buf[64];
  const std::string link = std::string("/proc/self/ns/") + ns_name(k);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  const std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  const auto open = text.find('[');
  return open == std::string::npos ? "-" : text.substr(open + 1, text.size() - open - 2);
}

// One task for `cocoon ps -a`: TID TGID VPID VTGID COMM NS, tab-separated,
// NS as "KIND:ID ..." (the kernel's pid_for_children and time_for_children
// left out).
std::string task_line(const tracer::Tracee& t, const NamespaceState* ns) {
  pid_t vtid = t.tid, vtgid = t.tgid;
  if (ns != nullptr) {
    if (auto pid_ns = ns->pid_ns(t.tgid)) {
      vtid = pid_ns->virtual_of(t.tid).value_or(0);
      vtgid = pid_ns->virtual_of(t.tgid).value_or(0);
    }
  }
  std::string kinds;
  for (std::size_t i = 0; i < kNsKinds; ++i) {
    const auto k = static_cast<NsKind>(i);
    const std::uint32_t id = ns != nullptr ? ns->id_of(t.tgid, k) : 0;
    kinds += (i ? " " : "") + std::string(ns_name(k)) + ":" + ns_label(k, id);
  }
  return std::to_string(t.tid) + '\t' + std::to_string(t.tgid) + '\t' + std::to_string(vtid) +
         '\t' + std::to_string(vtgid) + '\t' + comm_of(t.tid) + '\t' + kinds;
}

std::optional<int> parse_int(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoi(s);
}

// "UID:GID" of an enter request.
std::optional<std::pair<uid_t, gid_t>> parse_ids(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto uid = parse_int(s.substr(0, colon)), gid = parse_int(s.substr(colon + 1));
  if (!uid || !gid) return std::nullopt;
  return std::pair<uid_t, gid_t>(static_cast<uid_t>(*uid), static_cast<gid_t>(*gid));
}

}  // namespace

ControlServer::ControlServer(int listen_fd, std::shared_ptr<tracer::Mailbox> mailbox,
                             std::shared_ptr<NamespaceState> ns)
    : listen_fd_(listen_fd),
      mailbox_(std::move(mailbox)),
      ns_(std::move(ns)),
      wake_(::eventfd(0, EFD_CLOEXEC)) {
  thread_ = std::thread([this] { serve(); });
}

ControlServer::~ControlServer() {
  const std::uint64_t one = 1;
  (void)!::write(wake_.fd, &one, sizeof one);
  thread_.join();
}

void ControlServer::serve() {
  for (;;) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_.fd, POLLIN, 0}};
    for (const auto& [sock, w] : waiters_) fds.push_back({sock, POLLIN | POLLRDHUP, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (fds[0].revents & POLLIN) accept_one();
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents) client_gone(fds[i].fd);
    }
  }
}

void ControlServer::accept_one() {
  OwnedFd sock(::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC));
  if (sock.fd < 0) return;
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &kRequestTimeout, sizeof kRequestTimeout);
  auto request = receive_message(sock.fd);
  if (!request || request->words.empty()) return;
  // Checked once the request is in, so that the refusal is the reply it
  // reads (its descriptors dropped unused).
  if (auto why = peer_problem(sock.fd)) {
    tracer::module_logger("syscalls")->info("control socket: refused: {}", *why);
    for (int fd : request->fds) ::close(fd);
    send_message(sock.fd, {"error", std::to_string(kEnterNotAllowed), "not allowed: " + *why});
    return;
  }
  if (request->words[0] == "tasks") return list_tasks(sock.fd);
  if (request->words[0] == "enter") return enter(std::move(sock), *request);
  for (int fd : request->fds) ::close(fd);
  send_message(sock.fd, {"error", std::to_string(kEnterFailed), "unknown request"});
}

void ControlServer::list_tasks(int sock) {
  std::vector<std::string> lines;
  const bool ran = mailbox_->call([&](tracer::RunAccess& run) {
    run.for_each_task([&](const tracer::Tracee& t) { lines.push_back(task_line(t, ns_.get())); });
  });
  if (!ran) lines.clear();
  send_message(sock, lines);
}

// "enter TARGET CWD UID:GID ARGC ARGV... ENV..." with three descriptors.
void ControlServer::enter(OwnedFd sock, ControlMessage& request) {
  std::vector<OwnedFd> fds;
  for (int fd : request.fds) fds.emplace_back(fd);
  // The socket is the waiter's before the launch: the command's status can
  // only follow the job, on the loop's thread, and finds it there.
  auto waiter = std::make_shared<Waiter>();
  waiter->sock = std::move(sock);
  auto refuse = [&](int status, const std::string& why) {
    send_message(waiter->sock.fd, {"error", std::to_string(status), why});
  };
  const auto& w = request.words;
  constexpr std::size_t kArgv = 5;  // the first word of ARGV
  const auto argc = w.size() >= kArgv ? parse_int(w[kArgv - 1]) : std::nullopt;
  if (fds.size() != 3 || !argc || *argc < 1 || w.size() < kArgv + static_cast<std::size_t>(*argc)) {
    return refuse(kEnterFailed, "malformed request");
  }
  std::optional<int> vpid;
  if (!w[1].empty() && !(vpid = parse_int(w[1]))) return refuse(kEnterFailed, "bad --target");
  tracer::EnterSpec spec;
  spec.cwd = w[2];
  if (!spec.cwd.empty() && spec.cwd[0] != '/') {
    return refuse(kEnterFailed, "--cwd " + spec.cwd + ": not an absolute path");
  }
  if (!w[3].empty() && !(spec.ids = parse_ids(w[3]))) return refuse(kEnterFailed, "bad --user " + w[3]);
  spec.argv.assign(w.begin() + kArgv, w.begin() + kArgv + *argc);
  spec.env.assign(w.begin() + kArgv + *argc, w.end());
  for (std::size_t i = 0; i < 3; ++i) spec.stdio[i] = fds[i].fd;
  spec.on_exit = [waiter](int status) {
    send_message(waiter->sock.fd, {"exit", std::to_string(status)});
    waiter->told = true;
  };
  std::string error;
  int error_status = kEnterNoSuchRun;
  const bool ran = mailbox_->call([&](tracer::RunAccess& run) {
    const auto pid_ns = ns_ ? ns_->root_pid_ns() : nullptr;
    spec.target = !vpid ? run.first_process()
                  : pid_ns ? pid_ns->group_real_of(*vpid).value_or(0)
                           : static_cast<pid_t>(*vpid);
    if (spec.target == 0) {
      error = vpid ? "no process " + std::to_string(*vpid) + " in the run" : "the run has ended";
      error_status = vpid ? kEnterFailed : kEnterNoSuchRun;
      return;
    }
    auto pid = run.enter(std::move(spec));
    if (!pid) {
      error = pid.error().message();
      error_status = vpid ? kEnterFailed : kEnterNoSuchRun;
      return;
    }
    waiter->pid = *pid;
    const pid_t shown = pid_ns ? pid_ns->virtual_of(*pid).value_or(*pid) : *pid;
    send_message(waiter->sock.fd, {"ok", std::to_string(shown)});
  });
  if (!ran) return refuse(kEnterNoSuchRun, "the run has ended");
  if (!error.empty()) return refuse(error_status, error);
  waiters_.emplace(waiter->sock.fd, waiter);
}

// The client of an entered command hung up (or read its status): a command
// whose status it did not get is killed, as a terminal's hangup would. The
// loop checks that the process is still the run's (not reaped, so its
// number is not another's).
void ControlServer::client_gone(int sock) {
  const auto it = waiters_.find(sock);
  if (it == waiters_.end()) return;
  char byte;
  if (::recv(sock, &byte, 1, MSG_DONTWAIT) > 0) return;  // not a hangup (and ignored)
  const std::shared_ptr<Waiter> w = it->second;
  waiters_.erase(it);
  if (w->told) return;
  const pid_t pid = w->pid;
  mailbox_->call([pid](tracer::RunAccess& run) {
    bool live = false;
    run.for_each_task([&](const tracer::Tracee& t) { live = live || t.tgid == pid; });
    if (live) ::kill(pid, SIGKILL);
  });
}

}  // namespace cocoon::syscalls
