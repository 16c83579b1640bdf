// support/entity.h: typed u32 entity ids (KILN_ENTITY), dense PrimaryMap/SecondaryMap, EntitySet,
// and EntityList/ListPool (many small id vectors stored in one pool).
//
// Why: ids instead of pointers make IR and module tables compact (4 bytes a reference), cheap to
// copy, and type safe (a Value cannot be passed where a Block is expected). The design follows
// Cranelift's `cranelift-entity` crate.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kiln {

// Defines `struct Name`, a distinct u32 id type. `prefix` is its text form ("v" prints v3).
// The default-constructed id is invalid (all ones), as Cranelift's PackedOption.
#define KILN_ENTITY(Name, prefix)                                                     \
  struct Name {                                                                       \
    static constexpr uint32_t kInvalidIndex = UINT32_MAX;                             \
    static constexpr const char* kPrefix = prefix;                                    \
    uint32_t index_ = kInvalidIndex;                                                  \
    constexpr Name() = default;                                                       \
    constexpr explicit Name(uint32_t i) : index_(i) {}                                \
    static constexpr Name from_index(size_t i) { return Name(static_cast<uint32_t>(i)); } \
    static constexpr Name invalid() { return Name(); }                                \
    constexpr uint32_t index() const { return index_; }                               \
    constexpr bool is_valid() const { return index_ != kInvalidIndex; }               \
    constexpr explicit operator bool() const { return is_valid(); }                   \
    friend constexpr bool operator==(Name a, Name b) { return a.index_ == b.index_; } \
    friend constexpr bool operator!=(Name a, Name b) { return a.index_ != b.index_; } \
    friend constexpr bool operator<(Name a, Name b) { return a.index_ < b.index_; }   \
  }

// Text form of an entity: prefix + index ("v3"), or "<invalid>".
template <typename K>
std::string entity_name(K k) {
  if (!k.is_valid()) return "<invalid>";
  return std::string(K::kPrefix) + std::to_string(k.index());
}

// Hash functor for unordered containers keyed by an entity.
struct EntityHash {
  template <typename K>
  size_t operator()(K k) const {
    return k.index();
  }
};

// The map that owns entities: push() allocates the next id.
template <typename K, typename V>
class PrimaryMap {
 public:
  K push(V v) {
    K k = K::from_index(data_.size());
    data_.push_back(std::move(v));
    return k;
  }
  K next_key() const { return K::from_index(data_.size()); }
  bool is_valid(K k) const { return k.is_valid() && k.index() < data_.size(); }
  V& operator[](K k) {
    assert(is_valid(k));
    return data_[k.index()];
  }
  const V& operator[](K k) const {
    assert(is_valid(k));
    return data_[k.index()];
  }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  void clear() { data_.clear(); }
  void reserve(size_t n) { data_.reserve(n); }
  // Iterates values; use keys() for ids.
  auto begin() { return data_.begin(); }
  auto end() { return data_.end(); }
  auto begin() const { return data_.begin(); }
  auto end() const { return data_.end(); }

  // Range of all keys, in order: `for (Value v : map.keys())`.
  struct KeyRange {
    struct It {
      uint32_t i;
      K operator*() const { return K(i); }
      It& operator++() { ++i; return *this; }
      bool operator!=(const It& o) const { return i != o.i; }
    };
    uint32_t n;
    It begin() const { return {0}; }
    It end() const { return {n}; }
  };
  KeyRange keys() const { return {static_cast<uint32_t>(data_.size())}; }

 private:
  std::vector<V> data_;
};

// A side table for entities owned elsewhere: reads of missing keys give the default value,
// writes grow the table. Dense, so use it for data most entities have.
template <typename K, typename V>
class SecondaryMap {
 public:
  SecondaryMap() = default;
  explicit SecondaryMap(V def) : default_(std::move(def)) {}

  const V& operator[](K k) const {
    assert(k.is_valid());
    return k.index() < data_.size() ? data_[k.index()] : default_;
  }
  V& operator[](K k) {
    assert(k.is_valid());
    if (k.index() >= data_.size()) data_.resize(size_t{k.index()} + 1, default_);
    return data_[k.index()];
  }
  const V& get(K k) const { return (*this)[k]; }
  void resize(size_t n) { data_.resize(n, default_); }
  size_t size() const { return data_.size(); }
  void clear() { data_.clear(); }

 private:
  std::vector<V> data_;
  V default_{};
};

// A set of entities as a bitset.
template <typename K>
class EntitySet {
 public:
  // Returns true if k was not in the set.
  bool insert(K k) {
    size_t w = k.index() / 64;
    if (w >= bits_.size()) bits_.resize(w + 1, 0);
    uint64_t m = uint64_t{1} << (k.index() % 64);
    bool fresh = (bits_[w] & m) == 0;
    bits_[w] |= m;
    return fresh;
  }
  bool contains(K k) const {
    size_t w = k.index() / 64;
    return w < bits_.size() && (bits_[w] >> (k.index() % 64)) & 1;
  }
  void erase(K k) {
    size_t w = k.index() / 64;
    if (w < bits_.size()) bits_[w] &= ~(uint64_t{1} << (k.index() % 64));
  }
  void clear() { bits_.clear(); }

