// GS kernels with AVX-512. Batch > 1: broadcast-FMA tile kernels and the small-batch gather (see
// tileLanes / tileLanesN / gatherRows). Batch 1 with gathers: per pack, 16 lanes at a time load values (fp16 via
// vcvtph2ps) and column indices, gather x[col] with vpgatherdps (bank-conflict free by the GS
// construction) and FMA into per-lane accumulators; E-lane segments are reduced once per group.
// Only intrinsics and plain code here (see gs_gather.h for why). The zero-masked intrinsic forms
// avoid GCC 12's false -Wmaybe-uninitialized on the unmasked ones (same instructions).
#include <immintrin.h>

#include "gs_gather.h"

namespace gsparse {
namespace cpu {

namespace {

inline __m512 loadValues(const float* v) { return _mm512_loadu_ps(v); }
inline __m512 loadValues(const uint16_t* v) {
  return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v)));
}
inline __m512i loadIndices(const uint32_t* ix) { return _mm512_loadu_si512(ix); }
inline __m512i loadIndices(const uint16_t* ix) {
  return _mm512_maskz_cvtepu16_epi32(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)));
}

template <class V, class I>
void gather(const GsGatherArgs& a, std::size_t g0, std::size_t g1, float* rowSums) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / 16;
  alignas(64) float lanes[64];
  for (std::size_t g = g0; g < g1; ++g) {
    // Two accumulator sets (even / odd packs) keep two FMA chains in flight per vector.
    __m512 acc[2][4];
    for (std::size_t v = 0; v < 4; ++v) acc[0][v] = acc[1][v] = _mm512_setzero_ps();
    for (std::size_t p = a.ptr[g]; p < a.ptr[g + 1]; ++p) {
      __m512* ac = acc[p & 1];
      for (std::size_t v = 0; v < nv; ++v) {
        const std::size_t base = p * B + v * 16;
        const __m512 xg = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, loadIndices(idx + base), a.x, 4);
        ac[v] = _mm512_fmadd_ps(loadValues(val + base), xg, ac[v]);
      }
    }
    for (std::size_t v = 0; v < nv; ++v) _mm512_store_ps(lanes + v * 16, _mm512_add_ps(acc[0][v], acc[1][v]));
    float* out = rowSums + (g - g0) * R;
    for (std::size_t r = 0; r < R; ++r) {
      float s = 0.0f;
      for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
      out[r] = s;
    }
  }
}

// Pack lanes as fp32: fp32 values are read in place, fp16 ones converted (B lanes) into fb.
inline const float* packLanes(const float* val, std::size_t base, std::size_t, float*) { return val + base; }
inline const float* packLanes(const uint16_t* val, std::size_t base, std::size_t B, float* fb) {
  for (std::size_t v = 0; v < B; v += 16) _mm512_store_ps(fb + v, loadValues(val + base + v));
  return fb;
}

// 16 pack lanes from lane offset laneOff over packs [p0, p1) of one X^T tile: out[l * 16 + j] per
// lane (E > 1 lanes are reduced by the caller). Fixed trip counts keep the 16 accumulators in zmm.
template <class V, class I>
void tileLanes(const V* val, const I* idx, std::size_t p0, std::size_t p1, std::size_t B, std::size_t laneOff,
               const float* xt, float* out) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
  alignas(64) float fb[64];
  for (std::size_t p = p0; p < p1; ++p) {
    const float* vp = packLanes(val, p * B, B, fb) + laneOff;
    const I* ip = idx + p * B + laneOff;
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(vp[i]), _mm512_load_ps(xt + static_cast<std::size_t>(ip[i]) * 16),
                               acc[i]);
  }
  for (int i = 0; i < 16; ++i) _mm512_store_ps(out + i * 16, acc[i]);
}

// NT X^T tiles at once, NL lanes (NL * NT = 16 accumulators): each weight broadcast and index load
// serves NT FMAs. xt[h] / out[h]: tile h.
template <int NL, int NT, class V, class I>
void tileLanesN(const V* val, const I* idx, std::size_t p0, std::size_t p1, std::size_t B, std::size_t laneOff,
                const float* const* xt, float* const* out) {
  __m512 acc[NT][NL];
  for (int h = 0; h < NT; ++h)
    for (int i = 0; i < NL; ++i) acc[h][i] = _mm512_setzero_ps();
  alignas(64) float fb[64];
  for (std::size_t p = p0; p < p1; ++p) {
    const float* vp = packLanes(val, p * B, B, fb) + laneOff;
    const I* ip = idx + p * B + laneOff;
    for (int i = 0; i < NL; ++i) {
      const __m512 w = _mm512_set1_ps(vp[i]);
      const std::size_t o = static_cast<std::size_t>(ip[i]) * 16;
      for (int h = 0; h < NT; ++h) acc[h][i] = _mm512_fmadd_ps(w, _mm512_load_ps(xt[h] + o), acc[h][i]);
    }
  }
  for (int h = 0; h < NT; ++h)
    for (int i = 0; i < NL; ++i) _mm512_store_ps(out[h] + (laneOff + i) * 16, acc[h][i]);
}

