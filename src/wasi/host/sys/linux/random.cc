// wasi/host/sys/linux/random.cc: the CSPRNG through getrandom(2).
#include <sys/random.h>

#include <cerrno>

#include "wasi/host/random.h"

namespace kiln::wasi::host {

Result<void> random_fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    // getrandom returns at most 32 MiB per call and may be interrupted: loop until full.
    ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<uint64_t> random_u64() {
  uint64_t v = 0;
  KILN_WASI_TRY(random_fill({reinterpret_cast<uint8_t*>(&v), sizeof v}));
  return v;
}

Result<std::pair<uint64_t, uint64_t>> insecure_seed() {
  KILN_WASI_ASSIGN_OR_RETURN(uint64_t a, random_u64());
  KILN_WASI_ASSIGN_OR_RETURN(uint64_t b, random_u64());
  return std::pair{a, b};
}

}  // namespace kiln::wasi::host
