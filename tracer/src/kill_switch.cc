#include "kill_switch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

#include "cocoon/tracer/log.h"

namespace cocoon::tracer {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGQUIT);
  return set;
}

}  // namespace

KillSwitch::KillSwitch() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

KillSwitch::~KillSwitch() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (wake_fd_ >= 0) close(wake_fd_);
}

void KillSwitch::arm(bool die_with_parent) {
  const pid_t parent = getppid();
  if (die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    // The parent may have died before prctl: we were reparented already.
    if (getppid() != parent) kill(getpid(), SIGTERM);
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { wait_loop(); });
}

// A signalfd and the wake eventfd in one poll: the thread can be ended
// cleanly, which sigwaitinfo alone would not allow.
void KillSwitch::wait_loop() {
  const sigset_t set = stop_signals();
  const int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  pollfd fds[2] = {{sfd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (poll(fds, 2, -1) >= 0 || errno == EINTR) {
    if (fds[1].revents) break;
    if (!(fds[0].revents & POLLIN)) continue;
    signalfd_siginfo info{};
    if (read(sfd, &info, sizeof info) != sizeof info) continue;
    // A terminal's ^C, ^\ or hangup is sent by the kernel (si_code
    // SI_KERNEL, drivers/tty/tty_jobctrl.c via kill_pgrp) to the whole
    // foreground process group, the guest included when it shares cocoon's
    // group: the guest decides what it means (a shell ignores ^C). Killing
    // the tree is for signals sent to cocoon itself.
    if (info.ssi_code == SI_KERNEL) {
      log().debug("signal {} from the terminal: left to the guest", info.ssi_signo);
      continue;
    }
    int expected = 0;
    fired_.compare_exchange_strong(expected, static_cast<int>(info.ssi_signo));
    log().info("signal {} received: killing the guest tree", info.ssi_signo);
    kill_all();
  }
  close(sfd);
}

void KillSwitch::add(pid_t tid) {
  std::lock_guard lock(mu_);
  live_.insert(tid);
  // A process born while we were killing (its parent's fork raced the kill)
  // must not survive.
  if (killing_) kill(tid, SIGKILL);
}

void KillSwitch::remove(pid_t tid) {
  std::lock_guard lock(mu_);
  live_.erase(tid);
}

void KillSwitch::kill_all() {
  std::lock_guard lock(mu_);
  killing_ = true;
  for (pid_t tid : live_) kill(tid, SIGKILL);
}

}  // namespace cocoon::tracer