// NT tiles of group g: out[h][r * 16 + j].
template <int NT, class V, class I>
void tileN(const GsGatherArgs& a, std::size_t g, const float* const* xt, float* const* out) {
  constexpr int NL = 16 / NT;
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks, E = a.perRow, R = B / E, p0 = a.ptr[g], p1 = a.ptr[g + 1];
  if (E == 1) {
    for (std::size_t l = 0; l < B; l += NL) tileLanesN<NL, NT>(val, idx, p0, p1, B, l, xt, out);
    return;
  }
  alignas(64) float lanes[NT][64 * 16];
  float* lp[NT];
  for (int h = 0; h < NT; ++h) lp[h] = lanes[h];
  for (std::size_t l = 0; l < B; l += NL) tileLanesN<NL, NT>(val, idx, p0, p1, B, l, xt, lp);
  for (int h = 0; h < NT; ++h)
    for (std::size_t r = 0; r < R; ++r) {
      __m512 s = _mm512_load_ps(lanes[h] + r * E * 16);
      for (std::size_t e = 1; e < E; ++e) s = _mm512_add_ps(s, _mm512_load_ps(lanes[h] + (r * E + e) * 16));
      _mm512_store_ps(out[h] + r * 16, s);
    }
}

template <class V, class I>
void tileMulti(const GsGatherArgs& a, std::size_t g, std::size_t nt, const float* const* xt, float* const* out) {
  if (nt == 4) tileN<4, V, I>(a, g, xt, out);
  else tileN<2, V, I>(a, g, xt, out);
}

template <class V, class I>
void tile(const GsGatherArgs& a, std::size_t g, const float* xt, float* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks, E = a.perRow, R = B / E, p0 = a.ptr[g], p1 = a.ptr[g + 1];
  if (E == 1) {
    for (std::size_t l = 0; l < B; l += 16) tileLanes(val, idx, p0, p1, B, l, xt, out + l * 16);
    return;
  }
  alignas(64) float lanes[64 * 16];
  for (std::size_t l = 0; l < B; l += 16) tileLanes(val, idx, p0, p1, B, l, xt, lanes + l * 16);
  for (std::size_t r = 0; r < R; ++r) {
    __m512 s = _mm512_load_ps(lanes + r * E * 16);
    for (std::size_t e = 1; e < E; ++e) s = _mm512_add_ps(s, _mm512_load_ps(lanes + (r * E + e) * 16));
    _mm512_store_ps(out + r * 16, s);
  }
}

// Gather kernel for NB batch rows: one 16-lane vector of the packs at a time, NB accumulators.
template <int NB, class V, class I>
void gatherRows(const GsGatherArgs& a, const float* x, std::size_t xStride, std::size_t g, std::size_t v,
                float* lanes /* [NB][64] */) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks;
  __m512 acc[NB];
  for (int b = 0; b < NB; ++b) acc[b] = _mm512_setzero_ps();
  for (std::size_t p = a.ptr[g]; p < a.ptr[g + 1]; ++p) {
    const std::size_t base = p * B + v * 16;
    const __m512i ix = loadIndices(idx + base);
    const __m512 w = loadValues(val + base);
    for (int b = 0; b < NB; ++b)
      acc[b] = _mm512_fmadd_ps(w, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, ix, x + b * xStride, 4),
                               acc[b]);
  }
  for (int b = 0; b < NB; ++b) _mm512_store_ps(lanes + b * 64 + v * 16, acc[b]);
}

template <class V, class I>
void gatherBatch(const GsGatherArgs& a, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                 float* rowSums) {
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / 16, plane = (g1 - g0) * R;
  alignas(64) float lanes[4 * 64];
  for (std::size_t b0 = 0; b0 < nb; b0 += 4) {
    const std::size_t bn = nb - b0 < 4 ? nb - b0 : 4;
    const float* x = a.x + b0 * xStride;
    for (std::size_t g = g0; g < g1; ++g) {
      for (std::size_t v = 0; v < nv; ++v) {
        if (bn == 4) gatherRows<4, V, I>(a, x, xStride, g, v, lanes);
        else if (bn == 3) gatherRows<3, V, I>(a, x, xStride, g, v, lanes);
        else if (bn == 2) gatherRows<2, V, I>(a, x, xStride, g, v, lanes);
        else gatherRows<1, V, I>(a, x, xStride, g, v, lanes);
      }
      for (std::size_t b = 0; b < bn; ++b) {
        float* out = rowSums + (b0 + b) * plane + (g - g0) * R;
        for (std::size_t r = 0; r < R; ++r) {
          float s = 0.0f;
          for (std::size_t e = 0; e < E; ++e) s += lanes[b * 64 + r * E + e];
          out[r] = s;
        }
      }
    }
  }
}

}  // namespace

