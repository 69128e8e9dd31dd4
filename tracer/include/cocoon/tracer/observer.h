// The teaching view's window into the tracer (`cocoon trace`): an observer
// told of every syscall stop it selects, with the registers before and after
// the handlers ran and what the handlers said they did. Normal runs install
// none and pay one null-pointer test per stop.
#pragma once

#include <optional>
#include <functional>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/policy.h"
#include "cocoon/tracer/registry.h"
#include "cocoon/tracer/tracee.h"
#include "cocoon/tracer/wait_event.h"

namespace cocoon::tracer {

// What a handler did to a call, in the handler's own words: the observer
// cannot know why a pointer changed or a value came back, the handler can.
enum class NoteKind : std::uint8_t {
  kRewrite,   // an argument rewritten: "\"/etc/hosts\" -> \"/srv/root/etc/hosts\""
  kFaked,     // a value the guest is told instead of the real one: "real 65534"
  kEmulated,  // the call answered by the tracer: "uname: nodename \"box\""
  kDenied,    // refused by a rule: "read-only mount"
};

struct Note {
  NoteKind kind;
  std::string text;
};

// Collects the notes of one stop. The tracer points Tracee::notes at one
// only while an observer watches that stop.
class NoteSink {
 public:
  void add(NoteKind kind, std::string text) { notes_.push_back({kind, std::move(text)}); }
  const std::vector<Note>& notes() const { return notes_; }

 private:
  std::vector<Note> notes_;
};

// For handlers: records a note when someone observes this stop. `make`
// builds the text only then, so a normal run formats nothing.
template <typename MakeText>
void annotate(const SyscallStop& stop, NoteKind kind, MakeText&& make) {
  if (stop.tracee.notes != nullptr) stop.tracee.notes->add(kind, make());
}

using Clock = std::chrono::steady_clock;

// One entry stop, once the handlers (or the policy) decided.
struct ObservedEntry {
  const Tracee& tracee;
  const arch::SyscallRegs& before;  // as the guest made the call
  const arch::SyscallRegs& after;   // what the kernel runs (or the skip)
  Verdict verdict;                  // kSkip: the call never ran; value is its result
  const NoteSink& notes;
  Clock::time_point stopped_at;     // when the tracer read the registers
};

class TraceObserver {
 public:
  virtual ~TraceObserver() = default;

  // Told once, when the tracer is built, the policy the handlers alone make
  // (what a plain `cocoon run` intercepts).
  virtual void set_policy(const Policy& handlers_policy) { (void)handlers_policy; }
  // Told once, when the tracer is built: the registry where the observer
  // may keep per-task state (a call between on_entry and on_exit: a
  // CallSlot, which follows a non-leader's execve to the leader's tid).
  // It outlives the run.
  virtual void set_registry(ProcessRegistry& registry) { (void)registry; }
  // Rows to trace although no handler needs them (--all, -e trace=...).
  virtual bool traces(const arch::SyscallDesc& row, arch::Arch abi) const {
    (void)row;
    (void)abi;
    return false;
  }
  // Asked at each entry stop before the handlers run: whether to watch
  // this call (collect notes, report it).
  virtual bool wants(const Tracee& t, const arch::SyscallRegs& regs) = 0;
  // The call, decided; returns whether to see its exit too (ignored when
  // the call was skipped: it has no exit to see).
  virtual bool on_entry(const ObservedEntry& e) = 0;
  // The exit of a call on_entry asked for, after the exit handlers ran.
  virtual void on_exit(const Tracee& t, const arch::SyscallRegs& regs,
                       Clock::time_point stopped_at) = 0;
  // Every wait event (signals, exec, clone, deaths), before the tracer acts
  // on it.
  virtual void on_event(const WaitEvent& ev) { (void)ev; }
  // How the guest numbers a task (tgid, tid) when that is not the
  // kernel's number (an emulated PID namespace): given by the session
  // before the run; nullopt for a task numbered as the kernel does.
  using PidNames = std::function<std::optional<pid_t>(pid_t tgid, pid_t tid)>;
  virtual void set_pid_names(PidNames names) { (void)names; }
};

// The handlers the tracer runs with `observer`: the given ones, plus one
// that traces the rows the observer asks for. Tells the observer the
// handlers' own policy first.
HandlerList attach_observer(HandlerList handlers, TraceObserver* observer);

}  // namespace cocoon::tracer
