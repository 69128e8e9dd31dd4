#include "sandbox/run_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace cocoon::syscalls {
namespace {

constexpr const char* kStateFile = "state.json";
constexpr const char* kSocketFile = "control.sock";
constexpr const char* kNamePrefix = "name.";
// A run's directory without a state file is one being published, unless
// it is older than this.
constexpr time_t kStatelessGrace = 60;

bool older_than(const std::string& path, time_t seconds) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_mtime + seconds < ::time(nullptr);
}

std::string errno_text(int err) { return std::strerror(err); }

// Usable if it is a real directory (not a symlink) of the caller's that no
// one else may write (a writer could replace a run's socket).
std::optional<std::string> unsafe_dir(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return path + ": " + errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return path + " is not a directory";
  if (st.st_uid != ::getuid()) {
    return path + " is owned by uid " + std::to_string(st.st_uid) + ", not " +
           std::to_string(::getuid());
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return path + " is writable by group or others";
  return std::nullopt;
}

// Decodes the JSON string literal at `s[i]` (a '"'); i moves past it.
std::optional<std::string> read_string(const std::string& s, std::size_t& i) {
  if (i >= s.size() || s[i] != '"') return std::nullopt;
  std::string out;
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      ++i;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    switch (s[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        if (i + 4 >= s.size()) return std::nullopt;
        const unsigned long code = std::strtoul(s.substr(i + 1, 4).c_str(), nullptr, 16);
        out += static_cast<char>(code);  // json_string() escapes control bytes only
        i += 4;
        break;
      }
      default: out += s[i];
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_strings(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 1;
  if (s.empty() || s[0] != '[') return std::nullopt;
  while (i < s.size() && s[i] != ']') {
    if (s[i] == ',' || s[i] == ' ') {
      ++i;
      continue;
    }
    auto v = read_string(s, i);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::string json_strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json_string(v[i]);
  return out + "]";
}

// state.json's "key": value lines, values as written.
std::map<std::string, std::string> read_fields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t i = line.find('"');
    if (i == std::string::npos) continue;
    auto key = read_string(line, i);
    if (!key || line.compare(i, 2, ": ") != 0) continue;
    std::string value = line.substr(i + 2);
    if (!value.empty() && value.back() == ',') value.pop_back();
    fields[*key] = value;
  }
  return fields;
}

bool write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".new";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

std::optional<RunRecord> read_record(const std::string& dir) {
  std::ifstream in(dir + "/" + kStateFile);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return parse_record(text.str());
}

bool is_live(const RunRecord& r) {
  return r.pid > 0 && r.pid_start != 0 && process_start_time(r.pid) == r.pid_start;
}

// Whether something listens on the run's socket. Asked before a run whose
// pid does not check out is removed: from inside a PID namespace (a guest
// running cocoon ps), or with a /proc that hides it, a live cocoon's pid is
// not there. A socket whose listener died refuses (ECONNREFUSED).
bool answers(const std::string& dir) {
  const std::string path = dir + "/" + kSocketFile;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Opened with O_NOFOLLOW and emptied through the descriptor: a guest that
// sees the state directory (a host view, or a -r root with it bound in)
// could plant a run-like symlink to make cocoon unlink files elsewhere.
void remove_run_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  const std::string files[] = {kSocketFile, kStateFile, std::string(kStateFile) + ".new"};
  for (const std::string& f : files) ::unlinkat(fd, f.c_str(), 0);
  ::close(fd);
  ::rmdir(dir.c_str());
}

// The name link `root/name.NAME`, if it still points at run `id`.
void remove_name(const std::string& root, const std::string& name, const std::string& id) {
  if (name.empty()) return;
  const std::string link = root + "/" + kNamePrefix + name;
  char buf[64];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n > 0 && std::string(buf, static_cast<std::size_t>(n)) == id) ::unlink(link.c_str());
}

// Takes `name` for run `id`; a link left by a dead run is taken over.
std::expected<void, PublishError> take_name(const std::string& root, const std::string& name,
                                            const std::string& id) {
  const std::string link = root + "/" + kNamePrefix + name;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::symlink(id.c_str(), link.c_str()) == 0) return {};
    if (errno != EEXIST) return std::unexpected(PublishError{link + ": " + errno_text(errno)});
    char buf[64];
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    const std::string other = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    auto r = other.empty() ? std::nullopt : read_record(root + "/" + other);
    if (r && (is_live(*r) || answers(root + "/" + other))) {
      return std::unexpected(PublishError{"the name " + name + " is in use by run " + other, true});
    }
    ::unlink(link.c_str());  // stale: its run is gone
  }
  return std::unexpected(PublishError{"could not take the name " + name});
}

