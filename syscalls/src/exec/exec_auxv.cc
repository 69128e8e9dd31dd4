#include "exec_auxv.h"

#include <elf.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <sstream>
#include <vector>

#include "proc_fields.h"

namespace cocoon::syscalls {
namespace {

// The AT_* keys the kernel and libc define are below this (AT_MINSIGSTKSZ
// is 51): a vector read with the wrong word size shows halves of addresses
// as keys, or AT_NULL before its end.
constexpr std::uint64_t kMaxKey = 256;

// `saved` read as pairs of Word with the ids replaced; nullopt unless it is
// such a vector: small keys, AT_NULL as the last pair and only there.
template <typename Word>
std::optional<std::string> replaced(std::string_view saved, const AuxvIds& ids) {
  constexpr std::size_t kPair = 2 * sizeof(Word);
  if (saved.size() < kPair || saved.size() % kPair != 0) return std::nullopt;
  std::string out(saved);
  for (std::size_t at = 0; at < out.size(); at += kPair) {
    Word key, value;
    std::memcpy(&key, out.data() + at, sizeof key);
    std::memcpy(&value, out.data() + at + sizeof key, sizeof value);
    if (key >= kMaxKey || (key == AT_NULL) != (at + kPair == out.size())) return std::nullopt;
    Word want = value;
    switch (key) {
      case AT_UID: want = static_cast<Word>(ids.uid); break;
      case AT_EUID: want = static_cast<Word>(ids.euid); break;
      case AT_GID: want = static_cast<Word>(ids.gid); break;
      case AT_EGID: want = static_cast<Word>(ids.egid); break;
      case AT_SECURE: want = ids.secure ? 1 : 0; break;
      default: break;
    }
    std::memcpy(out.data() + at + sizeof key, &want, sizeof want);
  }
  return out;
}

// /proc/TID/stat's startstack (field 28, proc(5)): where argc is. The
// fields are counted after the command's closing parenthesis (the name
// itself may hold spaces and parentheses).
std::optional<std::uint64_t> stack_start(pid_t tid) {
  const std::string stat = read_file("/proc/" + std::to_string(tid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 28 && fields >> field; ++i) {
    if (i < 28) continue;
    std::uint64_t v = 0;
    const auto [end, err] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (err != std::errc() || end != field.data() + field.size()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// Where `saved` lies on the stack from `start`: past argc and the argv and
// envp arrays (a few hundred bytes for most commands: one 4 KiB read),
// read in doubling blocks up to the end of the mapped stack.
std::optional<std::uint64_t> find_on_stack(const tracer::GuestMemory& memory, std::uint64_t start,
                                           std::string_view saved) {
  constexpr std::size_t kFirst = 4096, kLimit = 4 * 1024 * 1024;
  std::string seen;
  while (seen.size() < kLimit) {
    const std::size_t want = std::max(kFirst, seen.size());
    std::string block(want, '\0');
    auto got = memory.read_some(start + seen.size(), std::as_writable_bytes(std::span(block)));
    if (!got || *got == 0) return std::nullopt;
    seen.append(block, 0, *got);
    const auto at = std::search(seen.begin(), seen.end(),
                                std::boyer_moore_horspool_searcher(saved.begin(), saved.end()));
    if (at != seen.end()) return start + static_cast<std::uint64_t>(at - seen.begin());
    if (*got < want) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> auxv_with_ids(std::string_view saved, const AuxvIds& ids) {
  auto out = replaced<std::uint64_t>(saved, ids);
  if (!out) out = replaced<std::uint32_t>(saved, ids);
  if (!out || *out == saved) return std::nullopt;
  return out;
}

void write_auxv_ids(pid_t tid, const tracer::GuestMemory& memory, const AuxvIds& ids) {
  const std::string saved = read_file("/proc/" + std::to_string(tid) + "/auxv");
  const auto wanted = auxv_with_ids(saved, ids);
  if (!wanted) return;
  const auto start = stack_start(tid);
  if (!start) return;
  const auto at = find_on_stack(memory, *start, saved);
  if (!at) return;
  (void)memory.write(*at, std::as_bytes(std::span(*wanted)));
}

}  // namespace cocoon::syscalls
