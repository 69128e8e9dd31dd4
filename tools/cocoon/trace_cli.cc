#include "trace_cli.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cocoon/trace/view.h"
#include "cocoon/tracer/tracer.h"
#include "front_ends.h"

namespace cocoon::tools {

void add_trace_options(CLI::App* cmd, TraceCliOptions& o) {
  cmd->add_option("-o,--output", o.output, "FILE: write the trace to FILE (default: stderr)");
  cmd->add_flag("--json", o.json, "One JSON object per event (docs/trace-json.md)");
  cmd->add_flag("-c,--summary", o.summary,
                "Only a table at the end: calls, errors and time stopped in cocoon per "
                "syscall, and the stops seccomp saved");
  cmd->add_option("-e", o.expr,
                  "[trace=]SET: show only these syscalls: names and classes (%file, %desc, "
                  "%process, %network, %signal, %memory, %creds, %ipc), ! to negate");
  cmd->add_flag("--all", o.all, "Trace every syscall, not only the ones cocoon intercepts");
  cmd->add_flag("-k,--stack", o.stack, "The guest's stack at each shown syscall (libunwind)");
  cmd->add_flag("--disasm", o.disasm, "The instructions around each syscall site (Capstone)");
  cmd->add_option("-p,--pid", o.attach,
                  "PID: follow a running process (and its threads) instead of a command; "
                  "no seccomp (PTRACE_SYSCALL), no handlers, detached on Ctrl-C");
}

namespace {

std::expected<trace::Selection, std::string> selection(const std::string& expr) {
  if (expr.empty()) return trace::Selection();
  // strace's qualifier defaults to trace: "-e openat" is "-e trace=openat".
  const auto eq = expr.find('=');
  if (eq != std::string::npos && expr.substr(0, eq) != "trace") {
    return std::unexpected("-e " + expr + ": only trace=SET is supported");
  }
  auto s = trace::Selection::parse(eq == std::string::npos ? expr : expr.substr(eq + 1));
  if (!s) return std::unexpected("-e " + expr + ": " + s.error());
  return s;
}

// An attached process keeps the view it had: no handler changes anything,
// so every call is shown (--all).
int attach(const syscalls::Session& session, pid_t pid) {
  tracer::TracerOptions options = session.tracer;
  tracer::Tracer t(options, {});
  auto status = t.attach(pid);
  if (!status) return fail(status.error().message());
  return *status;
}

}  // namespace

int trace_main(const syscalls::Session& session, const TraceCliOptions& o) {
  if (o.attach == 0 && session.argv.empty()) return fail("trace: a COMMAND (after --) or -p PID");
  if (o.attach != 0 && !session.argv.empty()) return fail("trace: -p PID and a COMMAND exclude each other");
  auto sel = selection(o.expr);
  if (!sel) return fail(sel.error());
  std::FILE* out = stderr;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!o.output.empty()) {
    // "e": O_CLOEXEC, so the guest does not inherit the trace file.
    file.reset(std::fopen(o.output.c_str(), "we"));
    if (!file) return fail("-o " + o.output + ": " + std::strerror(errno));
    out = file.get();
  }
  trace::ViewOptions v;
  v.json = o.json;
  v.summary = o.summary;
  // A learner's first `cocoon trace -- ls` configures nothing: nothing
  // would be intercepted, so every call is shown, and a line says why.
  const bool plain = !session.view.changes_view() && o.attach == 0;
  v.all = o.all || o.attach != 0 || plain;
  if (plain && !o.all && !o.json) {
    std::fprintf(out,
                 "cocoon trace: no option changes this command's view (-r, -b, -0, --hostname, "
                 "--unshare-pid...): showing every call, as --all does\n");
  }
  v.stack = o.stack;
  v.disasm = o.disasm;
  v.selection = *sel;
  v.from_exec = o.attach == 0;
  v.seccomp = session.tracer.use_seccomp && o.attach == 0;
  v.notify = v.seccomp && session.tracer.notify;
  v.colour = !o.json && isatty(fileno(out)) && std::getenv("NO_COLOR") == nullptr;
  auto view = std::make_shared<trace::TraceView>(std::move(v), out);
  syscalls::Session s = session;
  s.tracer.observer = view;
  const int status = o.attach != 0 ? attach(s, o.attach) : run(s);
  view->print_summary();
  return status;
}

}  // namespace cocoon::tools
