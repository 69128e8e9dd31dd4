#include "lifecycle.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <utility>
#include <nlohmann/json.hpp>

#include "bundle.h"
#include "console.h"
#include "containers.h"

namespace cocoon::oci {
namespace {

int fail(const OciError& e) {
  std::fprintf(stderr, "cocoon: %s\n", e.message.c_str());
  return e.status;
}

std::string now_rfc3339() {
  const time_t t = ::time(nullptr);
  tm utc{};
  ::gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

struct Prepared {
  Containers containers;
  Bundle bundle;
  ContainerRecord record;
  int console = -1;  // the slave of --console-socket's pty, until launched
};

// The bundle read and mapped, the container's directory made: what every
// way of creating one does first.
std::expected<Prepared, OciError> prepare(const Globals& g, const std::string& id,
                                          const CreateOptions& o) {
  if (auto r = check_id(id); !r) return std::unexpected(r.error());
  auto containers = Containers::open(g.root);
  if (!containers) return std::unexpected(containers.error());
  auto bundle = load_bundle(o.bundle);
  if (!bundle) return std::unexpected(bundle.error());
  bundle->session.name = id;
  bundle->session.tracer.use_seccomp = g.use_seccomp;
  ContainerRecord r;
  r.id = id;
  r.bundle = bundle->dir;
  r.created = now_rfc3339();
  r.annotations = bundle->annotations;
  if (auto made = containers->make(r); !made) return std::unexpected(made.error());
  return Prepared{std::move(*containers), std::move(*bundle), std::move(r)};
}

// process.terminal against --console-socket, runc's rules: a detached
// container's terminal needs one, and one needs a terminal. With both,
// the pty is made and its master sent; the slave becomes the command's
// standard descriptors and controlling terminal.
std::expected<void, OciError> attach_console(Prepared& p, const CreateOptions& o, bool detached) {
  if (!o.console_socket.empty() && !p.bundle.terminal) {
    return std::unexpected(OciError("--console-socket: process.terminal is false (no terminal to give)"));
  }
  if (o.console_socket.empty()) {
    if (p.bundle.terminal && detached) {
      return std::unexpected(OciError("process.terminal is true: a detached container needs --console-socket"));
    }
    return {};
  }
  auto slave = send_console(o.console_socket, p.bundle.console_size);
  if (!slave) return std::unexpected(slave.error());
  p.console = *slave;
  auto& tracer = p.bundle.session.tracer;
  tracer.stdio = {p.console, p.console, p.console};
  tracer.controlling_terminal = true;
  tracer.new_session = true;
  return {};
}

// Once the command has its copies: cocoon keeping the slave open would
// keep the master's reader from seeing the terminal hang up when the
// container's processes end (pty(7)).
void close_console(Prepared& p) {
  if (p.console >= 0) ::close(std::exchange(p.console, -1));
}

// The record once the container's process exists, and --pid-file.
void note_pid(const Prepared& p, ContainerRecord& r, pid_t pid, const std::string& pid_file) {
  r.pid = pid;
  r.pid_start = process_start(pid);
  r.cocoon_pid = ::getpid();
  r.cocoon_start = process_start(r.cocoon_pid);
  if (auto w = p.containers.write(r); !w) fail(w.error());
  if (!pid_file.empty()) std::ofstream(pid_file) << pid;
}

// The cocoon that traces a created container: forked, in a session of its
// own (the caller's terminal going away must not end it), it runs the
// session with the command held before its exec until the FIFO is read
// (LaunchSpec::hold_fifo), and reports the command's pid on `report` once
// it is seized and confined. Its status: the run's.
[[noreturn]] void container_cocoon(Prepared& p, const CreateOptions& o, int report) {
  ::setsid();
  auto& tracer = p.bundle.session.tracer;
  tracer.hold_fifo = p.containers.fifo(p.record.id);
  ContainerRecord r = p.record;
  tracer.on_launched = [&p, &r, &o, report](pid_t pid) {
    close_console(p);
    note_pid(p, r, pid, o.pid_file);
    if (::write(report, &pid, sizeof pid) != sizeof pid) std::perror("cocoon: reporting the pid");
    ::close(report);
  };
  if (p.bundle.umask) ::umask(*p.bundle.umask);
  auto status = syscalls::run_session(p.bundle.session);
  if (!status) std::exit(fail(OciError(status.error().message, status.error().status)));
  std::exit(*status);
}

// Waits until `r`'s cocoon is gone (after its command was killed), so that
// the id's run name is free again; gives up after a while, the directory
// being removed anyway.
void wait_for_cocoon(const ContainerRecord& r) {
  for (int i = 0; i < 200 && process_alive(r.cocoon_pid, r.cocoon_start); ++i) ::usleep(50'000);
}

std::optional<int> signal_number(std::string name) {
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    try {
      const int n = std::stoi(name);
      return n > 0 && n < NSIG ? std::optional<int>(n) : std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (name.starts_with("SIG")) name = name.substr(3);
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = ::sigabbrev_np(n);
    if (abbrev != nullptr && name == abbrev) return n;
  }
  return std::nullopt;
}

}  // namespace

int create(const Globals& g, const std::string& id, const CreateOptions& o) {
  auto p = prepare(g, id, o);
  if (!p) return fail(p.error());
  auto drop = [&](const OciError& e) {
    p->containers.remove(id);
    return fail(e);
  };
  if (auto c = attach_console(*p, o, true); !c) return drop(c.error());
  if (::mkfifo(p->containers.fifo(id).c_str(), 0600) != 0) {
    return drop(OciError(p->containers.fifo(id) + ": " + std::strerror(errno)));
  }
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return drop(OciError(std::string("pipe2: ") + std::strerror(errno)));
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return drop(OciError(std::string("fork: ") + std::strerror(errno)));
  if (child == 0) {
    ::close(report[0]);
    container_cocoon(*p, o, report[1]);
  }
  ::close(report[1]);
  close_console(*p);  // the container's cocoon has its own copy
  pid_t pid = 0;
  const bool forked = ::read(report[0], &pid, sizeof pid) == sizeof pid;
  ::close(report[0]);
  if (forked) return 0;
  // The cocoon failed before the command existed, and said why.
  int status = 0;
  ::waitpid(child, &status, 0);
  p->containers.remove(id);
  return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : kFailed;
}

int start(const Globals& g, const std::string& id) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  const Status s = containers->status(*r);
  if (s != Status::kCreated) {
    return fail(wrong_state(id, s, "created"));
  }
  // Non-blocking: a command killed before it opened the FIFO would leave
  // a blocking open(2) waiting forever. Its byte says it goes on; only then
  // is the FIFO removed (the command opens it by name).
  const std::string fifo = containers->fifo(id);
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(OciError(fifo + ": " + std::strerror(errno)));
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    char byte = 0;
    if (::poll(&p, 1, 100) > 0 && ::read(fd, &byte, 1) == 1) break;
    if (!process_alive(r->pid, r->pid_start)) {
      ::close(fd);
      return fail(OciError("container " + id + ": its process ended before the start"));
    }
  }
  ::close(fd);
  ::unlink(fifo.c_str());
  return 0;
}

int run(const Globals& g, const std::string& id, const CreateOptions& o) {
  if (o.detach) {
    const int created = create(g, id, o);
    return created != 0 ? created : start(g, id);
  }
  auto p = prepare(g, id, o);
  if (!p) return fail(p.error());
  if (auto c = attach_console(*p, o, false); !c) {
    p->containers.remove(id);
    return fail(c.error());
  }
  ContainerRecord r = p->record;
  p->bundle.session.tracer.on_launched = [&](pid_t pid) {
    close_console(*p);
    note_pid(*p, r, pid, o.pid_file);
  };
  if (p->bundle.umask) ::umask(*p->bundle.umask);
  auto status = syscalls::run_session(p->bundle.session);
  close_console(*p);  // (a launch that failed)
  p->containers.remove(id);
  if (!status) return fail(OciError(status.error().message, status.error().status));
  return *status;
}

int state(const Globals& g, const std::string& id) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  std::cout << state_json(*r, containers->status(*r)).dump(2) << '\n';
  return 0;
}

