// Dereferences NULL: the kernel kills it with SIGSEGV, so a shell (and
// cocoon) must report 139. Checks that a fault signal raised inside the guest
// passes through the tracer's signal-delivery stop unchanged.
#include <stdio.h>

int main(void) {
  volatile int* p = NULL;
  printf("about to fault\n");
  fflush(stdout);
  return *p;
}
