#include "ptrace/proc_tasks.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace cocoon::syscalls::proc_tasks {
namespace {

std::string task_dir(pid_t pid, pid_t tid) {
  return "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
}

}  // namespace

std::vector<pid_t> threads_of(pid_t pid) {
  std::vector<pid_t> out;
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (dir == nullptr) return out;
  while (const dirent* e = readdir(dir)) {
    const long tid = std::strtol(e->d_name, nullptr, 10);
    if (tid > 0) out.push_back(static_cast<pid_t>(tid));
  }
  closedir(dir);
  return out;
}

std::vector<pid_t> children_of(pid_t pid, pid_t tid) {
  std::vector<pid_t> out;
  std::ifstream in(task_dir(pid, tid) + "/children");
  for (pid_t child = 0; in >> child;) out.push_back(child);
  return out;
}

pid_t parent_of(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PPid:", 0) == 0) return static_cast<pid_t>(std::strtol(line.c_str() + 5, nullptr, 10));
  }
  return 0;
}

uid_t uid_of(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Uid:", 0) == 0) return static_cast<uid_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
  }
  return 0;
}

long blocked_in(pid_t pid, pid_t tid) {
  std::ifstream in(task_dir(pid, tid) + "/syscall");
  long nr = -1;
  if (!(in >> nr)) return -1;
  return nr;
}

bool is_zombie(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  // The state follows the command name, which may itself hold ')'.
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

std::vector<unsigned long long> status_numbers(pid_t tid, const char* key) {
  std::vector<unsigned long long> out;
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  const std::string prefix = std::string(key) + ":";
  const int base = prefix == "CapEff:" ? 16 : 10;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const char* p = line.c_str() + prefix.size();
    for (char* end = nullptr;; p = end) {
      const unsigned long long v = std::strtoull(p, &end, base);
      if (end == p) break;
      out.push_back(v);
    }
    break;
  }
  return out;
}

long proc_owner(pid_t tid) {
  struct stat st {};
  if (stat(("/proc/" + std::to_string(tid) + "/stat").c_str(), &st) != 0) return -1;
  return static_cast<long>(st.st_uid);
}

int yama_scope() {
  std::ifstream in("/proc/sys/kernel/yama/ptrace_scope");
  int scope = 0;
  if (!(in >> scope)) return 0;
  return scope;
}

}  // namespace cocoon::syscalls::proc_tasks
