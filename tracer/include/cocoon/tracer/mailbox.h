// Work other threads hand the event loop: `cocoon enter`'s launches and
// `cocoon ps -a`'s listing of a run's tasks. ptrace requests must come
// from the thread that seized the tasks (ptrace(2): the tracer is a
// thread), and the handlers' state is read and written only under the
// tracer's lock, so such work runs on the event loop's thread, under
// Tracer::mu_, between two events. Owned by whoever assembles the run (the
// control socket's server posts to it); the tracer opens it while its loop
// runs.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cocoon/tracer/error.h"

namespace cocoon::tracer {

struct Tracee;

// A command started inside the running run, as if the task `target` had
// forked it (Tracer::enter): it inherits that process's registry slots
// (credentials, namespaces), and the run's filter, Landlock ruleset and
// tracer. Its notified calls stop instead (its filter has no listener:
// the notifier serves the first command's).
struct EnterSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::array<int, 3> stdio{-1, -1, -1};  // the caller's, borrowed until launched
  pid_t target = 0;                      // a host tgid the run follows
  // Not empty: the guest directory the command starts in (else the
  // target's); set: the ids it takes (LaunchSpec::guest_cwd, guest_ids).
  std::string cwd;
  std::optional<std::pair<uid_t, gid_t>> ids;
  // Called on the loop's thread when the command's process is gone, with
  // the status a shell reports (128+N for signal N).
  std::function<void(int)> on_exit;
};

// What a posted job may do with the run (implemented by the Tracer).
class RunAccess {
 public:
  virtual ~RunAccess() = default;
  // Starts the command; its host pid. ESRCH once the run's first command
  // ended, or when `target` is not a process of the run.
  virtual std::expected<pid_t, Error> enter(EnterSpec spec) = 0;
  // The first command's host pid while it lives, else 0.
  virtual pid_t first_process() const = 0;
  // Every task the run follows.
  virtual void for_each_task(const std::function<void(const Tracee&)>& f) = 0;
};

class Mailbox {
 public:
  using Job = std::function<void(RunAccess&)>;
  // Runs `job` on the loop's thread and returns once it has run: false if
  // the loop has ended, or has not started within kStartWait (a run is
  // published, so it can be asked, a moment before its loop opens this).
  bool call(Job job);
  static constexpr std::chrono::seconds kStartWait{5};

  // The loop's side: open while the loop runs; run_pending() after each
  // event, under the tracer's lock; close() when it ends (pending jobs are
  // dropped: their callers get false).
  void open();
  void run_pending(RunAccess& run);
  void close();

 private:
  struct Entry {
    Job job;
    bool done = false, ran = false;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Entry>> jobs_;
  bool open_ = false, closed_ = false;
  // Set with a job queued: the loop looks at it after every event, and
  // takes the lock only when a job waits.
  std::atomic<bool> pending_{false};
};

}  // namespace cocoon::tracer
