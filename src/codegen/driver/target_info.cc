// codegen/driver/target_info.cc: what the runtime's precompiled artifacts (.cwasm) record about
// the code generator's target: the resolved instruction set extensions of a target-feature
// string. The runtime declares these functions itself (runtime/artifact.cc) and binds to them at
// link time, as it does for make_x64_compiler, so no runtime source includes codegen headers.
#include <string>
#include <string_view>

#include "codegen/isa/x64/cpu.h"
#include "support/error.h"

namespace kiln::codegen::driver {

// The ISA name recorded in artifacts.
std::string target_isa() { return "x86_64"; }

// The extensions a target-feature spec (CompilerOptions::target_features) selects on this host,
// as a canonical list ("sse4.1,ssse3,avx"; "sse2" for none). Fails if the spec asks for an
// extension this CPU lacks.
Expected<std::string> resolve_target_features(std::string_view spec) {
  KILN_ASSIGN_OR_RETURN(x64::CpuFeatures f, x64::CpuFeatures::parse(spec));
  return f.to_string();
}

}  // namespace kiln::codegen::driver