std::expected<int, std::string> listen_at(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return std::unexpected(path + ": path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected("socket: " + errno_text(errno));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 16) != 0) {
    const int err = errno;
    ::close(fd);
    return std::unexpected(path + ": " + errno_text(err));
  }
  return fd;
}

}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string to_json(const RunRecord& r) {
  std::ostringstream o;
  o << "{\n"
    << "  \"id\": " << json_string(r.id) << ",\n"
    << "  \"name\": " << (r.name.empty() ? "null" : json_string(r.name)) << ",\n"
    << "  \"pid\": " << r.pid << ",\n"
    << "  \"pid_start\": " << r.pid_start << ",\n"
    << "  \"started\": " << r.started << ",\n"
    << "  \"command\": " << json_strings(r.command) << ",\n"
    << "  \"root\": " << json_string(r.root) << ",\n"
    << "  \"mounts\": " << json_strings(r.mounts) << ",\n"
    << "  \"emulated_ids\": " << (r.emulated_ids ? "true" : "false") << ",\n"
    << "  \"uid\": " << r.uid << ",\n"
    << "  \"gid\": " << r.gid << ",\n"
    << "  \"hostname\": " << (r.hostname ? json_string(*r.hostname) : "null") << ",\n"
    << "  \"namespaces\": " << json_strings(r.namespaces) << ",\n"
    << "  \"guest_namespaces\": " << (r.guest_namespaces ? "true" : "false") << "\n"
    << "}\n";
  return o.str();
}

std::optional<RunRecord> parse_record(const std::string& text) {
  auto f = read_fields(text);
  auto str = [&f](const char* key) -> std::optional<std::string> {
    std::size_t i = 0;
    return f.contains(key) ? read_string(f[key], i) : std::nullopt;
  };
  auto num = [&f](const char* key) { return std::strtoull(f[key].c_str(), nullptr, 10); };
  RunRecord r;
  auto id = str("id");
  if (!id) return std::nullopt;
  r.id = *id;
  r.name = str("name").value_or("");
  r.pid = static_cast<pid_t>(num("pid"));
  r.pid_start = num("pid_start");
  r.started = static_cast<std::int64_t>(num("started"));
  r.command = read_strings(f["command"]).value_or(std::vector<std::string>{});
  r.root = str("root").value_or("/");
  r.mounts = read_strings(f["mounts"]).value_or(std::vector<std::string>{});
  r.emulated_ids = f["emulated_ids"] == "true";
  r.uid = static_cast<std::uint32_t>(num("uid"));
  r.gid = static_cast<std::uint32_t>(num("gid"));
  r.hostname = str("hostname");
  r.namespaces = read_strings(f["namespaces"]).value_or(std::vector<std::string>{});
  r.guest_namespaces = f["guest_namespaces"] == "true";
  return r;
}

std::expected<std::string, std::string> state_root() {
  std::string root;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg == '/') {
    struct stat st {};
    if (::stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid()) {
      root = std::string(xdg) + "/cocoon";
    }
  }
  if (root.empty()) root = "/tmp/cocoon-" + std::to_string(::getuid());
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    return std::unexpected("state directory " + root + ": " + errno_text(errno));
  }
  if (auto why = unsafe_dir(root)) {
    return std::unexpected("refusing the state directory: " + *why);
  }
  return root;
}

