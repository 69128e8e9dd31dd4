// execve of a "#!" script in the guest's view. The kernel would look the
// interpreter up in the host's filesystem (fs/binfmt_script.c opens the
// path written after "#!" with open_exec()), so the tracer does the
// kernel's job first: it reads the "#!" line, resolves the interpreter in
// guest terms (interpreters that are scripts too, up to the kernel's
// BINPRM_MAX_RECURSION of 4), and execs the interpreter's host path with the
// argv binfmt_script would have built: interpreter, its optional argument,
// the script's path as the guest gave it, then the rest of argv.
#pragma once

#include <sys/types.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/vfs/path.h"
#include "cocoon/vfs/resolver.h"
#include "view/guest_view.h"

namespace cocoon::syscalls {

// The first line of a file that starts with "#!": the interpreter and its
// single optional argument (binfmt_script splits at the first blank; the
// rest, trimmed, is one argument). nullopt: not a script. ENOEXEC for "#!"
// without an interpreter, as the kernel answers.
struct Shebang {
  std::string interpreter;
  std::optional<std::string> arg;
};
std::expected<std::optional<Shebang>, int> parse_shebang(std::string_view head);

// The first BINPRM_BUF_SIZE bytes of host file `host`, as the kernel reads
// them to choose a binfmt (a "#!" line, an ELF header); empty if it cannot
// be read (the kernel will say why at the exec).
std::string read_binprm_head(const std::string& host);

// What cocoon puts before a program's own arguments when it starts the
// program through the guest's ld.so, `INTERPRETER [--argv0 NAME] PROGRAM`
// (exec_elf.h), or through qemu-user, `QEMU [OPTIONS] -0 NAME PROGRAM`
// (exec_foreign.h), NAME being the guest's argv[0]. The kernel's
// /proc/PID/cmdline shows them (exec/loader_cmdline.h takes them out).
struct LoaderArgs {
  std::string interpreter;  // argv[0]: ld.so as the program's PT_INTERP names it, or qemu
  bool argv0 = false;       // ARGV0_OPTION NAME follows (the options)
  std::string program;      // the path ld.so (qemu) opens
  std::vector<std::string> options = {};  // qemu's own, before ARGV0_OPTION
  std::string argv0_option = "--argv0";   // qemu's is "-0"
};

struct ExecPlan {
  std::string host;  // the file the kernel must exec
  // The new argv[0...], replacing the guest's argv[0] (nullopt: the guest's
  // own argv[0] string goes there); empty: argv unchanged.
  std::vector<std::optional<std::string>> argv_head;
  // When the program runs through the guest's ELF interpreter: its guest
  // path, which /proc/PID/exe must show instead of the interpreter's, and
  // the interpreter's host path, which the link then reads (`host` is a
  // symlink to it named after the program: exec_script.cc, named_after).
  std::string exe_guest;
  std::string exe_host;
  std::optional<LoaderArgs> loader;
};

// `program` is the resolved program, `as_given` the name the kernel would
// give the program (AT_EXECFN: the path string the guest passed, or
// "/dev/fd/N/path" for execveat relative to a dirfd). Scripts first (here),
// then a program of another machine through the view's emulator
// (exec_foreign.h), or the ELF interpreter (exec_elf.h).
std::expected<ExecPlan, int> plan_exec(const GuestView& view, pid_t tid, pid_t tgid,
                                       const vfs::Resolved& program, const std::string& as_given);

}  // namespace cocoon::syscalls
