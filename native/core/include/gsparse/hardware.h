// What the CPU offers, read once by cpuid; GSPARSE_ISA=scalar|avx2|avx512 can force a lower ISA.
#pragma once
#include <cstddef>
#include <string>

namespace gsparse {

enum class Isa : int { Scalar = 0, Avx2 = 1, Avx512 = 2 };

Isa detectedIsa();  // best ISA the CPU and OS support
Isa activeIsa();    // the one kernels use: detected, or lower if GSPARSE_ISA asks
const char* isaName(Isa isa);
// Why GSPARSE_ISA is ignored or capped (unknown name, more than the CPU has); empty when it is not.
std::string isaSettingProblem();
std::size_t hardwareThreads();
unsigned recommendedBanks(Isa isa);  // lanes of one fp32 gather: 16 with AVX-512, 8 otherwise

// Tests: makes activeIsa() return isa (capped at detectedIsa(), never higher), overriding GSPARSE_ISA.
void setIsaOverrideForTesting(Isa isa);

}  // namespace gsparse
