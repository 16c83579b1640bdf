// component/validator.h: validation of decoded components (Explainer.md, Binary.md and
// CanonicalABI.md's validation rules).
#pragma once

#include "component/ast.h"
#include "support/error.h"
#include "wasm/features.h"

namespace kiln::component {

// Validates a component: nested core modules (with the core validator), every index space,
// type well-formedness (labels, non-empty types, handles of resources, no `borrow` in
// results), extern names and their uniqueness, aliases, core and component instantiation
// (argument presence and subtyping, with resource types substituted per instantiation),
// canonical definitions (options and the flattened core signature). Errors are
// ErrorKind::kInvalid with the byte offset of the definition and wasmparser's wording.
Expected<void> validate_component(const Component& component, const wasm::Features& features = {});

// Checks an import/export name against the extern-name grammar (plain kebab-case labels,
// [constructor]/[method]/[static] forms, `ns:pkg/iface@semver` interface names). Returns an
// empty string when valid, else the reason.
std::string check_extern_name(std::string_view name);

// True if `label` is a kebab-case label: words of lowercase or uppercase letters and digits,
// each starting with a letter, joined by single '-'.
bool is_kebab_label(std::string_view label);

}  // namespace kiln::component
