#include "ptrace/tracer_pid.h"

#include <sstream>

namespace cocoon::syscalls {

std::string with_tracer_pid(const std::string& text, pid_t tracer) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    out += line.starts_with("TracerPid:") ? "TracerPid:\t" + std::to_string(tracer) : line;
    out += '\n';
  }
  return out;
}

namespace {

// The tracer's number in the /proc `reader` reads (the PID namespace editor
// shows that instance's numbers: proc_status_editor()); 0 where it has none.
pid_t tracer_seen_by(const PidNamespaces* pids, pid_t reader, pid_t tracer) {
  const std::shared_ptr<PidNamespace> ns = pids ? pids->proc_pid_ns(reader) : nullptr;
  if (!ns) return tracer;
  return ns->virtual_of(tracer).value_or(0);
}

}  // namespace

ProcStatusFiles::Editor tracer_pid_status_editor(std::shared_ptr<const EmulatedTracees> tracees,
                                                 std::shared_ptr<const PidNamespaces> pids,
                                                 tracer::ProcessRegistry& registry) {
  return [tracees = std::move(tracees), pids = std::move(pids), &registry](
             std::string text, ProcStatusFiles::Subject subject, pid_t reader) {
    if (!registry.follows(subject.tid)) return text;
    const auto it = tracees->find(subject.tid);
    if (it == tracees->end()) return with_tracer_pid(text, 0);
    return with_tracer_pid(text, tracer_seen_by(pids.get(), reader, it->second.tracer));
  };
}

}  // namespace cocoon::syscalls
