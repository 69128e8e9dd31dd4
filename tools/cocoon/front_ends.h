// What cocoon's command lines share: the one-line failure, the session run,
// and the front ends that take other programs' command lines (fakeroot,
// proot), each turning them into a Session.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cocoon/syscalls/session.h"

namespace cocoon::tools {

// cocoon's own failures, as env(1), nice(1) and timeout(1) report theirs, so
// they cannot be taken for the command's 126 (not executable) or 127 (not
// found).
inline constexpr int kCocoonFailed = 125;

// HOST[:GUEST], GUEST defaulting to HOST (cocoon's -b, PRoot's -b).
vfs::MountSpec bind_spec(const std::string& value, bool read_only, bool optional);

// One word of a getopt-style command line (fakeroot's, PRoot's): the
// option's name, and its value when the word carries it ("--name=value",
// or "-xVALUE" for x among `short_with_values`).
struct OptionWord {
  std::string name;
  std::optional<std::string> value;
};
OptionWord split_option(const std::string& word, std::string_view short_with_values);

// The name a front end was invoked by, for its usage line: argv[0] when
// cocoon is installed under the tool's name, "cocoon NAME" otherwise.
void set_invoked_as(std::string name);
const std::string& invoked_as();

// Prints "cocoon: LINE" on stderr; returns kCocoonFailed.
int fail(const std::string& line);
// Runs the session; the command's status, or a failure line.
int run(const syscalls::Session& session);

// COCOON_NO_SECCOMP in the environment (any value) is --no-seccomp for the
// command lines that follow a tool without one (fakeroot, bwrap), as
// PROOT_NO_SECCOMP is for `cocoon proot`. The guest inherits it.
void no_seccomp_from_env(syscalls::Session& session);

// argv without the program's name (argv[0]) or the subcommand.
int fakeroot_main(int argc, char** argv);
int proot_main(int argc, char** argv);
int bwrap_main(int argc, char** argv);
int oci_main(int argc, char** argv);

}  // namespace cocoon::tools
