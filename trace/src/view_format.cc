// The two forms of a reported call: strace's line (with what cocoon did) and
// a JSON object (field names documented in docs/trace-json.md).
#include <cstdio>

#include "cocoon/trace/view.h"

namespace cocoon::trace {
namespace {

constexpr const char* kBold = "\033[1m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kMagenta = "\033[35m";
constexpr const char* kCyan = "\033[36m";
constexpr const char* kDim = "\033[2m";
constexpr const char* kReset = "\033[0m";

const char* kind_name(tracer::NoteKind k) {
  switch (k) {
    case tracer::NoteKind::kRewrite: return "rewrite";
    case tracer::NoteKind::kFaked: return "faked";
    case tracer::NoteKind::kEmulated: return "emulated";
    case tracer::NoteKind::kDenied: return "denied";
  }
  return "?";
}

// What cocoon did, after the result: a faked value as "(real N)", the rest
// in brackets; an action without a handler's note in its own word.
std::string notes_text(const CallRecord& r, bool colour) {
  const auto paint = [colour](const char* c, const std::string& s) {
    return colour ? c + s + kReset : s;
  };
  std::string out;
  for (const tracer::Note& n : r.notes) {
    switch (n.kind) {
      case tracer::NoteKind::kFaked: out += " " + paint(kMagenta, "(" + n.text + ")"); break;
      case tracer::NoteKind::kRewrite: out += " " + paint(kYellow, "[" + n.text + "]"); break;
      case tracer::NoteKind::kEmulated:
        out += " " + paint(kCyan, "[emulated: " + n.text + "]");
        break;
      case tracer::NoteKind::kDenied: out += " " + paint(kRed, "[denied: " + n.text + "]"); break;
    }
  }
  if (r.notes.empty() && r.action != "passed") {
    const std::string word = r.action == "refused" ? "refused by the filter's policy" : r.action;
    out += " " + paint(r.action == "rewritten" ? kYellow : kCyan, "[" + word + "]");
  }
  return out;
}

std::string frames_text(const CallRecord& r) {
  std::string out;
  if (!r.stack_error.empty()) out += "\n > (no stack: " + r.stack_error + ")";
  for (const Frame& f : r.stack) {
    out += "\n > " + hex(f.ip) + " ";
    out += f.function.empty() ? "?" : f.function + "+" + hex(f.offset);
    if (!f.module.empty()) out += " (" + f.module + ")";
  }
  return out;
}

std::string code_text(const CallRecord& r) {
  std::string out;
  if (!r.code_note.empty()) out += "\n   (" + r.code_note + ")";
  for (const Instruction& i : r.code) {
    out += std::string("\n ") + (i.is_syscall ? "=> " : "   ") + hex(i.address) + ":  ";
    char pad[40];
    std::snprintf(pad, sizeof pad, "%-24s", i.bytes.c_str());
    out += pad;
    out += i.text.empty() ? "(not disassembled)" : i.text;
  }
  return out;
}

}  // namespace

std::string text_line(const CallRecord& r, bool colour) {
  std::string args;
  for (std::size_t i = 0; i < r.args.size(); ++i) args += (i ? ", " : "") + r.args[i];
  std::string line = pid_label(r.tid, r.vtid);
  if (colour) line = kDim + line + kReset;
  line += colour ? kBold + r.name + kReset : r.name;
  line += "(" + args + ") = ";
  if (!r.finished) {
    line += "?";
  } else {
    const std::string res = result_text(r.ret, r.result);
    line += colour && result_errno(r.result) ? kRed + res + kReset : res;
  }
  return line + notes_text(r, colour) + frames_text(r) + code_text(r);
}

std::string pid_label(pid_t tid, std::optional<pid_t> vtid) {
  if (vtid && *vtid != tid) {
    return "[pid " + std::to_string(*vtid) + " (real " + std::to_string(tid) + ")] ";
  }
  return "[pid " + std::to_string(tid) + "] ";
}

std::string json_line(const CallRecord& r) {
  std::string virt;
  if (r.vpid) virt += ",\"vpid\":" + std::to_string(*r.vpid);
  if (r.vtid) virt += ",\"vtid\":" + std::to_string(*r.vtid);
  std::string j = "{\"type\":\"syscall\",\"pid\":" + std::to_string(r.tgid) +
                  ",\"tid\":" + std::to_string(r.tid) + virt + ",\"abi\":" +
                  json_string(arch::name(r.abi)) + ",\"nr\":" + std::to_string(r.nr) +
                  ",\"name\":" + json_string(r.name) + ",\"args\":[";
  for (std::size_t i = 0; i < r.args.size(); ++i) j += (i ? "," : "") + json_string(r.args[i]);
  j += "],\"raw_args\":[";
  for (std::size_t i = 0; i < r.args.size(); ++i) j += (i ? "," : "") + json_string(hex(r.raw[i]));
  j += "],\"result\":" + (r.finished ? std::to_string(r.result) : "null");
  const int err = r.finished ? result_errno(r.result) : 0;
  j += ",\"error\":" + (err ? json_string(errno_name(err)) : "null");
  j += ",\"action\":" + json_string(r.action) + ",\"notes\":[";
  for (std::size_t i = 0; i < r.notes.size(); ++i) {
    j += std::string(i ? "," : "") + "{\"kind\":" + json_string(kind_name(r.notes[i].kind)) +
         ",\"text\":" + json_string(r.notes[i].text) + "}";
  }
  char us[32];
  std::snprintf(us, sizeof us, "%.1f", r.tracer_us);
  j += std::string("],\"tracer_us\":") + us;
  if (!r.stack.empty() || !r.stack_error.empty()) {
    j += ",\"stack\":[";
    for (std::size_t i = 0; i < r.stack.size(); ++i) {
      const Frame& f = r.stack[i];
      j += std::string(i ? "," : "") + "{\"ip\":" + json_string(hex(f.ip)) +
           ",\"function\":" + json_string(f.function) + ",\"offset\":" + std::to_string(f.offset) +
           ",\"module\":" + json_string(f.module) + "}";
    }
    j += "]";
  }
  if (!r.code.empty() || !r.code_note.empty()) {
    j += ",\"disasm\":[";
    for (std::size_t i = 0; i < r.code.size(); ++i) {
      const Instruction& in = r.code[i];
      j += std::string(i ? "," : "") + "{\"address\":" + json_string(hex(in.address)) +
           ",\"bytes\":" + json_string(in.bytes) + ",\"text\":" + json_string(in.text) +
           ",\"syscall\":" + (in.is_syscall ? "true" : "false") + "}";
    }
    j += "],\"disasm_note\":" + json_string(r.code_note);
  }
  return j + "}";
}

}  // namespace cocoon::trace
