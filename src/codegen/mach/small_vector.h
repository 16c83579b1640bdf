// codegen/mach/small_vector.h: a vector of trivially copyable elements that keeps its first N
// elements inline. Machine instructions hold their operands in one: nearly every instruction
// has at most four, and a heap block per instruction was a tenth of the lowering's time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

namespace kiln::codegen::mach {

template <typename T, uint32_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "elements are copied as bytes");
  static_assert(N > 0);

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(const SmallVector& o) { append(o.begin(), o.end()); }
  SmallVector(SmallVector&& o) noexcept { take(o); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) {
      size_ = 0;
      append(o.begin(), o.end());
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  T* data() { return heap_ ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* data() const { return heap_ ? heap_ : reinterpret_cast<const T*>(inline_); }
  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint32_t capacity() const { return heap_ ? cap_ : N; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void clear() { size_ = 0; }
  void reserve(size_t n) {
    if (n > capacity()) grow(n);
  }
  void push_back(const T& v) {
    if (size_ == capacity()) {
      T copy = v;  // v may live in this vector's storage
      grow(size_t{size_} * 2);
      data()[size_++] = copy;
      return;
    }
    data()[size_++] = v;
  }
  template <typename It>
  void append(It first, It last) {
    size_t n = static_cast<size_t>(last - first);
    reserve(size_ + n);
    T* out = data() + size_;
    for (; first != last; ++first) *out++ = *first;
    size_ += static_cast<uint32_t>(n);
  }

 private:
  void grow(size_t n) {
    if (n < N * 2) n = N * 2;
    T* p = static_cast<T*>(std::malloc(n * sizeof(T)));
    if (!p) throw std::bad_alloc();
    if (size_) std::memcpy(static_cast<void*>(p), data(), size_ * sizeof(T));
    std::free(heap_);
    heap_ = p;
    cap_ = static_cast<uint32_t>(n);
  }
  void release() {
    std::free(heap_);
    heap_ = nullptr;
    size_ = 0;
    cap_ = 0;
  }
  // Leaves o empty.
  void take(SmallVector& o) {
    size_ = o.size_;
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
      o.cap_ = 0;
    } else if (size_) {
      std::memcpy(inline_, o.inline_, size_ * sizeof(T));
    }
    o.size_ = 0;
  }

  T* heap_ = nullptr;  // the elements when they do not fit inline
  uint32_t size_ = 0;
  uint32_t cap_ = 0;   // of heap_
  alignas(T) unsigned char inline_[N * sizeof(T)];
};

}  // namespace kiln::codegen::mach
