// wasi/p1/ctx.h: WasiCtx, the state of one preview1 guest (arguments, environment, handle table
// with stdio and preopens, exit request), and WasiCtxBuilder, how an embedder grants it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/error.h"
#include "wasi/host/handle.h"
#include "wasi/host/stdio.h"

namespace kiln::wasi::p1 {

class WasiCtx {
 public:
  // What the guest sees; nothing else of the host's argv or environment reaches it.
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=VALUE"
  host::HandleTable table;
  // Set by proc_exit; the embedder ends the run with this status.
  std::optional<uint32_t> exit_code;
};

class WasiCtxBuilder {
 public:
  WasiCtxBuilder& arg(std::string a);
  WasiCtxBuilder& args(std::vector<std::string> all);
  WasiCtxBuilder& env(std::string name, std::string value);
  // The host's own stdin/stdout/stderr. Without this or a pipe, stdin reads end-of-file and
  // stdout/stderr discard what is written.
  WasiCtxBuilder& inherit_stdio();
  WasiCtxBuilder& inherit_stdin();
  WasiCtxBuilder& inherit_stdout();
  WasiCtxBuilder& inherit_stderr();
  WasiCtxBuilder& stdin_pipe(std::shared_ptr<host::MemoryPipe> p);
  WasiCtxBuilder& stdout_pipe(std::shared_ptr<host::MemoryPipe> p);
  WasiCtxBuilder& stderr_pipe(std::shared_ptr<host::MemoryPipe> p);
  // Grants `host_path` as guest directory `guest_path` (fd 3, 4, ... in call order). A
  // read-only preopen holds no mutation right.
  WasiCtxBuilder& preopen_dir(std::string host_path, std::string guest_path, bool read_only = false);
  // Grants an already-open handle (e.g. a listening TcpSocket) as the next number after the
  // preopened directories.
  WasiCtxBuilder& preopen_handle(std::unique_ptr<host::Handle> h);

  // Opens the preopens; fails (ErrorKind::kIo) naming the directory that cannot be opened.
  Expected<std::unique_ptr<WasiCtx>> build();

 private:
  enum class StdioKind : uint8_t { kNull, kInherit, kPipe };
  struct StdioSpec {
    StdioKind kind = StdioKind::kNull;
    std::shared_ptr<host::MemoryPipe> pipe;
  };
  struct Preopen {
    std::string host_path;
    std::string guest_path;
    bool read_only;
  };
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  StdioSpec stdio_[3];
  std::vector<Preopen> preopens_;
  std::vector<std::unique_ptr<host::Handle>> handles_;
};

}  // namespace kiln::wasi::p1
