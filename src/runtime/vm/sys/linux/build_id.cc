// runtime/vm/sys/linux/build_id.cc: build_version() from the NT_GNU_BUILD_ID note of the ELF
// object this code was loaded from, found with dl_iterate_phdr.
#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "runtime/build_id.h"

#ifndef KILN_VERSION
#error "KILN_VERSION must be defined by the build"
#endif

namespace kiln::runtime {
namespace {

struct Search {
  uintptr_t address;  // an address inside the object we want
  std::string hex;    // its build ID, once found
};

// The build ID in one PT_NOTE segment, or "".
std::string build_id_in_notes(const uint8_t* p, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t at = 0;
  while (at + sizeof(ElfW(Nhdr)) <= size) {
    ElfW(Nhdr) n;
    std::memcpy(&n, p + at, sizeof n);
    size_t name_at = at + sizeof n;
    size_t desc_at = name_at + ((n.n_namesz + 3) & ~size_t{3});
    size_t next = desc_at + ((n.n_descsz + 3) & ~size_t{3});
    if (next > size || desc_at > size || n.n_descsz > size - desc_at) break;
    if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && std::memcmp(p + name_at, "GNU", 4) == 0) {
      std::string hex;
      for (size_t i = 0; i < n.n_descsz; ++i) {
        hex.push_back(kHex[p[desc_at + i] >> 4]);
        hex.push_back(kHex[p[desc_at + i] & 15]);
      }
      return hex;
    }
    at = next;
  }
  return {};
}

int visit(struct dl_phdr_info* info, size_t, void* data) {
  auto* s = static_cast<Search*>(data);
  bool contains = false;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum && !contains; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    contains = s->address >= start && s->address - start < ph.p_memsz;
  }
  if (!contains) return 0;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    s->hex = build_id_in_notes(reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr), ph.p_memsz);
    if (!s->hex.empty()) break;
  }
  return 1;  // found the object: stop
}

std::string compute() {
  Search s{reinterpret_cast<uintptr_t>(&build_id_in_notes), {}};
  dl_iterate_phdr(visit, &s);
  std::string v = KILN_VERSION;
  if (!s.hex.empty()) v += "+" + s.hex;
  return v;
}

}  // namespace

const std::string& build_version() {
  static const std::string v = compute();
  return v;
}

}  // namespace kiln::runtime
