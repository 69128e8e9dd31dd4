#include "cocoon/trace/view.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>

#include "cocoon/tracer/memory.h"

namespace cocoon::trace {
namespace {

RawArgs args_of(const arch::SyscallRegs& regs) {
  RawArgs a{};
  for (int i = 0; i < arch::kMaxArgs; ++i) a[static_cast<std::size_t>(i)] = regs.arg(i);
  return a;
}

double micros_since(tracer::Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(tracer::Clock::now() - t).count();
}

bool has_note(const std::vector<tracer::Note>& notes, tracer::NoteKind k) {
  return std::any_of(notes.begin(), notes.end(), [k](const auto& n) { return n.kind == k; });
}

// What cocoon did, in one word, from what the handlers said and what the
// registers show.
std::string action_of(const tracer::ObservedEntry& e, bool refused_by_policy) {
  const auto& notes = e.notes.notes();
  if (refused_by_policy) return "refused";
  if (e.verdict.kind == tracer::Verdict::Kind::kSkip) {
    if (has_note(notes, tracer::NoteKind::kDenied)) return "denied";
    if (has_note(notes, tracer::NoteKind::kFaked)) return "faked";
    // The tracer's own answer, an error included (a stat of a missing file
    // under -0): a refusal by rule carries a kDenied note.
    return "emulated";
  }
  bool changed = e.before.nr() != e.after.nr();
  for (int i = 0; i < arch::kMaxArgs; ++i) changed = changed || e.before.arg(i) != e.after.arg(i);
  if (changed || has_note(notes, tracer::NoteKind::kRewrite)) return "rewritten";
  return "passed";
}

std::vector<std::string> numbers_and_paths(const arch::SyscallDesc& row, const RawArgs& raw,
                                           const tracer::GuestMemory& memory) {
  std::vector<std::string> out;
  for (int i = 0; i < row.arg_count; ++i) {
    const auto v = raw[static_cast<std::size_t>(i)] & 0xffffffffu;
    std::string s;
    if (row.args[static_cast<std::size_t>(i)] == arch::ArgRole::kPath && v != 0) {
      if (auto p = memory.read_path(v)) s = quote(*p, 256);
    }
    if (s.empty()) {
      char buf[24];
      std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
      s = buf;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TraceView::TraceView(ViewOptions options, std::FILE* out)
    : options_(std::move(options)), out_(out) {}

void TraceView::set_policy(const tracer::Policy& handlers_policy) {
  policy_ = std::make_unique<tracer::Policy>(handlers_policy);
}

// --all traces every row of the selection; with -c every row, so that the
// summary can count what the filter would have let through.
bool TraceView::traces(const arch::SyscallDesc& row, arch::Arch abi) const {
  (void)abi;
  if (!options_.all) return false;
  return options_.summary || options_.selection.selects(row);
}

bool TraceView::intercepted(arch::Arch abi, long nr, const RawArgs& args) const {
  if (!policy_) return true;
  const tracer::Decision d =
      policy_->decide(abi, nr).for_call([&args](int i) { return args[static_cast<std::size_t>(i)]; });
  return d.action != tracer::Action::kAllow;
}

bool TraceView::wants(const tracer::Tracee& t, const arch::SyscallRegs& regs) {
  (void)t;
  // Before the command's exec event only its execve (and a failed one's
  // next tries along PATH) is the guest's (ViewOptions::from_exec).
  if (options_.from_exec && !exec_seen_) {
    const arch::SyscallDesc* exec = arch::find_syscall(regs.abi(), regs.nr());
    if (exec == nullptr || !arch::is_any(exec->sys, {arch::Sys::execve, arch::Sys::execveat})) return false;
  }
  const RawArgs args = args_of(regs);
  const bool plain = intercepted(regs.abi(), regs.nr(), args);
  ++seen_;
  if (!plain) ++allowed_;
  if (options_.summary) return true;  // counted even when not shown
  if (!plain && !options_.all) return false;
  const arch::SyscallDesc* row = arch::find_syscall(regs.abi(), regs.nr());
  return row == nullptr || options_.selection.selects(*row);
}

bool TraceView::on_entry(const tracer::ObservedEntry& e) {
  CallRecord r;
  r.tid = e.tracee.tid;
  r.tgid = e.tracee.process();
  if (pid_names_) {
    r.vtid = pid_names_(r.tgid, r.tid);
    r.vpid = pid_names_(r.tgid, r.tgid);
  }
  r.abi = e.before.abi();
  r.nr = e.before.nr();
  r.raw = args_of(e.before);
  const arch::SyscallDesc* row = arch::find_syscall(r.abi, r.nr);
  const bool plain = intercepted(r.abi, r.nr, r.raw);
  // A plain run answers a notified call without a stop where it uses
  // notifications (x86-64: docs/architecture.md); `cocoon trace` stops at
  // it to show it.
  const bool notified = plain && options_.notify && policy_ &&
                        policy_->decide(r.abi, r.nr).action == tracer::Action::kNotify &&
                        arch::can_restart_interrupted_syscalls();
  if (notified) {
    ++plain_notified_;
  } else if (plain) {
    const bool skip = e.verdict.kind == tracer::Verdict::Kind::kSkip;
    plain_stops_ += skip ? 1 : 1 + (e.verdict.want_exit ? 1 : 0);
  }
  const bool selected = row == nullptr || options_.selection.selects(*row);
  if (!(plain || options_.all) || !selected) return false;  // counted for -c only
  r.name = row ? std::string(row->name) : "syscall_" + std::to_string(r.nr);
  if (row) r.ret = row->ret;
  const bool refused = policy_ && policy_->decide(r.abi, r.nr)
                                          .for_call([&r](int i) { return r.raw[static_cast<std::size_t>(i)]; })
                                          .action == tracer::Action::kErrno;
  r.action = action_of(e, refused);
  r.notes = e.notes.notes();
  const tracer::GuestMemory memory(r.tid);
  // -c prints only the table: nothing to decode.
  if (row && !options_.summary) {
    // An int 0x80 call's structs and pointer arrays have i386's layouts,
    // which the decoder (this host's) does not read: numbers and paths only.
    r.args = r.abi == arch::Arch::kI386 ? numbers_and_paths(*row, r.raw, memory)
                                        : decode_entry(*row, r.raw, memory);
  }
  if (options_.stack) r.stack = unwind_stack(r.tid, r.stack_error);
  if (options_.disasm) r.code = disassemble_at(r.tid, r.abi, e.before.ip(), r.code_note);
  r.tracer_us = micros_since(e.stopped_at);
  if (e.verdict.kind == tracer::Verdict::Kind::kSkip) {
    r.result = e.verdict.value;
    r.finished = true;
    if (row && !options_.summary && r.abi != arch::Arch::kI386) {
      decode_outputs(*row, r.raw, r.result, memory, r.args);
    }
    report(r);
    return false;
  }
  if (!pending_ || pending_->set(r.tid, r) == nullptr) {
    report(r);  // no registry, or a task it does not follow: no exit to wait for
    return false;
  }
  return true;
}

void TraceView::on_exit(const tracer::Tracee& t, const arch::SyscallRegs& regs,
                        tracer::Clock::time_point stopped_at) {
  auto taken = pending_ ? pending_->take(t.tid) : std::nullopt;
  if (!taken) return;
  CallRecord& r = *taken;
  r.result = regs.result();
  r.finished = true;
  r.tracer_us += micros_since(stopped_at);
  const arch::SyscallDesc* row = arch::find_syscall(r.abi, r.nr);
  if (row && !options_.summary && r.abi != arch::Arch::kI386) {
    decode_outputs(*row, r.raw, r.result, tracer::GuestMemory(t.tid), r.args);
  }
  report(r);
}

void TraceView::report(CallRecord& r) {
  Tally& tl = tally_[r.name];
  ++tl.calls;
  if (r.finished && result_errno(r.result) != 0) ++tl.errors;
  tl.tracer_us += r.tracer_us;
  if (options_.summary) return;
  emit(options_.json ? json_line(r) : text_line(r, options_.colour));
}

void TraceView::on_event(const tracer::WaitEvent& ev) {
  using tracer::EventKind;
  if (ev.kind == EventKind::kExecEvent) exec_seen_ = true;
  if (ev.kind != EventKind::kExited && ev.kind != EventKind::kKilled &&
      ev.kind != EventKind::kSignalStop) {
    return;
  }
  if (ev.kind != EventKind::kSignalStop && pending_) {
    // exit_group, or a thread killed inside a call: it never returns ("= ?").
    if (auto r = pending_->take(ev.tid)) report(*r);
  }
  if (options_.summary) return;
  std::string what, json_type;
  if (ev.kind == EventKind::kExited) {
    what = "+++ exited with " + std::to_string(ev.code) + " +++";
    json_type = "\"type\":\"exit\",\"status\":" + std::to_string(ev.code);
  } else if (ev.kind == EventKind::kKilled) {
    what = "+++ killed by " + signal_name(ev.signal) + (ev.core_dumped ? " (core dumped)" : "") + " +++";
    json_type = "\"type\":\"killed\",\"signal\":" + json_string(signal_name(ev.signal));
  } else {
    what = "--- " + signal_name(ev.signal) + " ---";
    json_type = "\"type\":\"signal\",\"signal\":" + json_string(signal_name(ev.signal));
  }
  const auto vtid = pid_names_ ? pid_names_(ev.tid, ev.tid) : std::nullopt;
  if (options_.json) {
    emit("{" + json_type + ",\"tid\":" + std::to_string(ev.tid) +
         (vtid ? ",\"vtid\":" + std::to_string(*vtid) : std::string()) + "}");
  } else {
    emit(pid_label(ev.tid, vtid) + what);
  }
}

void TraceView::emit(const std::string& line) {
  // One fwrite per line: lines of a multi-line record (stack, code) stay
  // together, and the stream is flushed so a crash loses nothing.
  std::string with_nl = line + "\n";
  std::fwrite(with_nl.data(), 1, with_nl.size(), out_);
  std::fflush(out_);
}

}  // namespace cocoon::trace
