// tests/component/src/hello.c: prints a greeting (stdout only).
#include <stdio.h>

int main(void) {
  printf("hello from a component\n");
  return 0;
}
