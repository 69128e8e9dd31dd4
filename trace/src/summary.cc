// -c: per syscall, how often, how many failed, how long the guest was
// stopped in cocoon for it; and what seccomp saves. The count of saved
// stops is only given when every call of the run reached cocoon (--all, or
// --no-seccomp): otherwise the filter let calls through that cocoon never
// saw, and it says so instead of guessing.
#include <cstdio>

#include "cocoon/trace/view.h"

namespace cocoon::trace {

void TraceView::print_summary() {
  if (!options_.summary) return;
  // Every call reached cocoon: without a filter, or with --all (which, with
  // -c, traces every row).
  const bool complete = !options_.seccomp || options_.all;
  const std::string table = options_.json ? summary_json(complete) : summary_text(complete);
  std::fputs(table.c_str(), out_);
  std::fflush(out_);
}

// A PTRACE_SYSCALL tracer stops twice per call; a plain seccomp run of
// cocoon once per intercepted call, twice when a handler needs the exit.
std::uint64_t TraceView::stops_saved() const { return 2 * seen_ - plain_stops_; }

std::string TraceView::summary_json(bool complete) const {
  std::string j = "{\"type\":\"summary\",\"syscalls\":[";
  std::uint64_t calls = 0, errors = 0;
  char line[256];
  for (const auto& [name, t] : tally_) {
    std::snprintf(line, sizeof line, "{\"name\":%s,\"calls\":%llu,\"errors\":%llu,\"tracer_us\":%.1f}",
                  json_string(name).c_str(), static_cast<unsigned long long>(t.calls),
                  static_cast<unsigned long long>(t.errors), t.tracer_us);
    j += (calls ? "," : "") + std::string(line);
    calls += t.calls;
    errors += t.errors;
  }
  j += "],\"calls\":" + std::to_string(calls) + ",\"errors\":" + std::to_string(errors);
  j += ",\"plain_run_stops\":" + std::to_string(plain_stops_);
  j += ",\"plain_run_notifications\":" + std::to_string(plain_notified_);
  j += complete ? ",\"all_calls\":" + std::to_string(seen_) +
                      ",\"stops_saved_by_seccomp\":" + std::to_string(stops_saved())
                : ",\"all_calls\":null,\"stops_saved_by_seccomp\":null";
  return j + "}\n";
}

std::string TraceView::summary_text(bool complete) const {
  std::string out;
  char line[256];
  const auto add = [&](const char* fmt, auto... v) {
    std::snprintf(line, sizeof line, fmt, v...);
    out += line;
  };
  constexpr const char* kRule = "--------- --------- ------------ -----------  ----------------\n";
  add("%9s %9s %12s %11s  %s\n", "calls", "errors", "tracer-usecs", "usecs/call", "syscall");
  out += kRule;
  unsigned long long calls = 0, errors = 0;
  double us = 0;
  for (const auto& [name, t] : tally_) {
    add("%9llu %9llu %12.0f %11.1f  %s\n", static_cast<unsigned long long>(t.calls),
        static_cast<unsigned long long>(t.errors), t.tracer_us,
        t.calls ? t.tracer_us / static_cast<double>(t.calls) : 0.0, name.c_str());
    calls += t.calls;
    errors += t.errors;
    us += t.tracer_us;
  }
  out += kRule;
  add("%9llu %9llu %12.0f %11s  total\n", calls, errors, us, "");
  add("stops a plain cocoon run takes: %llu\n",
      static_cast<unsigned long long>(plain_stops_));
  if (plain_notified_ != 0) {
    add("calls a plain run answers without a stop (seccomp notifications): %llu\n",
        static_cast<unsigned long long>(plain_notified_));
  }
  if (!complete) {
    return out + "stops saved by seccomp: not counted (the filter let the other calls through "
                 "unseen; add --all to count them)\n";
  }
  add("all syscalls: %llu, of which the filter lets %llu through without a stop\n",
      static_cast<unsigned long long>(seen_), static_cast<unsigned long long>(allowed_));
  add("stops saved by seccomp: %llu (a PTRACE_SYSCALL tracer stops %llu times)\n",
      static_cast<unsigned long long>(stops_saved()), static_cast<unsigned long long>(2 * seen_));
  return out;
}

}  // namespace cocoon::trace
