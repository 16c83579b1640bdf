// runtime/build_id.h: the identity of this build of Kiln, for everything that must not outlive
// a rebuild: precompiled artifacts and compile-cache entries embed machine code that depends on
// the VMContext layout, builtin numbering and calling conventions of the build that made it,
// none of which the version number tracks during development.
#pragma once

#include <string>

namespace kiln::runtime {

// KILN_VERSION followed by "+" and the GNU build ID (hex) of the loaded object that contains
// the runtime (the executable, or the shared library it is linked into): two builds from
// different sources or compilers differ, two identical builds agree. Without a build ID note
// (linked with --build-id=none) it is KILN_VERSION alone. Computed once.
const std::string& build_version();

}  // namespace kiln::runtime
