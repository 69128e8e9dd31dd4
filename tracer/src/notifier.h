// Answers the calls the filter sends as seccomp user notifications
// (Action::kNotify, seccomp_unotify(2)) on a thread of its own, so the event
// loop keeps blocking in waitpid() and a notified call costs no ptrace stop:
// the guest blocks in the kernel, this thread receives the call, the
// handlers answer it, the guest goes on. One stop and resume is two context
// switches plus ptrace's register traffic (GET_SYSCALL_INFO, SETREGSET,
// CONT); a notification is two context switches and two ioctls
// (docs/benchmark.md has the figures).
//
// The answer callback takes the tracer's lock: handlers' state is never
// touched by two threads at once. The thread makes no ptrace request (only
// the tracing thread may, ptrace(2)), and neither may the handlers it runs
// (SyscallHandler's kNotify contract).
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <atomic>
#include <functional>
#include <thread>

#include "cocoon/tracer/handler.h"

namespace cocoon::tracer {

class Notifier {
 public:
  // What to do with one notification: skip (the call's answer), a
  // descriptor to install as its result, or resume (the kernel runs it as
  // it is, SECCOMP_USER_NOTIF_FLAG_CONTINUE).
  // `reaps_seen`: *reaps as read before the notification was received.
  using Answer =
      std::function<Verdict(const seccomp_notif& n, int listener, std::uint64_t reaps_seen)>;

  // Takes `listener` (closed on destruction) and starts the thread.
  // `reaps` (may be null): the tracer's count of reaped tasks
  // (NotificationRef).
  Notifier(int listener, Answer answer, const std::atomic<std::uint64_t>* reaps = nullptr);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The thread's id, for CPU placement.
  pid_t tid() const { return tid_.load(); }

 private:
  void loop();
  int install_fd(std::uint64_t id, const Verdict& v);
  // Every task the filter applied to has exited (the listener hangs up).
  bool orphaned() const;

  int listener_;
  Answer answer_;
  const std::atomic<std::uint64_t>* reaps_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<pid_t> tid_{0};
  std::thread thread_;
};

}  // namespace cocoon::tracer
