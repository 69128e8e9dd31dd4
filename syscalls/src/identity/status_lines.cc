#include "identity/status_lines.h"

#include <cstdio>
#include <sstream>

#include "identity/identity.h"

namespace cocoon::syscalls {

namespace {

// proc(5)'s layouts: "Uid:\t0\t0\t0\t0", "CapEff:\t000001ffffffffff".
std::string ids_line(IdMapper& ids, pid_t reader, IdKind kind, std::initializer_list<std::uint32_t> v) {
  std::string out;
  for (std::uint32_t id : v) out += "\t" + std::to_string(ids.map_out(reader, kind, id));
  return out;
}

std::string caps_value(std::uint64_t set) {
  char hex[20];
  std::snprintf(hex, sizeof hex, "\t%016llx", static_cast<unsigned long long>(set));
  return hex;
}

}  // namespace

std::string show_credentials(const std::string& text, const Credentials& c, IdMapper& ids,
                             pid_t reader) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    const std::string key = line.substr(0, line.find(':'));
    std::string value;
    bool known = true;
    if (key == "Uid") {
      value = ids_line(ids, reader, IdKind::kUid, {c.ruid, c.euid, c.suid, c.fsuid});
    } else if (key == "Gid") {
      value = ids_line(ids, reader, IdKind::kGid, {c.rgid, c.egid, c.sgid, c.fsgid});
    } else if (key == "Groups") {
      // Space-separated, then one space more (proc_pid_status(): "Trailing
      // space shouldn't have been added in the first place").
      value = "\t";
      for (std::size_t i = 0; i < c.groups.size(); ++i) {
        value += (i ? " " : "") + std::to_string(ids.map_out(reader, IdKind::kGid, c.groups[i]));
      }
      value += " ";
    } else if (key == "CapInh") {
      value = caps_value(c.caps.inheritable);
    } else if (key == "CapPrm") {
      value = caps_value(c.caps.permitted);
    } else if (key == "CapEff") {
      value = caps_value(c.caps.effective);
    } else if (key == "CapBnd") {
      value = caps_value(c.caps.bounding);
    } else if (key == "CapAmb") {
      value = caps_value(c.caps.ambient);
    } else {
      known = false;
    }
    out += known ? key + ":" + value : line;
    out += '\n';
  }
  return out;
}

ProcStatusFiles::Editor credentials_status_editor(std::shared_ptr<IdentityState> state,
                                                  tracer::ProcessRegistry& registry) {
  return [state = std::move(state), &registry](std::string text, ProcStatusFiles::Subject subject,
                                               pid_t reader) {
    if (!registry.follows(subject.tid)) return text;
    const Credentials& c = state->of(subject.tgid);
    return show_credentials(text, c, *state->ids, reader);
  };
}

}  // namespace cocoon::syscalls