int kill(const Globals& g, const std::string& id, const std::string& signal) {
  const auto sig = signal_number(signal);
  if (!sig) return fail(OciError("unknown signal '" + signal + "'"));
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  const Status s = containers->status(*r);
  if (s != Status::kCreated && s != Status::kRunning && s != Status::kPaused) {
    return fail(wrong_state(id, s, "running"));
  }
  if (::kill(r->pid, *sig) != 0) return fail(OciError("kill " + id + ": " + std::strerror(errno)));
  return 0;
}

int remove(const Globals& g, const std::string& id, bool force) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  auto r = containers->read(id);
  if (!r) return fail(r.error());
  const Status s = containers->status(*r);
  // (A container left "creating" by a create that was killed goes with
  // --force.)
  if ((s == Status::kCreating || s == Status::kRunning || s == Status::kPaused) && !force) {
    return fail(OciError("container " + id + " is " + to_string(s) + " (stop it first, or --force)",
                         kWrongState));
  }
  if (s != Status::kStopped) {
    // The command, then its cocoon, whose kill switch ends what is left
    // of the container's processes (SIGTERM: docs/architecture.md).
    if (r->pid > 0) ::kill(r->pid, SIGKILL);
    if (process_alive(r->cocoon_pid, r->cocoon_start)) ::kill(r->cocoon_pid, SIGTERM);
    wait_for_cocoon(*r);
  }
  containers->remove(id);
  return 0;
}

int list(const Globals& g, bool json, bool quiet) {
  auto containers = Containers::open(g.root);
  if (!containers) return fail(containers.error());
  nlohmann::json all = nlohmann::json::array();
  if (!json && !quiet) std::printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
  for (const std::string& id : containers->ids()) {
    auto r = containers->read(id);
    if (!r) continue;
    const Status s = containers->status(*r);
    const pid_t pid = s == Status::kCreated || s == Status::kRunning || s == Status::kPaused ? r->pid : 0;
    if (json) {
      all.push_back(state_json(*r, s));
    } else if (quiet) {
      std::printf("%s\n", id.c_str());
    } else {
      std::printf("%-20s %-8d %-10s %-40s %s\n", id.c_str(), pid, to_string(s), r->bundle.c_str(),
                  r->created.c_str());
    }
  }
  if (json) std::cout << all.dump(2) << '\n';
  return 0;
}

}  // namespace cocoon::oci
