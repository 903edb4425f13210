// CPU feature probe: cpuid for the instruction sets, xgetbv for the OS actually saving the
// wider registers (a CPU with AVX-512 under an OS that does not enable ZMM state must not use it).
#include "gsparse/hardware.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GSPARSE_X86 1
#endif

namespace gsparse {

namespace {

#ifdef GSPARSE_X86
// XCR0 via raw xgetbv (no -mxsave needed for this file). Only valid when cpuid says OSXSAVE.
uint64_t readXcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

Isa probeIsa() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Scalar;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29);
  if (!osxsave || !avx) return Isa::Scalar;
  const uint64_t xcr0 = readXcr0();
  const bool ymmState = (xcr0 & 0x6) == 0x6;     // SSE + AVX state
  const bool zmmState = (xcr0 & 0xe0) == 0xe0;   // opmask + ZMM_Hi256 + Hi16_ZMM
  if (!ymmState) return Isa::Scalar;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Isa::Scalar;
  const bool avx2 = b & (1u << 5);
  if (!(avx2 && fma && f16c)) return Isa::Scalar;
  const bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
  if (zmmState && f && dq && bw && vl) return Isa::Avx512;
  return Isa::Avx2;
}
#else
Isa probeIsa() { return Isa::Scalar; }
#endif

// The ISA GSPARSE_ISA names; false when unset or not one of scalar, avx2, avx512.
bool envIsaRequest(Isa* want) {
  const char* s = std::getenv("GSPARSE_ISA");
  if (!s) return false;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (std::strcmp(s, isaName(isa)) == 0) {
      *want = isa;
      return true;
    }
  }
  return false;
}

// GSPARSE_ISA lowers the detected ISA; asking for more than the CPU has is ignored (never SIGILL).
Isa envIsa(Isa detected) {
  Isa want = detected;
  if (!envIsaRequest(&want)) return detected;
  return static_cast<int>(want) < static_cast<int>(detected) ? want : detected;
}

// -1: no override; else an Isa value already capped at the detected one.
std::atomic<int> g_override{-1};

}  // namespace

Isa detectedIsa() {
  static const Isa isa = probeIsa();
  return isa;
}

Isa activeIsa() {
  const int o = g_override.load(std::memory_order_relaxed);
  if (o >= 0) return static_cast<Isa>(o);
  static const Isa isa = envIsa(detectedIsa());
  return isa;
}

std::string isaSettingProblem() {
  const char* s = std::getenv("GSPARSE_ISA");
  if (!s) return {};
  Isa want = Isa::Scalar;
  if (!envIsaRequest(&want))
    return "GSPARSE_ISA='" + std::string(s) + "' is not one of scalar, avx2, avx512: ignored, using " + isaName(detectedIsa());
  if (static_cast<int>(want) > static_cast<int>(detectedIsa()))
    return "GSPARSE_ISA='" + std::string(s) + "' asks for more than this CPU supports: using " + isaName(detectedIsa());
  return {};
}

void setIsaOverrideForTesting(Isa isa) {
  const Isa det = detectedIsa();
  g_override.store(static_cast<int>(static_cast<int>(isa) < static_cast<int>(det) ? isa : det),
                   std::memory_order_relaxed);
}

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Scalar: break;
  }
  return "scalar";
}

std::size_t hardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

unsigned recommendedBanks(Isa isa) { return isa == Isa::Avx512 ? 16u : 8u; }

}  // namespace gsparse
