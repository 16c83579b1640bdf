// runtime/vm/memory_image.h: copy-on-write initial images of linear memories, and the raw
// page operations the memory and pooling code use on ranges inside their own reservations.
//
//   module load ── ModuleMemoryImages::build ──> per defined memory: MemoryImage or none
//                                                  memfd [image bytes, page aligned, sealed]
//   instantiation ── MemoryImage::map_at(base) ──> mmap(base + offset, MAP_PRIVATE|MAP_FIXED)
//
// A MemoryImage holds the bytes every active data segment of one memory writes, laid out at
// their final offsets in a sealed memfd. Mapping it MAP_PRIVATE over the start of a fresh
// memory gives the memory its initial contents without touching a page: reads share the page
// cache, the first write to a page copies it privately to that instance. An image is built only
// when its result is exactly what applying the segments eagerly would give (see `build`);
// everything else is initialised by the instantiator, as before.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "environ/tunables.h"
#include "support/error.h"
#include "wasm/module.h"

namespace kiln::runtime::vm {

// Page operations on [addr, addr + len), which must be host-page aligned and lie inside a
// region the caller reserved itself (a LinearMemory's mapping or a pool slot): they remap or
// reprotect exactly those pages and nothing else. Implemented in sys/<os>/memory_image.cc.
namespace pages {
Expected<void> protect_read_write(uint8_t* addr, uint64_t len);
Expected<void> protect_none(uint8_t* addr, uint64_t len);
// Drops the pages' contents: private anonymous pages read as zero afterwards, private file
// mappings (an image) read the file's bytes again. Protection is unchanged.
Expected<void> discard(uint8_t* addr, uint64_t len);
// Replaces the pages with a fresh inaccessible anonymous mapping, dropping whatever was mapped
// there (an image included).
Expected<void> replace_with_reserved(uint8_t* addr, uint64_t len);
}  // namespace pages

class MemoryImage {
 public:
  // An image of `size` bytes (a multiple of the host page size) placed at byte `offset` (host
  // page aligned) of the linear memory, filled by `write` calls before `seal`.
  static Expected<std::unique_ptr<MemoryImage>> create(uint64_t offset, uint64_t size);
  ~MemoryImage();
  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;

  // Writes `len` bytes at `image_offset` bytes into the image (before seal()).
  Expected<void> write(uint64_t image_offset, const uint8_t* bytes, uint64_t len);
  // Makes the image immutable (file seals), so no mapping can ever observe a change.
  Expected<void> seal();

  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  // Process-unique, never reused: lets a pool slot recognise the image it still has mapped
  // even after this object is gone and another one took its address.
  uint64_t id() const { return id_; }

  // Maps the image privately, read-write, over [base + offset, base + offset + size), replacing
  // what was mapped there. `base` must be the start of a region reserved by the caller with at
  // least offset + size bytes.
  Expected<void> map_at(uint8_t* base) const;

 private:
  MemoryImage() = default;
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
  uint64_t id_ = 0;
};

// The copy-on-write images of a module's defined memories, built once per module (and engine
// tunables) and shared by all its instances.
struct ModuleMemoryImages {
  // By defined memory index; null: that memory is initialised eagerly.
  std::vector<std::shared_ptr<const MemoryImage>> images;
  // By data segment index: whether the segment's bytes are in its memory's image (such a
  // segment is active, constant-offset and in bounds, so instantiation only drops it).
  std::vector<bool> in_image;
  // By data segment index: the constant offset of a segment in an image.
  std::vector<uint64_t> offsets;
  // The active segments not in an image, in order: all instantiation still has to apply.
  std::vector<uint32_t> eager_active;

  // The rules: a memory gets an image when it is defined (not imported), not shared, static
  // (32-bit, 64 KiB pages, maximum within the reservation, so it never moves and its initial
  // pages are at a fixed base), every active segment for it has an `i32.const` offset (a
  // `global.get` may read an import, known only at instantiation) and lies inside the
  // minimum size (so applying it cannot trap), and the image is not mostly holes: its page span
  // is at most max(kDenseImageBytes, 2 x the segment bytes), since a sparse image would pin
  // host memory for zeros. Memories with no non-empty segment need none.
  static constexpr uint64_t kDenseImageBytes = 16 << 20;
  static Expected<ModuleMemoryImages> build(const wasm::Module& module, const environ::Tunables& tunables);

  bool empty() const {
    for (const auto& i : images) {
      if (i) return false;
    }
    return true;
  }
};

}  // namespace kiln::runtime::vm
