// /proc/PID/cmdline of a program cocoon started through ld.so: the text the
// kernel reads from its memory, without ld.so's own arguments.
#include "exec/loader_cmdline.h"

#include <gtest/gtest.h>

namespace cocoon::syscalls {
namespace {

using namespace std::string_literals;

const LoaderArgs kSh{"/lib64/ld-linux-x86-64.so.2", true, "/usr/bin/sh"};

std::string shown(const std::string& text, const LoaderArgs& args = kSh) {
  auto r = without_loader_args(text, args);
  return r ? *r : "(kernel's)";
}

TEST(LoaderCmdline, DropsLdSoArgv0AndThePath) {
  EXPECT_EQ(shown("/lib64/ld-linux-x86-64.so.2\0--argv0\0sh\0/usr/bin/sh\0-c\0echo hi\0"s),
            "sh\0-c\0echo hi\0"s);
  EXPECT_EQ(shown("/lib64/ld-linux-x86-64.so.2\0--argv0\0sh\0/usr/bin/sh\0"s), "sh\0"s);
  // argv[0] as the guest gave it, even empty.
  EXPECT_EQ(shown("/lib64/ld-linux-x86-64.so.2\0--argv0\0\0/usr/bin/sh\0x\0"s), "\0x\0"s);
}

TEST(LoaderCmdline, OldLdSoWithoutArgv0KeepsThePathAsArgv0) {
  const LoaderArgs old{"/lib/ld.so", false, "./prog"};
  EXPECT_EQ(shown("/lib/ld.so\0./prog\0a\0"s, old), "./prog\0a\0"s);
}

// qemu-user under -q: its options and -0 go too.
TEST(LoaderCmdline, DropsQemuItsOptionsAndThePath) {
  const LoaderArgs qemu{"/usr/bin/qemu-aarch64-static", true, "/bin/ls", {"-cpu", "max"}, "-0"};
  EXPECT_EQ(shown("/usr/bin/qemu-aarch64-static\0-cpu\0max\0-0\0ls\0/bin/ls\0-l\0"s, qemu),
            "ls\0-l\0"s);
  // Other options than those planned: the kernel's text.
  EXPECT_EQ(shown("/usr/bin/qemu-aarch64-static\0-cpu\0a64fx\0-0\0ls\0/bin/ls\0"s, qemu),
            "(kernel's)");
}

TEST(LoaderCmdline, ATitleOverArgv0ShowsAsWritten) {
  // perl's $0 = "my title": written from argv[0]'s address, as far as its
  // area goes (argv[0] alone here: the path lies after it).
  EXPECT_EQ(shown("/lib64/ld-linux-x86-64.so.2\0--argv0\0my t\0/usr/bin/sh\0a\0"s), "my t\0a\0"s);
  // A title that ran over the path: what follows argv[0] stays.
  EXPECT_EQ(shown("/lib64/ld-linux-x86-64.so.2\0--argv0\0postgres: writer   \0\0\0"s),
            "postgres: writer   \0\0\0"s);
  // One over ld.so's own arguments: the kernel's text.
  EXPECT_EQ(shown("nginx: master process\0\0\0\0"s), "(kernel's)");
  EXPECT_EQ(shown("/lib64/ld-linux-x86-64.so.2\0--argv1\0sh\0"s), "(kernel's)");
  EXPECT_EQ(shown(""), "(kernel's)");
}

}  // namespace
}  // namespace cocoon::syscalls
