// tests/component/src/files.c: copies a file through the preopened filesystem.
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  FILE* in = fopen(argv[1], "rb");
  if (!in) return 1;
  FILE* out = fopen(argv[2], "wb");
  if (!out) return 1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in);
  fclose(out);
  return 0;
}
