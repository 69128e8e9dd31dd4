#include "loader_cmdline.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include "view/proc_path.h"

namespace cocoon::syscalls {
namespace {

// `text` starts with `arg` and its NUL: returns what follows.
std::optional<std::string_view> after_arg(std::string_view text, std::string_view arg) {
  if (text.size() <= arg.size() || !text.starts_with(arg) || text[arg.size()] != '\0') {
    return std::nullopt;
  }
  return text.substr(arg.size() + 1);
}

// Files of a reader are written beside and renamed over: a guest still
// reading the previous copy keeps its own (as proc_pids.cc's).
std::string write_generated(const std::string& dir, unsigned n, const std::string& body) {
  const std::string file = dir + "/" + std::to_string(n % 64);
  const std::string tmp = file + ".new";
  {
    std::ofstream o(tmp, std::ios::trunc | std::ios::binary);
    o << body;
    if (!o) return {};
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  return ec ? std::string() : file;
}

// What follows the interpreter and its options (qemu's), and the option
// that gives argv[0], in `text`; nullopt when one of them is not there.
std::optional<std::string_view> after_options(std::string_view text, const LoaderArgs& args) {
  auto rest = after_arg(text, args.interpreter);
  for (const std::string& option : args.options) {
    if (rest) rest = after_arg(*rest, option);
  }
  if (rest && args.argv0) rest = after_arg(*rest, args.argv0_option);
  return rest;
}

// `text` holds all of ld.so's arguments `args` names: "INTERPRETER
// --argv0 NAME PROGRAM".
bool whole_prefix(std::string_view text, const LoaderArgs& args) {
  auto rest = after_options(text, args);
  if (!rest) return false;
  if (!args.argv0) return rest->starts_with(args.program);
  const auto name_end = rest->find('\0');
  return name_end != std::string_view::npos &&
         after_arg(rest->substr(name_end + 1), args.program).has_value();
}

}  // namespace

std::optional<std::string> without_loader_args(std::string_view cmdline, const LoaderArgs& args) {
  auto rest = after_options(cmdline, args);
  if (!rest) return std::nullopt;
  if (!args.argv0) return std::string(*rest);  // ld.so made the path argv[0]
  // NAME, the program's argv[0], stays; the path after it goes.
  const auto name_end = rest->find('\0');
  if (name_end == std::string_view::npos) return std::string(*rest);
  const std::string_view name = rest->substr(0, name_end + 1);
  if (auto tail = after_arg(rest->substr(name.size()), args.program)) {
    return std::string(name) + std::string(*tail);
  }
  return std::string(*rest);
}

LoaderCmdlines::LoaderCmdlines(tracer::ProcessRegistry& registry, std::string dir)
    : records_(registry, tracer::OnClone::kCopy, tracer::OnExec::kKeep), dir_(std::move(dir)) {}

void LoaderCmdlines::planned(pid_t tgid, std::optional<LoaderArgs> args) {
  Record* r = records_.find(tgid);
  if (r == nullptr && !args) return;
  if (r == nullptr) r = records_.set(tgid, {});
  if (r != nullptr) r->planned = std::move(args);
}

void LoaderCmdlines::exec_done(pid_t tgid) {
  Record* r = records_.find(tgid);
  if (r == nullptr) return;
  r->started = std::exchange(r->planned, std::nullopt);
}

std::optional<Substitute> LoaderCmdlines::lookup(const std::string& host, pid_t,
                                                 Reach reach) const {
  if (reach == Reach::kReadlink) return std::nullopt;
  auto p = parse_proc_task_path(host);
  if (!p || p->rest != "/cmdline") return std::nullopt;
  // A thread's own path (/proc/TID/cmdline of a non-leader) names no
  // process here: the kernel's text.
  const Record* r = records_.find(p->pid);
  if (r == nullptr || (!r->started && !r->planned)) return std::nullopt;
  std::ifstream in(host, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  // Between the kernel's exec and the tracer's exec event the memory is
  // the new image's already: the planned start is tried too (the text
  // itself decides).
  // A child forked before that exec holds its parent's start, whose ld.so
  // and "--argv0" the new text starts with too: the start whose whole
  // prefix (the path too) is there wins.
  const std::optional<LoaderArgs>* args = &r->started;
  if (r->planned && (!r->started || !whole_prefix(text, *r->started))) args = &r->planned;
  if (!*args) return std::nullopt;
  auto cmdline = without_loader_args(text, **args);
  if (!cmdline) return std::nullopt;
  std::string file = write_generated(dir_, counter_++, *cmdline);
  if (file.empty()) return std::nullopt;
  return Substitute{Substitute::Kind::kFile, std::move(file)};
}

}  // namespace cocoon::syscalls
