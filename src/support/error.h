// support/error.h: the one Error type and Expected<T>, used for every failure that is not a trap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace kiln {

// Where an error happened. Binary inputs carry a byte offset, text inputs a line:column,
// compiled code a function index. Unknown parts are kNone.
struct Location {
  static constexpr uint64_t kNone = ~uint64_t{0};
  uint64_t offset = kNone;  // byte offset in a binary
  uint32_t line = 0;        // 1-based line in a text input, 0 if none
  uint32_t column = 0;      // 1-based column
  uint32_t func = UINT32_MAX;  // function index, UINT32_MAX if none

  static Location at_offset(uint64_t off) { Location l; l.offset = off; return l; }
  static Location at_line(uint32_t line, uint32_t col) { Location l; l.line = line; l.column = col; return l; }
};

// The phase an error comes from; the .wast runner tells malformed from invalid by it.
enum class ErrorKind : uint8_t {
  kMalformed,  // binary decoding or text parsing failed
  kInvalid,    // validation failed
  kLink,       // import resolution failed
  kInstantiate,
  kIo,
  kOther,
};

class [[nodiscard]] Error {
 public:
  Error() = default;
  Error(ErrorKind kind, std::string message, Location loc = {})
      : kind_(kind), message_(std::move(message)), loc_(loc) {}

  ErrorKind kind() const { return kind_; }
  // The bare message in the spec testsuite's wording, e.g. "type mismatch".
  const std::string& message() const { return message_; }
  const Location& location() const { return loc_; }
  // "line:col: message" / "offset 0x1c: message" / "message".
  std::string to_string() const;

 private:
  ErrorKind kind_ = ErrorKind::kOther;
  std::string message_;
  Location loc_;
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(Error err) : v_(std::in_place_index<1>, std::move(err)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// The success path is a null pointer: returning success costs one register, which matters
// for the per-instruction readers of the decoder and validator.
template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Error err) : err_(std::make_unique<Error>(std::move(err))) {}
  bool ok() const { return err_ == nullptr; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *err_; }
  Error&& error() && { return std::move(*err_); }

 private:
  std::unique_ptr<Error> err_;
};

inline Expected<void> ok() { return {}; }

}  // namespace kiln

#define KILN_CONCAT_INNER_(a, b) a##b
#define KILN_CONCAT_(a, b) KILN_CONCAT_INNER_(a, b)

// Propagates the error of an Expected<void> (or any Expected whose value is unused).
#define KILN_TRY(expr)                                  \
  do {                                                  \
    auto&& kiln_try_tmp_ = (expr);                      \
    if (!kiln_try_tmp_.ok()) return std::move(kiln_try_tmp_).error(); \
  } while (0)

// KILN_ASSIGN_OR_RETURN(auto x, f()): binds the value or propagates the error.
#define KILN_ASSIGN_OR_RETURN(lhs, expr) \
  KILN_ASSIGN_OR_RETURN_IMPL_(KILN_CONCAT_(kiln_aor_, __LINE__), lhs, expr)
#define KILN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).error();     \
  lhs = std::move(tmp).value()