namespace {
template <int NL, int NT>
void tileKBlock(const GsKBlockArgs& a, std::size_t g, std::size_t k, const float* const* xt, float* acc) {
  const float* x[NT];
  for (int h = 0; h < NT; ++h) x[h] = xt[h];
  for (std::size_t sl = 0; sl < a.slots; ++sl) {
    const std::size_t s = (g * a.nBlocks + k) * a.slots + sl;
    const uint8_t* ln = a.lane + s * NL;
    float* ap[NL];
    for (int i = 0; i < NL; ++i) ap[i] = acc + std::size_t{ln[i]} * (NT * 16);
    __m512 c[NT][NL];
    for (int i = 0; i < NL; ++i)
      for (int h = 0; h < NT; ++h) c[h][i] = _mm512_load_ps(ap[i] + h * 16);
    const float* v = a.val + std::size_t{a.off[s]} * NL;
    const uint32_t* xo = a.xoff + std::size_t{a.off[s]} * NL;
    for (std::size_t q = a.off[s]; q < a.off[s + 1]; ++q, v += NL, xo += NL)
      for (int i = 0; i < NL; ++i) {
        const __m512 w = _mm512_set1_ps(v[i]);
        for (int h = 0; h < NT; ++h) c[h][i] = _mm512_fmadd_ps(w, _mm512_load_ps(x[h] + xo[i]), c[h][i]);
      }
    for (int i = 0; i < NL; ++i)
      for (int h = 0; h < NT; ++h) _mm512_store_ps(ap[i] + h * 16, c[h][i]);
  }
}
}  // namespace

void gsTileKBlockAvx512(const GsKBlockArgs& a, std::size_t g, std::size_t k, const float* const* xt, float* acc) {
  if (a.lanesPer == 4) tileKBlock<4, 4>(a, g, k, xt, acc);
  else tileKBlock<8, 2>(a, g, k, xt, acc);
}

void gsTileAvx512(const GsGatherArgs& a, std::size_t g, const float* xt, float* out) {
  if (a.f16) {
    if (a.indexWidth == 2) tile<uint16_t, uint16_t>(a, g, xt, out);
    else tile<uint16_t, uint32_t>(a, g, xt, out);
  } else {
    if (a.indexWidth == 2) tile<float, uint16_t>(a, g, xt, out);
    else tile<float, uint32_t>(a, g, xt, out);
  }
}

void gsTileMultiAvx512(const GsGatherArgs& a, std::size_t g, std::size_t nt, const float* const* xt,
                       float* const* out) {
  if (a.f16) {
    if (a.indexWidth == 2) tileMulti<uint16_t, uint16_t>(a, g, nt, xt, out);
    else tileMulti<uint16_t, uint32_t>(a, g, nt, xt, out);
  } else {
    if (a.indexWidth == 2) tileMulti<float, uint16_t>(a, g, nt, xt, out);
    else tileMulti<float, uint32_t>(a, g, nt, xt, out);
  }
}

void gsGatherBatchAvx512(const GsGatherArgs& a, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                         float* rowSums) {
  if (a.f16) {
    if (a.indexWidth == 2) gatherBatch<uint16_t, uint16_t>(a, xStride, nb, g0, g1, rowSums);
    else gatherBatch<uint16_t, uint32_t>(a, xStride, nb, g0, g1, rowSums);
  } else {
    if (a.indexWidth == 2) gatherBatch<float, uint16_t>(a, xStride, nb, g0, g1, rowSums);
    else gatherBatch<float, uint32_t>(a, xStride, nb, g0, g1, rowSums);
  }
}

void gsGatherAvx512(const GsGatherArgs& a, std::size_t g0, std::size_t g1, float* rowSums) {
  if (a.f16) {
    if (a.indexWidth == 2) gather<uint16_t, uint16_t>(a, g0, g1, rowSums);
    else gather<uint16_t, uint32_t>(a, g0, g1, rowSums);
  } else {
    if (a.indexWidth == 2) gather<float, uint16_t>(a, g0, g1, rowSums);
    else gather<float, uint32_t>(a, g0, g1, rowSums);
  }
}

}  // namespace cpu
}  // namespace gsparse
