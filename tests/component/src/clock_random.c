// tests/component/src/clock_random.c: reads the clocks and the random source.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/random.h>

int main(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  unsigned char bytes[16];
  if (getentropy(bytes, sizeof bytes) != 0) return 1;
  printf("%ld %u\n", (long)ts.tv_sec, bytes[0]);
  return 0;
}
