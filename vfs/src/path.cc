#include "cocoon/vfs/path.h"

#include <vector>

namespace cocoon::vfs {

std::string normalize_lexically(std::string_view absolute) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < absolute.size()) {
    while (i < absolute.size() && absolute[i] == '/') ++i;
    const std::size_t start = i;
    while (i < absolute.size() && absolute[i] != '/') ++i;
    const std::string_view part = absolute.substr(start, i - start);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

bool is_within(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return !path.empty() && path.front() == '/';
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace cocoon::vfs
