// `cocoon fakeroot`: fakeroot(1)'s command line over cocoon's identities.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "front_ends.h"
#include "logging.h"

namespace cocoon::tools {

// `cocoon fakeroot [-s FILE] [-i FILE] [-u] [--] [COMMAND [ARGS...]]`, also
// when cocoon runs under the name fakeroot: fakeroot(1)'s command line.
// Options stop at the first non-option, as fakeroot's getopt does. -l and
// --faked name fakeroot's preload library and daemon, which cocoon has no
// use for: accepted and ignored. The environment says fakeroot is active
// (FAKEROOTKEY, which tools such as dpkg and debhelper look for).
// fakeroot 1.31's usage, word for word (and tab for tab), on stderr; the
// script prints it for -h and after getopt(1)'s complaint, and exits 1.
int fakeroot_usage(const std::string& getopt_line) {
  if (!getopt_line.empty()) std::fprintf(stderr, "getopt: %s\n", getopt_line.c_str());
  std::fputs("fakeroot, create a fake root environment.\n"
             "   usage: fakeroot [-l|--lib fakerootlib] [-f|--faked fakedbin]\n"
             "                   [-i file] [-s file] [-u|--unknown-is-real]\n"
             "\t\t   [-b|--fd-base fd] [-h|--help] [-v|--version]\n"
             "                   [--] [command]\n",
             stderr);
  return 1;
}

int fakeroot_main(int argc, char** argv) {
  syscalls::Session session;
  syscalls::IdentityOptions id;
  int i = 0;
  std::optional<std::string> inline_value;
  auto value = [&]() -> std::optional<std::string> {
    if (inline_value) return inline_value;
    if (i + 1 >= argc) return std::nullopt;
    return std::string(argv[++i]);
  };
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-') break;
    // fakeroot parses with getopt(1) "+l:f:i:s:ub:vh": a value may also be
    // attached ("-sFILE", "--lib=LIB").
    OptionWord w = split_option(a, "lfisb");
    a = w.name;
    inline_value = std::move(w.value);
    if (a == "-u" || a == "--unknown-is-real") {
      id.unknown_is_real = true;
    } else if (a == "-s" || a == "-i" || a == "-l" || a == "--lib" || a == "-f" || a == "--faked" ||
               a == "-b" || a == "--fd-base") {
      auto v = value();
      if (!v) {
        return fakeroot_usage(a.starts_with("--") ? "option '" + a + "' requires an argument"
                                                  : "option requires an argument -- '" + a.substr(1) + "'");
      }
      if (a == "-s") id.export_fakeroot = *v;
      if (a == "-i") id.import_fakeroot = *v;
    } else if (a == "-h" || a == "--help") {
      return fakeroot_usage("");
    } else if (a == "-v" || a == "--version") {
      std::printf("fakeroot version 1.31 (cocoon %s)\n", COCOON_VERSION);
      return 0;
    } else {
      return fakeroot_usage(a.starts_with("--") ? "unrecognized option '" + a + "'"
                                                : "invalid option -- '" + a.substr(1, 1) + "'");
    }
  }
  for (; i < argc; ++i) session.argv.emplace_back(argv[i]);
  if (session.argv.empty()) {
    const char* shell = std::getenv("SHELL");
    session.argv.emplace_back(shell && *shell ? shell : "/bin/sh");
  }
  // Debian's fakeroot does not pass the real user's own modes on reading
  // or entering (its library wraps no open): neither does its drop-in,
  // which keeps every open without O_CREAT free of a notification.
  id.dac_opens = false;
  session.view.identity = id;
  ::setenv("FAKEROOTKEY", std::to_string(::getpid()).c_str(), 1);
  if (id.unknown_is_real) ::setenv("FAKED_MODE", "unknown-is-real", 1);
  if (auto err = setup_logging("", "")) return fail(*err);
  no_seccomp_from_env(session);
  return run(session);
}


}  // namespace cocoon::tools
