// `cocoon trace`: the observer that prints each intercepted syscall, what
// cocoon did to it, and optionally the guest's stack and instructions; and
// the -c summary at the end. One instance per run, owned by the front end
// and shared with the tracer (TracerOptions::observer).
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/trace/decode.h"
#include "cocoon/trace/machine.h"
#include "cocoon/trace/select.h"
#include "cocoon/tracer/observer.h"

namespace cocoon::trace {

struct ViewOptions {
  bool json = false;     // --json: one object per line (docs/trace-json.md)
  bool summary = false;  // -c: only the table at the end
  bool all = false;      // --all: every syscall, not only the intercepted
  bool stack = false;    // -k
  bool disasm = false;   // --disasm
  bool colour = false;   // ANSI colours (the front end decides: a terminal)
  bool seccomp = true;   // the run's mode, for the summary's account of stops
  bool notify = true;    // ... and whether it answers notified calls without one
  Selection selection;   // -e trace=SET
  // A command cocoon launched (not -p): the launcher's own calls between
  // cocoon's seize and the command's execve (its last prctl, under
  // --no-seccomp all its set-up) are cocoon's, not the guest's, and are
  // neither shown nor counted, as strace starts at the execve.
  bool from_exec = false;
};

// One syscall as it is reported: decoded at entry, completed at exit.
struct CallRecord {
  pid_t tid = 0, tgid = 0;
  // The guest's numbers for them when it has its own (a PID namespace).
  std::optional<pid_t> vtid, vpid;
  arch::Arch abi = arch::host_arch();
  long nr = -1;
  std::string name;
  arch::RetRole ret = arch::RetRole::kOther;  // the row's: how the result prints
  std::vector<std::string> args;
  RawArgs raw{};
  std::int64_t result = 0;
  bool finished = false;  // false: the task died inside the call ("= ?")
  std::string action;     // passed, rewritten, emulated, denied, refused
  std::vector<tracer::Note> notes;
  std::vector<Frame> stack;
  std::string stack_error;
  std::vector<Instruction> code;
  std::string code_note;
  double tracer_us = 0;  // time the guest spent stopped in cocoon for it
};

// Formatting of records and events (view_format.cc), pure.
std::string text_line(const CallRecord& r, bool colour);
// "[pid V (real R)] " when the guest numbers the task V, else "[pid R] ".
std::string pid_label(pid_t tid, std::optional<pid_t> vtid);
std::string json_line(const CallRecord& r);

class TraceView : public tracer::TraceObserver {
 public:
  // `out` is written line by line and not closed.
  TraceView(ViewOptions options, std::FILE* out);

  void set_policy(const tracer::Policy& handlers_policy) override;
  void set_registry(tracer::ProcessRegistry& registry) override { pending_.emplace(registry); }
  bool traces(const arch::SyscallDesc& row, arch::Arch abi) const override;
  bool wants(const tracer::Tracee& t, const arch::SyscallRegs& regs) override;
  bool on_entry(const tracer::ObservedEntry& e) override;
  void on_exit(const tracer::Tracee& t, const arch::SyscallRegs& regs,
               tracer::Clock::time_point stopped_at) override;
  void on_event(const tracer::WaitEvent& ev) override;
  void set_pid_names(PidNames names) override { pid_names_ = std::move(names); }

  // The -c table (or, with --json, its object); call once the run ended.
  void print_summary();

 private:
  struct Tally {
    std::uint64_t calls = 0, errors = 0;
    double tracer_us = 0;
  };
  void report(CallRecord& r);
  PidNames pid_names_;
  void emit(const std::string& line);
  bool intercepted(arch::Arch abi, long nr, const RawArgs& args) const;
  std::uint64_t stops_saved() const;
  std::string summary_json(bool complete) const;
  std::string summary_text(bool complete) const;

  ViewOptions options_;
  std::FILE* out_;
  std::unique_ptr<tracer::Policy> policy_;  // the handlers' own
  // A task's call between entry and exit (set_registry: before the run).
  std::optional<tracer::CallSlot<CallRecord>> pending_;
  std::map<std::string, Tally> tally_;
  // For the summary's account of stops: calls that reached cocoon, calls a
  // plain run lets through unseen, stops a plain run takes, calls it
  // answers from seccomp notifications without a stop.
  bool exec_seen_ = false;  // see ViewOptions::from_exec
  std::uint64_t seen_ = 0, allowed_ = 0, plain_stops_ = 0, plain_notified_ = 0;
};

}  // namespace cocoon::trace
