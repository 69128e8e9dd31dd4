#include "cocoon/tracer/mailbox.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "doorbell.h"

namespace cocoon::tracer {

bool ring_doorbell() {
  const pid_t pid = vfork();
  if (pid == 0) _exit(0);
  return pid > 0;
}

bool Mailbox::call(Job job) {
  auto entry = std::make_shared<Entry>();
  entry->job = std::move(job);
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kStartWait, [&] { return open_ || closed_; });
    if (!open_) return false;
    jobs_.push_back(entry);
    pending_.store(true, std::memory_order_release);
  }
  const bool rung = ring_doorbell();
  std::unique_lock lock(mu_);
  if (!rung) {
    // Taken back unless the loop has already picked it up.
    const auto it = std::find(jobs_.begin(), jobs_.end(), entry);
    if (it != jobs_.end()) {
      jobs_.erase(it);
      return false;
    }
  }
  cv_.wait(lock, [&] { return entry->done; });
  return entry->ran;
}

void Mailbox::open() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  open_ = true;
  cv_.notify_all();
}

void Mailbox::run_pending(RunAccess& run) {
  if (!pending_.load(std::memory_order_acquire)) return;
  for (;;) {
    std::shared_ptr<Entry> entry;
    {
      std::lock_guard lock(mu_);
      if (jobs_.empty()) {
        pending_.store(false, std::memory_order_release);
        return;
      }
      entry = jobs_.front();
      jobs_.pop_front();
    }
    entry->job(run);
    std::lock_guard lock(mu_);
    entry->done = entry->ran = true;
    cv_.notify_all();
  }
}

void Mailbox::close() {
  std::lock_guard lock(mu_);
  open_ = false;
  closed_ = true;
  for (auto& e : jobs_) e->done = true;
  jobs_.clear();
  cv_.notify_all();
}

}  // namespace cocoon::tracer
