#include "view/proc_status.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "proc_fields.h"
#include "view/proc_path.h"

namespace cocoon::syscalls {

std::optional<pid_t> status_number(const std::string& text, std::string_view key) {
  const std::string needle = "\n" + std::string(key) + ":";
  const auto at = ("\n" + text).find(needle);
  if (at == std::string::npos) return std::nullopt;
  std::istringstream in(text.substr(at + needle.size() - 1));
  long long v = -1;
  in >> v;
  if (!in || v < 0) return std::nullopt;
  return static_cast<pid_t>(v);
}

std::optional<Substitute> ProcStatusFiles::lookup(const std::string& host, pid_t tgid,
                                                  Reach reach) const {
  if (reach == Reach::kReadlink || editors_.empty()) return std::nullopt;
  const auto p = parse_proc_task_path(host);
  if (!p || p->rest != "/status") return std::nullopt;
  const std::string original = read_file(host);
  const auto owner = status_number(original, "Tgid");
  if (original.empty() || !owner) return std::nullopt;
  const Subject subject{p->tid.value_or(p->pid), *owner};
  std::string text = original;
  for (const Editor& e : editors_) text = e(std::move(text), subject, tgid);
  if (text == original) return std::nullopt;
  std::string file = write_generated(dir_, counter_++, text);
  if (file.empty()) return std::nullopt;
  return Substitute{Substitute::Kind::kFile, std::move(file)};
}

}  // namespace cocoon::syscalls