 private:
  std::vector<uint64_t> bits_;
};

template <typename K>
class ListPool;

// A small vector of ids stored in a ListPool; the handle itself is 4 bytes. The empty list
// needs no pool storage. Lists must be used with the pool that created them.
template <typename K>
class EntityList {
 public:
  EntityList() = default;
  bool is_empty() const { return index_ == 0; }
  size_t size(const ListPool<K>& pool) const { return pool.len(*this); }
  std::span<const K> as_slice(const ListPool<K>& pool) const { return pool.slice(*this); }
  std::span<K> as_mut_slice(ListPool<K>& pool) { return pool.mut_slice(*this); }
  K get(size_t i, const ListPool<K>& pool) const { return as_slice(pool)[i]; }
  void push(K k, ListPool<K>& pool) { pool.push(*this, k); }
  void extend(std::span<const K> ks, ListPool<K>& pool) {
    for (K k : ks) pool.push(*this, k);
  }
  // Removes element i, shifting later ones down.
  void remove(size_t i, ListPool<K>& pool) { pool.remove(*this, i); }
  void truncate(size_t n, ListPool<K>& pool) { pool.truncate(*this, n); }
  void clear(ListPool<K>& pool) { pool.free(*this); }
  static EntityList from_slice(std::span<const K> ks, ListPool<K>& pool) {
    EntityList l;
    l.extend(ks, pool);
    return l;
  }
  EntityList deep_clone(ListPool<K>& pool) const {
    std::vector<K> copy(as_slice(pool).begin(), as_slice(pool).end());
    return from_slice(copy, pool);
  }
  bool operator==(const EntityList&) const = default;

 private:
  friend class ListPool<K>;
  uint32_t index_ = 0;  // 0: empty; else data_[index_-1] is the length, elements follow
};

// Storage for EntityLists. Blocks have power-of-two sizes (4, 8, 16, ... slots including the
// length slot) and freed blocks go to a free list per size class, so lists can grow in place.
template <typename K>
class ListPool {
 public:
  void clear() {
    data_.clear();
    for (auto& f : free_) f.clear();
  }
  size_t len(const EntityList<K>& l) const {
    return l.index_ == 0 ? 0 : data_[l.index_ - 1].index();
  }
  std::span<const K> slice(const EntityList<K>& l) const {
    if (l.index_ == 0) return {};
    return {data_.data() + l.index_, len(l)};
  }
  std::span<K> mut_slice(EntityList<K>& l) {
    if (l.index_ == 0) return {};
    return {data_.data() + l.index_, len(l)};
  }
  void push(EntityList<K>& l, K k) {
    size_t n = len(l);
    if (l.index_ == 0 || n + 1 >= capacity_of(n)) {
      grow(l, n);
    }
    data_[l.index_ + n] = k;
    data_[l.index_ - 1] = K(static_cast<uint32_t>(n + 1));
  }
  void remove(EntityList<K>& l, size_t i) {
    size_t n = len(l);
    assert(i < n);
    for (size_t j = i; j + 1 < n; ++j) data_[l.index_ + j] = data_[l.index_ + j + 1];
    truncate(l, n - 1);
  }
  void truncate(EntityList<K>& l, size_t m) {
    size_t n = len(l);
    if (m >= n) return;
    if (m == 0) {
      free(l);
      return;
    }
    data_[l.index_ - 1] = K(static_cast<uint32_t>(m));
  }
  void free(EntityList<K>& l) {
    if (l.index_ == 0) return;
    size_t n = len(l);
    free_[size_class(n)].push_back(l.index_ - 1);
    l.index_ = 0;
  }

 private:
  static constexpr int kClasses = 28;
  // Block size (slots, including the length slot) of the size class holding n elements.
  static size_t size_class(size_t n) {
    int c = 0;
    while ((size_t{4} << c) < n + 1) ++c;
    return static_cast<size_t>(c);
  }
  static size_t capacity_of(size_t n) { return size_t{4} << size_class(n); }

  void grow(EntityList<K>& l, size_t n) {
    size_t cls = size_class(n + 1);
    size_t cap = size_t{4} << cls;
    uint32_t base;
    if (!free_[cls].empty()) {
      base = free_[cls].back();
      free_[cls].pop_back();
    } else {
      base = static_cast<uint32_t>(data_.size());
      data_.resize(data_.size() + cap);
    }
    data_[base] = K(static_cast<uint32_t>(n));
    if (l.index_ != 0) {
      for (size_t j = 0; j < n; ++j) data_[base + 1 + j] = data_[l.index_ + j];
      free_[size_class(n)].push_back(l.index_ - 1);
    }
    l.index_ = base + 1;
  }

  std::vector<K> data_;
  std::vector<uint32_t> free_[kClasses];
};

}  // namespace kiln
