// A run's control socket, served on a thread of its own: `cocoon ps -a`
// asks it for the run's tasks, `cocoon enter` for a command started
// inside. Whatever touches the tracees or the handlers' state is posted to
// the event loop (tracer::Mailbox), which runs it between two events.
// Owned by run_session(); stopped (and its thread joined) before the
// tracer goes.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_map>

#include "cocoon/tracer/mailbox.h"
#include "owned_fd.h"
#include "sandbox/control_protocol.h"

namespace cocoon::syscalls {

class NamespaceState;

class ControlServer {
 public:
  // `listen_fd`: PublishedRun's, borrowed. `ns`: the run's namespaces, or
  // null when none is emulated (host pids and the initial namespaces).
  ControlServer(int listen_fd, std::shared_ptr<tracer::Mailbox> mailbox,
                std::shared_ptr<NamespaceState> ns);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  // A client waiting for its entered command's status.
  struct Waiter {
    OwnedFd sock;
    pid_t pid = 0;  // the entered command, host pid
    std::atomic<bool> told{false};  // its status was sent
  };

  void serve();
  void accept_one();
  void list_tasks(int sock);
  void enter(OwnedFd sock, ControlMessage& request);
  void client_gone(int sock);

  int listen_fd_;
  std::shared_ptr<tracer::Mailbox> mailbox_;
  std::shared_ptr<NamespaceState> ns_;
  OwnedFd wake_;  // eventfd: ends serve()
  // By socket; the server's thread only (the loop's thread gets a Waiter
  // of its own through the exit callback).
  std::unordered_map<int, std::shared_ptr<Waiter>> waiters_;
  std::thread thread_;
};

}  // namespace cocoon::syscalls
