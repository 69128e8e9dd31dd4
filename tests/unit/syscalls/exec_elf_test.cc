// The ELF side of exec planning, on the host's own files: the PT_INTERP of
// a dynamic program, and whether an ld.so takes --argv0.
#include "exec/exec_elf.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace cocoon::syscalls {
namespace {

std::string self_interpreter() { return elf_interpreter("/proc/self/exe").value_or(""); }

TEST(ElfInterpreter, OfThisDynamicTestProgram) {
  const std::string interp = self_interpreter();
  ASSERT_FALSE(interp.empty());
  EXPECT_EQ(interp.front(), '/');
  EXPECT_EQ(::access(interp.c_str(), X_OK), 0) << interp;
  EXPECT_FALSE(elf_interpreter("/nonexistent").has_value());
}

// Debian 12's glibc (2.36) has --argv0; a file without the option's
// literal (an ld.so older than glibc 2.33 stands for it) does not, twice
// (the second answer comes from the per-file memory).
TEST(ElfInterpreter, Argv0SupportIsReadFromTheFile) {
  EXPECT_TRUE(interpreter_takes_argv0(self_interpreter()));
  char path[] = "/tmp/cocoon-oldld-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "\x7f" "ELF an old ld.so: --library-path --inhibit-cache --list";
  EXPECT_FALSE(interpreter_takes_argv0(path));
  EXPECT_FALSE(interpreter_takes_argv0(path));
  ::unlink(path);
}

}  // namespace
}  // namespace cocoon::syscalls
