// The process registry: the state handlers keep about each traced thread
// and each traced process (thread group), in typed slots whose rule says
// what happens to a value when the kernel makes a task, runs an execve and
// ends a task. The tracer, which sees those events, applies the rules; a
// handler only declares its slots and reads and writes values.
//
// Three kinds of slot:
//  - ThreadSlot<T>: one value per task (tid). A new process and a new thread
//    (CLONE_THREAD) each get a copy of their parent's, or none; execve keeps
//    it or clears it; it goes when the task dies.
//  - ProcessSlot<T>: one value per thread group (tgid), shared by its
//    threads. A new process gets a copy of its parent's, or none; execve
//    keeps it or clears it; it goes when the group's last traced task dies.
//  - CallSlot<T>: one value per task, from a syscall's entry stop to its
//    exit stop (strace's per-tcb `_priv_data`): cleared once the exit
//    handlers ran, or at the entry when no exit stop follows, or at death.
//    Never inherited. It moves with the task across a non-leader's execve.
//
// Each slot's declaration cites the kernel rule it follows. A value exists
// only for a task (a process) the tracer follows: writing one for any other
// number does nothing, so a dead task's number, once reused, starts clean.
// A kFresh thread slot of a child keeps what was written for it before its
// birth (its parent's exit stop can come first). A pointer find() or set()
// returns stays valid until that value is replaced or dropped.
//
// Threads: the registry has no lock of its own. The tracer calls it, and
// runs every handler (on its own thread, or on the notifier's for a
// notified call), under its one lock (Tracer::mu_): slots are as safe as
// the handler maps they replace, and a stop takes no extra lock.
// Owned by whoever assembles a run; it outlives the handlers and states
// that declared slots in it.
#pragma once

#include <sys/types.h>

#include <any>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cocoon::tracer {

// A slot's value in a new task: a copy of the parent's, or none.
enum class OnClone : std::uint8_t { kCopy, kFresh };
// A slot's value in the image an execve(2) starts: kept, or none.
enum class OnExec : std::uint8_t { kKeep, kReset };

class ProcessRegistry {
 public:
  ProcessRegistry() = default;
  ProcessRegistry(const ProcessRegistry&) = delete;
  ProcessRegistry& operator=(const ProcessRegistry&) = delete;

  // The tracer's side, at the events it sees (tracer.cc).
  //
  // A task followed from now on, in thread group `tgid` (0: not known yet,
  // as for a child whose first stop came before its parent's clone event).
  void add(pid_t tid, pid_t tgid);
  // Both halves of a birth are in (Tracee::Birth), before any handler's
  // on_clone: the child joins its thread group and the rules give it its
  // parent's values. A thread when both have the same tgid. The parent may
  // have died meanwhile: what it held is gone, and the child starts fresh.
  void born(pid_t child, pid_t child_tgid, pid_t parent, pid_t parent_tgid);
  // PTRACE_EVENT_EXEC of `tid`, which was `former` before the execve (a
  // non-leader thread takes over the leader's tid: ptrace(2), "execve(2)
  // under ptrace"): its values move to `tid` and the old leader's go; then
  // kReset slots are cleared. Before the handlers' on_exec.
  void exec(pid_t tid, pid_t former);
  // The call of `tid` ended (its exit stop's handlers ran, or no exit stop
  // was asked for): its call slots are cleared. Costs nothing when no task
  // holds call data.
  void end_call(pid_t tid) {
    if (open_calls_ != 0) clear_call(tid);
  }
  // After the handlers' on_death: the task's values go, and its process's
  // when it was the last task of the group.
  void died(pid_t tid);

  bool follows(pid_t tid) const { return threads_.contains(tid); }
  // The thread group of a followed task (any of its threads), 0 for a
  // task not followed or whose group is not known yet: the key of its
  // process slots.
  pid_t process_of(pid_t tid) const {
    const auto it = threads_.find(tid);
    return it == threads_.end() ? 0 : it->second.tgid;
  }
  std::size_t thread_count() const { return threads_.size(); }
  std::size_t process_count() const { return processes_.size(); }

 private:
  template <typename T>
  friend class ThreadSlot;
  template <typename T>
  friend class ProcessSlot;
  template <typename T>
  friend class CallSlot;

