// Prints the program's AT_EXECFN (getauxval(3)): the name the program was
// exec'd by, which under cocoon must be the guest's name, not the host path
// cocoon handed the kernel (nor the guest's ld.so it ran through).
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
  const char* fn = (const char*)getauxval(AT_EXECFN);
  puts(fn ? fn : "(none)");
  return 0;
}
