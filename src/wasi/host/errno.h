// wasi/host/errno.h: Errno (preview1's error codes), FsErrorCode (0.2's), the host-errno mapping
// and Result<T>, the value-or-Errno every host operation returns.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace kiln::wasi::host {

// Values are preview1's `errno` tags, so the p1 bindings store them unchanged.
enum class Errno : uint16_t {
#define KILN_WASI_ERRNO(name, value, host, fs, witx) name = value,
#include "wasi/host/errno.def"
#undef KILN_WASI_ERRNO
};

inline constexpr uint32_t kErrnoCount = static_cast<uint32_t>(Errno::kNotcapable) + 1;

// Values are the case indices of wasi:filesystem/types.error-code.
enum class FsErrorCode : uint8_t {
#define KILN_WASI_FS_ERROR(name, wit) name,
#include "wasi/host/fs_error_code.def"
#undef KILN_WASI_FS_ERROR
};

inline constexpr uint32_t kFsErrorCodeCount = static_cast<uint32_t>(FsErrorCode::kCrossDevice) + 1;

// The Errno for a host errno value; unknown values become kIo (never kSuccess).
Errno errno_from_host(int host_errno);
// The host errno an Errno came from, 0 for kSuccess and kNotcapable.
int errno_to_host(Errno e);
// preview1's name without the `$`, e.g. "noent", "notcapable".
std::string_view errno_name(Errno e);
// The 0.2 error-code for an Errno. Escapes and missing rights (kNotcapable) become not-permitted,
// as wasi-filesystem's path-resolution rules say.
FsErrorCode to_fs_error_code(Errno e);
// The WIT name of a 0.2 error-code, e.g. "no-entry".
std::string_view fs_error_code_name(FsErrorCode e);

// The value of an operation or the Errno it failed with.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Errno err) : v_(std::in_place_index<1>, err) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // kSuccess when ok().
  Errno error() const { return ok() ? Errno::kSuccess : std::get<1>(v_); }

 private:
  std::variant<T, Errno> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Errno err) : err_(err) {}
  bool ok() const { return err_ == Errno::kSuccess; }
  explicit operator bool() const { return ok(); }
  Errno error() const { return err_; }

 private:
  Errno err_ = Errno::kSuccess;
};

// The Errno for the current host `errno`.
Errno last_errno();

}  // namespace kiln::wasi::host

#define KILN_WASI_CONCAT_INNER_(a, b) a##b
#define KILN_WASI_CONCAT_(a, b) KILN_WASI_CONCAT_INNER_(a, b)

// Propagates the Errno of a failed Result.
#define KILN_WASI_TRY(expr)                                     \
  do {                                                          \
    auto&& kiln_wasi_try_tmp_ = (expr);                         \
    if (!kiln_wasi_try_tmp_.ok()) return kiln_wasi_try_tmp_.error(); \
  } while (0)

// KILN_WASI_ASSIGN_OR_RETURN(auto x, f()): binds the value or propagates the Errno.
#define KILN_WASI_ASSIGN_OR_RETURN(lhs, expr) \
  KILN_WASI_ASSIGN_OR_RETURN_IMPL_(KILN_WASI_CONCAT_(kiln_wasi_aor_, __LINE__), lhs, expr)
#define KILN_WASI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return tmp.error();                     \
  lhs = std::move(tmp).value()
