// The ELF interpreter (PT_INTERP) of a dynamic program in the guest's view.
// The kernel's binfmt_elf opens the interpreter path written in the program
// (load_elf_binary(), fs/binfmt_elf.c) in the host's filesystem, so a
// foreign rootfs would run with the host's ld.so. When the guest's
// interpreter is not the host file of that very path, the tracer execs the
// guest's ld.so directly instead, with the program as its argument, as
// `ld.so [--argv0 NAME] PROGRAM ARGS...` (glibc 2.33+): ld.so then maps
// the program itself, and opens it and its libraries through the tracer.
#pragma once

#include <expected>
#include <optional>
#include <string>

namespace cocoon::syscalls {

// The PT_INTERP path of a 64-bit ELF file of the host's machine; nullopt
// for anything else (static programs, scripts, unreadable files: the kernel
// decides those).
std::optional<std::string> elf_interpreter(const std::string& host_path);

// Whether the ld.so at `host_path` understands --argv0 (glibc 2.33 and
// later, musl 1.2.?): its option parser's literal is in the file. Older
// ones would take "--argv0" for the program's name, so the caller leaves
// the option out and the program's argv[0] is its path. Remembered per
// file (device, inode, size, mtime): an exec costs no second read.
bool interpreter_takes_argv0(const std::string& host_path);

}  // namespace cocoon::syscalls
