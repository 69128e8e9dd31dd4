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
  std::uint64_t calls = 0, errors = 0;
  double us = 0;
  for (const auto& [name, t] : tally_) {
    calls += t.calls;
    errors += t.errors;
    us += t.tracer_us;
  }
  // Every call reached cocoon: without a filter, or with --all (which, with
  // -c, traces every row).
  const bool complete = !options_.seccomp || options_.all;
  // A PTRACE_SYSCALL tracer stops twice per call; a plain seccomp run of
  // cocoon once per intercepted call, twice when a handler needs the exit.
  const std::uint64_t saved = 2 * seen_ - plain_stops_;
  char line[256];
  if (options_.json) {
    std::string j = "{\"type\":\"summary\",\"syscalls\":[";
    bool first = true;
    for (const auto& [name, t] : tally_) {
      std::snprintf(line, sizeof line, "{\"name\":%s,\"calls\":%llu,\"errors\":%llu,\"tracer_us\":%.1f}",
                    json_string(name).c_str(), static_cast<unsigned long long>(t.calls),
                    static_cast<unsigned long long>(t.errors), t.tracer_us);
      j += (first ? "" : ",") + std::string(line);
      first = false;
    }
    j += "],\"calls\":" + std::to_string(calls) + ",\"errors\":" + std::to_string(errors);
    j += ",\"plain_run_stops\":" + std::to_string(plain_stops_);
    j += complete ? ",\"all_calls\":" + std::to_string(seen_) + ",\"stops_saved_by_seccomp\":" +
                        std::to_string(saved)
                  : ",\"all_calls\":null,\"stops_saved_by_seccomp\":null";
    std::fprintf(out_, "%s}\n", j.c_str());
    std::fflush(out_);
    return;
  }
  std::fprintf(out_, "%9s %9s %12s %11s  %s\n", "calls", "errors", "tracer-usecs", "usecs/call",
               "syscall");
  std::fprintf(out_, "--------- --------- ------------ -----------  ----------------\n");
  for (const auto& [name, t] : tally_) {
    std::fprintf(out_, "%9llu %9llu %12.0f %11.1f  %s\n", static_cast<unsigned long long>(t.calls),
                 static_cast<unsigned long long>(t.errors), t.tracer_us,
                 t.calls ? t.tracer_us / static_cast<double>(t.calls) : 0.0, name.c_str());
  }
  std::fprintf(out_, "--------- --------- ------------ -----------  ----------------\n");
  std::fprintf(out_, "%9llu %9llu %12.0f %11s  total\n", static_cast<unsigned long long>(calls),
               static_cast<unsigned long long>(errors), us, "");
  std::fprintf(out_, "stops of a plain cocoon run for these calls: %llu\n",
               static_cast<unsigned long long>(plain_stops_));
  if (complete) {
    std::fprintf(out_,
                 "all syscalls: %llu, of which the filter lets %llu through without a stop\n"
                 "stops saved by seccomp: %llu (a PTRACE_SYSCALL tracer stops %llu times)\n",
                 static_cast<unsigned long long>(seen_), static_cast<unsigned long long>(allowed_),
                 static_cast<unsigned long long>(saved), static_cast<unsigned long long>(2 * seen_));
  } else {
    std::fprintf(out_,
                 "stops saved by seccomp: not counted (the filter let the other calls through "
                 "unseen; add --all to count them)\n");
  }
  std::fflush(out_);
}

}  // namespace cocoon::trace
