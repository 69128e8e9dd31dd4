// Ends the whole guest tree when cocoon is told to stop (SIGINT, SIGTERM,
// SIGHUP, SIGQUIT sent to it, or its parent's death with --die-with-parent).
//
// The event loop blocks in waitpid(), and a flag set by a signal handler just
// before that call would go unseen until some tracee stops. So the signals are
// blocked in every thread and taken by a small thread in sigwaitinfo(), which
// kills every live tracee itself (kill(2) needs no ptrace rights); their
// deaths then wake the event loop.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace cocoon::tracer {

class KillSwitch {
 public:
  // Blocks the signals in the calling thread (and so in threads and children
  // it creates later; the launcher unblocks them in the guest).
  KillSwitch();
  ~KillSwitch();
  KillSwitch(const KillSwitch&) = delete;
  KillSwitch& operator=(const KillSwitch&) = delete;

  // Starts the signal thread. die_with_parent: PR_SET_PDEATHSIG(SIGTERM).
  void arm(bool die_with_parent);

  void add(pid_t tid);
  void remove(pid_t tid);
  // The signal that fired, or 0.
  int fired() const { return fired_.load(); }
  // Kills every live tracee with SIGKILL, and every one added afterwards.
  void kill_all();

 private:
  void wait_loop();

  std::mutex mu_;
  std::unordered_set<pid_t> live_;
  bool killing_ = false;  // under mu_: kill_all() ran, newborns die too
  std::atomic<int> fired_{0};
  std::thread thread_;
  int wake_fd_ = -1;  // eventfd: ends wait_loop on destruction
};

}  // namespace cocoon::tracer
