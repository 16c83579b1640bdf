// tests/component/src/stdin_sum.c: sums integers read from stdin, errors to stderr.
#include <stdio.h>

int main(void) {
  long sum = 0, x;
  while (scanf("%ld", &x) == 1) sum += x;
  if (ferror(stdin)) {
    fprintf(stderr, "read error\n");
    return 1;
  }
  printf("%ld\n", sum);
  return 0;
}
