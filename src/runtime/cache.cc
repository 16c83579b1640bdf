// runtime/cache.cc: the compile cache (see cache.h) and SHA-256.
#include "runtime/cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "runtime/artifact.h"

namespace kiln::runtime {

namespace {

constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(uint32_t h[8], const uint8_t* block) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = uint32_t{block[4 * i]} << 24 | uint32_t{block[4 * i + 1]} << 16 | uint32_t{block[4 * i + 2]} << 8 |
           uint32_t{block[4 * i + 3]};
  }
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + s1 + ch + kK[i] + w[i];
    uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + maj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::to_string(::getpid()) + "-" + std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id())) +
         "-" + std::to_string(counter.fetch_add(1)) + "-" + std::to_string(now);
}

// Writes bytes to a temporary file next to `path` and renames it over `path`.
Expected<void> write_atomically(const std::string& path, std::span<const uint8_t> bytes) {
  std::filesystem::path final_path(path);
  std::string tmp = (final_path.parent_path() / (".tmp-" + unique_suffix())).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error(ErrorKind::kIo, "cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(ErrorKind::kIo, "cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error(ErrorKind::kIo, "cannot store " + path + ": " + why);
  }
  return {};
}

}  // namespace

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t full = data.size() / 64;
  for (size_t i = 0; i < full; ++i) compress(h, data.data() + 64 * i);
  uint8_t tail[128] = {};
  size_t rest = data.size() - full * 64;
  if (rest) std::memcpy(tail, data.data() + full * 64, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bits = uint64_t{data.size()} * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) compress(h, tail + off);
  std::array<uint8_t, 32> out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<uint8_t>(h[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(h[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(h[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(h[i]);
  }
  return out;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

std::string default_cache_directory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/kiln";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/kiln";
  return {};
}

Expected<std::string> ModuleCache::entry_path(const Engine& engine, std::span<const uint8_t> key_bytes) const {
  KILN_ASSIGN_OR_RETURN(artifact::Settings settings,
                        artifact::engine_settings(engine.compiler(), engine.compiler_options(), engine.config().features));
  std::string text = artifact::describe(settings);
  std::array<uint8_t, 32> module_hash = sha256(key_bytes);
  std::vector<uint8_t> key(module_hash.begin(), module_hash.end());
  key.insert(key.end(), text.begin(), text.end());
  std::array<uint8_t, 32> digest = sha256(key);
  return dir_ + "/modules-v" + std::to_string(artifact::kFormatVersion) + "/" + to_hex(digest) + ".cwasm";
}

Expected<Module> ModuleCache::get_or_compile(const Engine& engine, std::span<const uint8_t> key_bytes,
                                             const std::function<Expected<Module>()>& compile,
                                             CacheStats* stats) const {
  CacheStats local;
  CacheStats& st = stats ? *stats : local;
  st = CacheStats();
  Expected<std::string> path = entry_path(engine, key_bytes);
  if (!path) {
    st.warning = "compile cache unusable: " + path.error().message();
    return compile();
  }
  st.entry_path = *path;
  std::error_code ec;
  if (std::filesystem::exists(*path, ec)) {
    Expected<Module> cached = Module::deserialize_file(engine, *path);
    if (cached) {
      st.hit = true;
      return cached;
    }
    st.replaced_bad = true;
    st.warning = "discarded a bad cache entry: " + cached.error().message();
  }
  KILN_ASSIGN_OR_RETURN(Module module, compile());
  Expected<std::vector<uint8_t>> bytes = module.serialize();
  if (!bytes) {
    st.warning = "cannot serialize for the cache: " + bytes.error().message();
    return module;
  }
  std::filesystem::create_directories(std::filesystem::path(*path).parent_path(), ec);
  if (ec) {
    st.warning = "cannot create cache directory: " + ec.message();
    return module;
  }
  if (Expected<void> w = write_atomically(*path, *bytes); !w) {
    st.warning = w.error().message();
    return module;
  }
  st.stored = true;
  return module;
}

}  // namespace kiln::runtime
