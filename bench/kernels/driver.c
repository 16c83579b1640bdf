// bench/kernels/driver.c: the native side of the benchmark: links one kernel, calls run(n)
// REPS times and prints each call's time and the checksum in the runner's line format.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int32_t run(int32_t n);

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s N [REPS]\n", argv[0]);
    return 2;
  }
  char* end = NULL;
  long n = strtol(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || n < 0 || n > INT32_MAX) {
    fprintf(stderr, "%s: N must be an integer in [0, 2^31)\n", argv[0]);
    return 2;
  }
  long reps = 1;
  if (argc == 3) {
    reps = strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || reps < 1 || reps > 1000000) {
      fprintf(stderr, "%s: REPS must be an integer in [1, 1000000]\n", argv[0]);
      return 2;
    }
  }
  uint32_t first = 0;
  for (long r = 0; r < reps; ++r) {
    double t0 = now_seconds();
    uint32_t result = (uint32_t)run((int32_t)n);
    double t1 = now_seconds();
    if (r == 0) first = result;
    if (result != first) {
      fprintf(stderr, "%s: run(%ld) is not deterministic: %u then %u\n", argv[0], n, first,
              result);
      return 1;
    }
    printf("time %.9f\n", t1 - t0);
  }
  printf("result %u\n", first);
  return 0;
}
