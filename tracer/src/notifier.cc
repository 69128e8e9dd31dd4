#include "notifier.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <vector>

#include "cocoon/tracer/log.h"

// Linux 6.6 (include/uapi/linux/seccomp.h); Debian 12's headers are 6.1's.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace cocoon::tracer {
namespace {

// Interrupts the thread's SECCOMP_IOCTL_NOTIF_RECV when it is time to stop:
// before Linux 6.6 a receive waits on a semaphore that nothing raises once
// the guest is gone (kernel/seccomp.c, seccomp_notify_recv). The handler is
// installed without SA_RESTART, so the ioctl returns EINTR.
int wake_signal() { return SIGRTMIN + 2; }
void on_wake(int) {}

// The kernel's structs seccomp_notif and seccomp_notif_resp may be larger
// than our headers' (it copies its own size out): SECCOMP_GET_NOTIF_SIZES
// says how large.
seccomp_notif_sizes notif_sizes() {
  seccomp_notif_sizes sizes{};
  syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);  // zeros on failure: ours
  sizes.seccomp_notif = std::max<__u16>(sizes.seccomp_notif, sizeof(seccomp_notif));
  sizes.seccomp_notif_resp = std::max<__u16>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp));
  return sizes;
}

}  // namespace

// Answers notification `id` with a copy of the tracer's descriptor
// v.value, which it closes; 0 or the errno of SECCOMP_IOCTL_NOTIF_ADDFD
// (the notification is then still pending, except on ENOENT).
int Notifier::install_fd(std::uint64_t id, const Verdict& v) {
  const int fd = static_cast<int>(v.value);
  seccomp_notif_addfd add{};
  add.id = id;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = static_cast<std::uint32_t>(fd);
  add.newfd_flags = v.cloexec ? O_CLOEXEC : 0;
  const int r = ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
  const int err = r < 0 ? errno : 0;
  close(fd);
  return err;
}

bool Notifier::orphaned() const {
  pollfd p{listener_, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0;
}

Notifier::Notifier(int listener, Answer answer, const std::atomic<std::uint64_t>* reaps)
    : listener_(listener), answer_(std::move(answer)), reaps_(reaps) {
  // Both directions of a round trip wake the other side on the waker's CPU
  // (complete_on_current_cpu()), as a ptrace stop does on one CPU.
  // Before Linux 6.6 the flag is refused, and CPU placement alone keeps
  // this thread beside the guest.
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) != 0) {
    log().debug("no SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: {}", std::strerror(errno));
  }
  struct sigaction sa {};
  sa.sa_handler = on_wake;
  sigemptyset(&sa.sa_mask);
  sigaction(wake_signal(), &sa, nullptr);
  thread_ = std::thread([this] { loop(); });
  // Placement needs it. A futex wait (std::atomic::wait), not a yield
  // loop: on one CPU the loop spun until the scheduler ran the thread,
  // about a tenth of cocoon's CPU time at start (docs/benchmark.md).
  tid_.wait(0);
}

Notifier::~Notifier() {
  stop_.store(true);
  // A signal that lands before the thread enters the ioctl is lost; the
  // next one is not. The first usually suffices: polling at 1 ms cost every
  // run a millisecond at exit (docs/benchmark.md), so the wait starts at
  // 20 µs and doubles.
  auto pause = std::chrono::microseconds(20);
  while (!done_.load()) {
    pthread_kill(thread_.native_handle(), wake_signal());
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
  thread_.join();
  if (listener_ >= 0) close(listener_);
}

void Notifier::loop() {
  tid_.store(static_cast<pid_t>(syscall(SYS_gettid)));
  tid_.notify_one();
  sigset_t only_wake;
  sigfillset(&only_wake);
  sigdelset(&only_wake, wake_signal());
  pthread_sigmask(SIG_SETMASK, &only_wake, nullptr);
  const seccomp_notif_sizes sizes = notif_sizes();
  std::vector<std::byte> req_buf(sizes.seccomp_notif), resp_buf(sizes.seccomp_notif_resp);
  auto* req = reinterpret_cast<seccomp_notif*>(req_buf.data());
  auto* resp = reinterpret_cast<seccomp_notif_resp*>(resp_buf.data());
  while (!stop_.load()) {
    std::memset(req_buf.data(), 0, req_buf.size());  // the kernel wants it zeroed
    const std::uint64_t reaps_seen =
        reaps_ != nullptr ? reaps_->load(std::memory_order_acquire) : 0;
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
      // EINTR: our wake-up, or another signal. ENOENT: the task went (a
      // signal, or death) between queueing the call and our receiving it;
      // or every task under the filter is gone, and then every receive
      // fails at once (recv_wait_event(), Linux 6.6) and the listener says
      // POLLHUP (seccomp_notify_poll()): no call can come any more, and
      // looping here kept the CPU, which cocoon's placement shares with
      // the tracing thread, from its teardown for milliseconds.
      if (errno == ENOENT && orphaned()) break;
      if (errno == EINTR || errno == ENOENT) continue;
      // Closing the listener fails the guest's notified calls with ENOSYS
      // (seccomp_unotify(2)) rather than leaving them blocked for good.
      log().error("receiving a seccomp notification: {}", std::strerror(errno));
      close(listener_);
      listener_ = -1;
      break;
    }
    const Verdict v = answer_(*req, listener_, reaps_seen);
    std::memset(resp_buf.data(), 0, resp_buf.size());
    resp->id = req->id;
    if (v.kind == Verdict::Kind::kInstallFd) {
      const int err = install_fd(req->id, v);
      if (err == 0 || err == ENOENT) continue;  // answered, or the task is gone
      resp->error = -err;                       // EMFILE: the guest's table is full
    } else if (v.kind == Verdict::Kind::kSkip) {
      if (v.value < 0) {
        resp->error = static_cast<std::int32_t>(v.value);
      } else {
        resp->val = v.value;
      }
    } else {
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    }
    // ENOENT: the task was interrupted meanwhile (a signal: it restarts the
    // call, which comes again) or died; nothing to do either way.
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0 && errno != ENOENT) {
      log().warn("answering a seccomp notification of {}: {}", req->pid, std::strerror(errno));
    }
  }
  done_.store(true);
}

}  // namespace cocoon::tracer