  enum class Scope : std::uint8_t { kThread, kProcess, kCall };
  struct Rule {
    Scope scope;
    OnClone new_process, new_thread;
    OnExec exec;
  };
  // A deque: growing it (a slot declared late) moves no value, so a
  // pointer a slot handed out stays valid until its own value changes.
  struct Values {
    std::deque<std::any> v;
    std::any* at(std::size_t i);
  };
  struct Thread {
    pid_t tgid = 0;  // 0: not attached to a process yet
    Values values;   // thread and call slots, by index
    bool in_call = false;
  };
  struct Process {
    Values values;
    std::size_t threads = 0;
  };

  std::size_t declare(Rule rule);
  // The value cell of slot `index` for `id` (a tid, or a tgid for a
  // process slot); null when the registry follows no such task. `write`:
  // a call slot's task is then in a call (end_call clears it).
  std::any* cell(std::size_t index, pid_t id, bool write = false);
  void attach(Thread& t, pid_t tgid);
  void clear_call(pid_t tid);
  void inherit(Values& to, const Values* from, Scope scope, bool thread);

  std::vector<Rule> rules_;  // by slot index
  std::unordered_map<pid_t, Thread> threads_;
  std::unordered_map<pid_t, Process> processes_;
  std::size_t open_calls_ = 0;  // tasks whose in_call is set
};

namespace registry_detail {

template <typename T>
T* get(std::any* cell) {
  return cell != nullptr && cell->has_value() ? std::any_cast<T>(cell) : nullptr;
}

template <typename T>
T* put(std::any* cell, T value) {
  if (cell == nullptr) return nullptr;
  return &cell->emplace<T>(std::move(value));
}

template <typename T>
std::optional<T> take(std::any* cell) {
  T* v = get<T>(cell);
  if (v == nullptr) return std::nullopt;
  std::optional<T> out(std::move(*v));
  cell->reset();
  return out;
}

}  // namespace registry_detail

// One value per task. `id` is a tid.
template <typename T>
class ThreadSlot {
 public:
  // `new_process`: fork, vfork, clone without CLONE_THREAD; `new_thread`:
  // CLONE_THREAD.
  ThreadSlot(ProcessRegistry& r, OnClone new_process, OnClone new_thread, OnExec exec)
      : r_(r), index_(r.declare({ProcessRegistry::Scope::kThread, new_process, new_thread, exec})) {}
  T* find(pid_t tid) const { return registry_detail::get<T>(r_.cell(index_, tid)); }
  // Null when no such task is followed.
  T* set(pid_t tid, T value) { return registry_detail::put(r_.cell(index_, tid), std::move(value)); }
  std::optional<T> take(pid_t tid) { return registry_detail::take<T>(r_.cell(index_, tid)); }
  void erase(pid_t tid) { (void)take(tid); }

 private:
  ProcessRegistry& r_;
  std::size_t index_;
};

// One value per thread group, shared by its threads. `id` is a tgid.
template <typename T>
class ProcessSlot {
 public:
  ProcessSlot(ProcessRegistry& r, OnClone new_process, OnExec exec)
      : r_(r),
        index_(r.declare({ProcessRegistry::Scope::kProcess, new_process, OnClone::kFresh, exec})) {}
  T* find(pid_t tgid) const { return registry_detail::get<T>(r_.cell(index_, tgid)); }
  T* set(pid_t tgid, T value) {
    return registry_detail::put(r_.cell(index_, tgid), std::move(value));
  }
  std::optional<T> take(pid_t tgid) { return registry_detail::take<T>(r_.cell(index_, tgid)); }
  void erase(pid_t tgid) { (void)take(tgid); }
  // Every process holding a value: f(tgid, value).
  template <typename F>
  void for_each(F&& f) const {
    for (auto& [tgid, p] : r_.processes_) {
      if (T* v = registry_detail::get<T>(p.values.at(index_))) f(tgid, *v);
    }
  }

 private:
  ProcessRegistry& r_;
  std::size_t index_;
};

// One value per task, for the syscall it is in. `id` is a tid.
template <typename T>
class CallSlot {
 public:
  explicit CallSlot(ProcessRegistry& r)
      : r_(r),
        index_(r.declare({ProcessRegistry::Scope::kCall, OnClone::kFresh, OnClone::kFresh,
                          OnExec::kKeep})) {}
  T* find(pid_t tid) const { return registry_detail::get<T>(r_.cell(index_, tid)); }
  T* set(pid_t tid, T value) {
    return registry_detail::put(r_.cell(index_, tid, true), std::move(value));
  }
  std::optional<T> take(pid_t tid) { return registry_detail::take<T>(r_.cell(index_, tid)); }

 private:
  ProcessRegistry& r_;
  std::size_t index_;
};

}  // namespace cocoon::tracer
