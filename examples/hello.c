// examples/hello.c: the C "hello world" `make run` compiles with clang-19 and wasi-libc
// (--target=wasm32-wasi) and runs under `kiln run`.
#include <stdio.h>

int main(int argc, char** argv) {
  printf("Hello from WebAssembly, %s!\n", argc > 1 ? argv[1] : "Kiln");
  return 0;
}