std::string new_run_id() {
  unsigned char bytes[6] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
    const auto t = static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(::time(nullptr));
    std::memcpy(bytes, &t, sizeof t);
  }
  char hex[13];
  for (int i = 0; i < 6; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  return std::string(hex, 12);
}

bool valid_run_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  // Not an id's shape, which a lookup would take for another run's id.
  if (name.size() == 12 && name.find_first_not_of("0123456789abcdef") == std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::uint64_t process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return 0;
  // Fields after the command name, which may hold spaces and parentheses
  // (proc_pid_stat(5)): from the last ')', field 3 on; field 22 is starttime.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int n = 3; fields >> field; ++n) {
    if (n == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::vector<RunEntry> list_runs(const std::string& root) {
  std::vector<RunEntry> out;
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() != 12 || name.find_first_not_of("0123456789abcdef") != std::string::npos) {
      continue;
    }
    const std::string dir = root + "/" + name;
    auto r = read_record(dir);
    if (r && r->id == name && (is_live(*r) || answers(dir))) {
      out.push_back({dir, std::move(*r)});
    } else if (r) {  // stale: its cocoon is gone
      remove_name(root, r->name, r->id);
      remove_run_dir(dir);
    } else if (older_than(dir, kStatelessGrace)) {
      remove_run_dir(dir);  // killed between its mkdir and its state file
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const RunEntry& a, const RunEntry& b) {
    return a.record.started < b.record.started;
  });
  return out;
}

std::optional<RunEntry> find_run(const std::string& root, const std::string& id_or_name) {
  std::vector<RunEntry> runs = list_runs(root);
  for (auto& r : runs) {
    if (r.record.id == id_or_name || (!r.record.name.empty() && r.record.name == id_or_name)) {
      return std::move(r);
    }
  }
  std::optional<RunEntry> found;
  if (id_or_name.size() < 4) return found;
  for (auto& r : runs) {
    if (r.record.id.starts_with(id_or_name)) {
      if (found) return std::nullopt;  // ambiguous
      found = std::move(r);
    }
  }
  return found;
}

std::expected<PublishedRun, PublishError> PublishedRun::publish(RunRecord record) {
  auto root = state_root();
  if (!root) return std::unexpected(PublishError{root.error()});
  PublishedRun run;
  run.root_ = *root;
  run.dir_ = *root + "/" + record.id;
  if (::mkdir(run.dir_.c_str(), 0700) != 0) {
    return std::unexpected(PublishError{run.dir_ + ": " + errno_text(errno)});
  }
  run.record_ = record;  // from here the destructor removes what was made
  if (!record.name.empty()) {
    if (auto r = take_name(*root, record.name, record.id); !r) {
      run.record_.name.clear();
      return std::unexpected(r.error());
    }
  }
  auto fd = listen_at(run.dir_ + "/" + kSocketFile);
  if (!fd) return std::unexpected(PublishError{fd.error()});
  run.listen_fd_ = *fd;
  if (!write_file_atomically(run.dir_ + "/" + kStateFile, to_json(record))) {
    return std::unexpected(PublishError{run.dir_ + "/" + kStateFile + ": " + errno_text(errno)});
  }
  return run;
}

PublishedRun::PublishedRun(PublishedRun&& o) noexcept
    : record_(std::move(o.record_)),
      root_(std::move(o.root_)),
      dir_(std::exchange(o.dir_, std::string())),
      listen_fd_(std::exchange(o.listen_fd_, -1)) {}

PublishedRun::~PublishedRun() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (dir_.empty()) return;
  remove_name(root_, record_.name, record_.id);
  remove_run_dir(dir_);
}

std::string socket_path(const RunEntry& run) { return run.dir + "/" + kSocketFile; }

}  // namespace cocoon::syscalls
