// tests/component/src/dirs.c: lists a directory and stats its entries.
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char** argv) {
  DIR* d = opendir(argc > 1 ? argv[1] : ".");
  if (!d) return 1;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (stat(e->d_name, &st) == 0) printf("%s %lld\n", e->d_name, (long long)st.st_size);
  }
  closedir(d);
  return 0;
}
