// The "#!" line as fs/binfmt_script.c reads it.
#include "exec/exec_script.h"

#include <gtest/gtest.h>

namespace cocoon::syscalls {
namespace {

std::string show(std::string_view head) {
  auto r = parse_shebang(head);
  if (!r) return "errno " + std::to_string(r.error());
  if (!*r) return "not a script";
  return "[" + (*r)->interpreter + "]" + ((*r)->arg ? " [" + *(*r)->arg + "]" : "");
}

TEST(Shebang, SplitsLikeBinfmtScript) {
  EXPECT_EQ(show("#!/bin/sh\necho"), "[/bin/sh]");
  EXPECT_EQ(show("#! /bin/sh -e\n"), "[/bin/sh] [-e]");
  EXPECT_EQ(show("#!/usr/bin/env python3 -u  \n"), "[/usr/bin/env] [python3 -u]");  // one argument
  EXPECT_EQ(show("#!\t/bin/bash\t-x\r\n"), "[/bin/bash] [-x]");
  EXPECT_EQ(show("#!/bin/sh"), "[/bin/sh]");  // no newline
  EXPECT_EQ(show("#!   \n"), "errno " + std::to_string(ENOEXEC));
  EXPECT_EQ(show("\x7f" "ELF..."), "not a script");
  EXPECT_EQ(show(""), "not a script");
  EXPECT_EQ(show(" #!/bin/sh"), "not a script");
}

}  // namespace
}  // namespace cocoon::syscalls
