// GS Y = X W^T, portable version. A pack is B lanes; lane l feeds group row l / E. Batch 1: each
// lane accumulates x[col] * value on its own (the SIMD-gather shape of GS-PATTERNS.md), and the E
// lanes of a row are reduced once per group. Batch > 1: each lane does an axpy over the batch tile
// into its row's accumulator, row by row. Outputs go to row g*R + r, or rowIds[g*R + r] with permute.
// ISA kernels (spmm_gs_avx512.cc / _avx2.cc, interface gs_gather.h): batch 1 = vpgatherdps per pack;
// batch 2 = gather from row-major x (packs loaded once for both rows); batch >= 3 = broadcast-FMA of
// each lane's weight over a 16-wide X^T tile row into per-lane zmm accumulators (16 lanes x 1 tile, or
// 8 lanes x 2 tiles), groups in ~1 MiB chunks of packs with the tile loop inside a chunk; E > 1 lane
// segments reduced after. AVX-512 with >= 4 tiles a pass: a cached column-blocked copy (GsKBlocked,
// 4 lanes x 4 tiles, X^T slice per column block kept hot). Bias + activation applied in the store (storeTile / epi).
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "gs_gather.h"
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kMaxBanks = 64;
// Crossover between the small-batch gather kernel and the broadcast-FMA tile kernel, measured on W
// 4096x4096 gs:16 90%, 2 threads (microbench --batches 2,3,4,6,8,12, GSPARSE_GS_GATHER_MAX_BATCH 0 vs
// 16): AVX-512 gather 0.69-0.73 ms at batch 2 vs tiles 1.07-1.21; batch 3 gather 1.15-1.98 vs tiles
// 1.07; tiles ~flat at 1.0-1.2 ms up to batch 16 (one tile). AVX2 alike (gather wins at 2, about
// even at 3-4, tiles win from 8). So gather for batch <= 2, tiles above.
constexpr std::size_t kGatherMaxBatchAvx512 = 2;
constexpr std::size_t kTileChunkBytes = std::size_t{1} << 20;  // packs kept in L2 across batch tiles
constexpr std::size_t kGatherMaxBatchAvx2 = 2;

// Portable batch-1 gather: same contract as GsGatherFn (raw row sums of groups [g0, g1)).
template <class V, class I>
void gatherPortable(const V* val, const I* idx, const uint32_t* ptr, std::size_t B, std::size_t E, const float* x,
                    std::size_t g0, std::size_t g1, float* rowSums) {
  const std::size_t R = B / E;
  for (std::size_t g = g0; g < g1; ++g) {
    float lanes[kMaxBanks] = {};
    for (std::size_t p = ptr[g]; p < ptr[g + 1]; ++p)
      for (std::size_t l = 0; l < B; ++l) lanes[l] += loadWeight(val, p * B + l) * x[idx[p * B + l]];
    for (std::size_t r = 0; r < R; ++r) {
      float s = 0.0f;
      for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
      rowSums[(g - g0) * R + r] = s;
    }
  }
}

// Column-blocked copy of a GS matrix for the AVX-512 batched kernel (GsKBlockArgs), used when a pass
// has >= 4 batch tiles: each lane's nonzeros bucketed by column block of kBlockCols() columns and
// re-packed 4 lanes at a time (lanes sorted by count per block to cut padding), so a (block x 4
// tiles) slice of X^T (256 columns: 64 KiB) stays in L1/near while a chunk of groups walks it, and
// each weight broadcast feeds 4 FMAs. Lane accumulators live in a per-chunk buffer between blocks.
// Measured W 4096x4096 gs:16 90% batch 64 (microbench, GSPARSE_BENCH_MIN=1, shared 2-core box):
// 1 thread 5.25-5.5 -> 4.2-4.6 ms; 2 threads vs our dense 3.0-3.6x -> 4.0-5.0x. KB 128/512/1024
// and 8 lanes x 2 tiles were slower; batch 256 about even. GSPARSE_GS_KBLOCK=0 turns it off (A/B).
// Built once per matrix on first use and kept in PackedMatrix::kernelCache; `from` records the
// arrays it was built from (a copied matrix rebuilds its own).
std::size_t kBlockCols() {
  static const std::size_t kb = [] {
    const char* s = std::getenv("GSPARSE_GS_KBLOCK");
    const long v = s ? std::atol(s) : 256L;
    return static_cast<std::size_t>(v > 0 ? v : 0);
  }();
  return kb;
}
struct GsKBlocked {
  const void* from[3] = {};
  std::size_t sizes[3] = {};
  std::vector<float> val;
  std::vector<uint32_t> xoff, off;
  std::vector<uint8_t> lane;
  uint32_t nBlocks = 0, slots = 0, lanesPer = 8, kb = 0;
  GsKBlockArgs args() const {
    GsKBlockArgs a;
    a.val = val.data(), a.xoff = xoff.data(), a.off = off.data(), a.lane = lane.data(), a.nBlocks = nBlocks, a.slots = slots;
    a.lanesPer = lanesPer;
    return a;
  }
};

template <class V, class I>
std::shared_ptr<const GsKBlocked> buildKBlocked(const PackedMatrix& w, const V* val, const I* idx, std::size_t KB,
                                                std::size_t NL) {
  auto kb = std::make_shared<GsKBlocked>();
  kb->from[0] = w.values.rawData(), kb->from[1] = idx, kb->from[2] = w.ptr.data();
  kb->sizes[0] = w.values.size(), kb->sizes[1] = w.indices.size(), kb->sizes[2] = w.ptr.size();
  const std::size_t B = w.pattern.banks, groups = w.gsGroups(), nBlocks = (w.cols + KB - 1) / KB;
  kb->nBlocks = static_cast<uint32_t>(nBlocks);
  kb->slots = static_cast<uint32_t>(B / NL);
  kb->lanesPer = static_cast<uint32_t>(NL);
  kb->kb = static_cast<uint32_t>(KB);
  std::vector<std::vector<std::pair<uint32_t, float>>> bucket(nBlocks * B);
  kb->off.push_back(0);
  for (std::size_t g = 0; g < groups; ++g) {
    for (auto& b : bucket) b.clear();
    for (std::size_t p = w.ptr[g]; p < w.ptr[g + 1]; ++p)
      for (std::size_t l = 0; l < B; ++l) {
        const float v = loadWeight(val, p * B + l);
        if (v == 0.0f) continue;
        const uint32_t c = static_cast<uint32_t>(idx[p * B + l]);
        bucket[(c / KB) * B + l].emplace_back(c, v);
      }
    for (std::size_t k = 0; k < nBlocks; ++k) {
      std::vector<uint8_t> order(B);
      for (std::size_t l = 0; l < B; ++l) order[l] = static_cast<uint8_t>(l);
      std::stable_sort(order.begin(), order.end(),
                       [&](uint8_t x, uint8_t y) { return bucket[k * B + x].size() > bucket[k * B + y].size(); });
      kb->lane.insert(kb->lane.end(), order.begin(), order.end());
      for (std::size_t o = 0; o < B / NL; ++o) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < NL; ++i) n = std::max(n, bucket[k * B + order[o * NL + i]].size());
        for (std::size_t j = 0; j < n; ++j)
          for (std::size_t i = 0; i < NL; ++i) {
            const auto& b = bucket[k * B + order[o * NL + i]];
            const bool has = j < b.size();
            kb->val.push_back(has ? b[j].second : 0.0f);
            kb->xoff.push_back(static_cast<uint32_t>((has ? b[j].first : k * KB) * kBatchTile));
          }
        kb->off.push_back(static_cast<uint32_t>(kb->xoff.size() / NL));
      }
    }
  }
  return kb;
}

template <class V, class I>
std::shared_ptr<const GsKBlocked> kBlocked(const PackedMatrix& w, const V* val, const I* idx, std::size_t KB,
                                           std::size_t NL) {
  auto matches = [&](const GsKBlocked* c) {
    return c && c->kb == KB && c->lanesPer == NL && c->from[0] == w.values.rawData() && c->from[1] == static_cast<const void*>(idx) &&
           c->from[2] == w.ptr.data() && c->sizes[0] == w.values.size() && c->sizes[1] == w.indices.size() &&
           c->sizes[2] == w.ptr.size();
  };
  std::shared_ptr<const void> c = std::atomic_load(&w.kernelCache);
  if (matches(static_cast<const GsKBlocked*>(c.get()))) return std::static_pointer_cast<const GsKBlocked>(c);
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  c = std::atomic_load(&w.kernelCache);
  if (matches(static_cast<const GsKBlocked*>(c.get()))) return std::static_pointer_cast<const GsKBlocked>(c);
  std::shared_ptr<const GsKBlocked> built = buildKBlocked(w, val, idx, KB, NL);
  std::atomic_store(&w.kernelCache, std::shared_ptr<const void>(built));
  return built;
}

// The ISA kernels able to run a matrix (null members: the portable loops).
struct GsIsaKernels {
  GsGatherFn gather = nullptr;             // batch 1
  GsGatherBatchFn gatherBatch = nullptr;   // 2 <= batch <= gatherMaxBatch
  GsTileFn tile = nullptr;                 // larger batches: broadcast-FMA over X^T tiles
  GsTileMultiFn tileMulti = nullptr;       // optional: 2 or 4 tiles per pass over the packs
  bool kBlock = false;                     // AVX-512 column-blocked kernel (gsTileKBlockAvx512)
  std::size_t gatherMaxBatch = 0;
};

template <class I>
GsGatherArgs gatherArgs(const PackedMatrix& w, const I* idx, const float* x) {
  GsGatherArgs ga;
  ga.values = w.values.rawData();
  ga.f16 = w.dtype() == DType::F16;
  ga.indices = idx;
  ga.indexWidth = sizeof(I);
  ga.ptr = w.ptr.data();
  ga.banks = w.pattern.banks;
  ga.perRow = w.pattern.perRow;
  ga.x = x;
  return ga;
}

template <class V, class I>
void gsTyped(const PackedMatrix& w, const V* val, const I* idx, const MatmulArgs& a, const GsIsaKernels& isa) {
  static_assert(kBatchTile == 16, "the ISA tile kernels assume 16-wide X^T tiles");
  const GsGatherFn gather = isa.gather;
  const Epilogue epi(a);
  const std::size_t B = w.pattern.banks, E = w.pattern.perRow, R = B / E;
  const uint32_t* ptr = w.ptr.data();
  const bool permute = w.pattern.permute;
  auto rowOf = [&](std::size_t g, std::size_t r) {
    const std::size_t gr = g * R + r;
    if (permute) return w.rowIds[gr];
    return gr < w.rows ? static_cast<uint32_t>(gr) : PackedMatrix::kNoRow;
  };
  const std::vector<uint64_t> prefix = workPrefix(w.ptr, B, 8 * R);
  std::shared_ptr<const GsKBlocked> kbl;
  const std::size_t KB = kBlockCols();
  // One layout only (4 lanes x 4 tiles), so calls at different batches never rebuild the cache.
  if (isa.kBlock && KB > 0 && a.batch >= 4 * kBatchTile && B % 4 == 0) kbl = kBlocked(w, val, idx, KB, 4);
  if (a.batch > 1 && isa.gatherBatch && a.batch <= isa.gatherMaxBatch) {
    // Small batch: gather straight from row-major x (no transposed copy); packs loaded once per group.
    const std::size_t nb = a.batch;
    const GsGatherArgs ga = gatherArgs(w, idx, a.x);
    parallelForWeighted(w.gsGroups(), prefix.data(), std::max<uint64_t>(32768 / nb, 16),
                        [&](std::size_t g0, std::size_t g1) {
                          const std::size_t plane = (g1 - g0) * R;
                          std::vector<float> rowSums(nb * plane);
                          isa.gatherBatch(ga, w.cols, nb, g0, g1, rowSums.data());
                          for (std::size_t b = 0; b < nb; ++b)
                            for (std::size_t g = g0; g < g1; ++g)
                              for (std::size_t r = 0; r < R; ++r) {
                                const uint32_t row = rowOf(g, r);
                                if (row != PackedMatrix::kNoRow)
                                  a.y[b * w.rows + row] = epi(rowSums[b * plane + (g - g0) * R + r], row);
                              }
                        });
    return;
  }
  runKernelCached(
      a, w.cols, w.cols, w.gsGroups(), prefix,
      [&](std::size_t g0, std::size_t g1, const XView& xv) {
        std::vector<float> rowSums((g1 - g0) * R);
        if (gather) {
          gather(gatherArgs(w, idx, xv.vec()), g0, g1, rowSums.data());
        } else {
          gatherPortable(val, idx, ptr, B, E, xv.vec(), g0, g1, rowSums.data());
        }
        for (std::size_t g = g0; g < g1; ++g)
          for (std::size_t r = 0; r < R; ++r) {
            const uint32_t row = rowOf(g, r);
            if (row != PackedMatrix::kNoRow) a.y[row] = epi(rowSums[(g - g0) * R + r], row);
          }
      },
      [&](std::size_t g0, std::size_t g1, const XView& xv) {
        alignas(64) float tile[kMaxBanks * kBatchTile];
        alignas(64) float multi[4 * kMaxBanks * kBatchTile];
        const GsGatherArgs ga = gatherArgs(w, idx, nullptr);
        if (isa.tile) {
          // Groups in chunks of ~kTileChunkBytes of packs, tiles inside a chunk: the chunk's packs stay
          // in L2 across tiles while one X^T tile (cols * 64 bytes) at a time is hot. Measured on
          // 4096x4096 gs:16 90%: batch 64 ~5.0 -> ~4.4 ms, batch 256 ~33 -> ~17 ms (vs group by group).
          // The column-blocked copy is ~1.7x the bytes (fp32 + uint32 offset, padding) and walks its
          // chunk once per block: smaller chunks (256 KiB vs 1 MiB; 128 KiB measured about even).
          const std::size_t kChunkBytes = kbl ? kTileChunkBytes / 4 : kTileChunkBytes;
          const std::size_t laneBytes = w.values.byteSize() / std::max<std::size_t>(1, w.values.size()) + sizeof(I);
          for (std::size_t c0 = g0; c0 < g1;) {
            std::size_t c1 = c0 + 1;
            while (c1 < g1 && (ptr[c1 + 1] - ptr[c0]) * B * laneBytes <= kChunkBytes) ++c1;
            std::size_t t = 0;
            if (kbl) {
              // Column-blocked: block k of every group of the chunk against a cache-resident slice of
              // nt tiles, lane accumulators in acc between blocks.
              const GsKBlockArgs ka = kbl->args();
              const std::size_t nt = 16 / ka.lanesPer, lw = nt * kBatchTile;
              std::vector<float, AlignedAllocator<float>> acc((c1 - c0) * B * lw);
              for (; t + nt <= xv.tiles; t += nt) {
                std::fill(acc.begin(), acc.end(), 0.0f);
                const float* xts[4];
                for (std::size_t h = 0; h < nt; ++h) xts[h] = xv.tile(t + h);
                for (std::size_t k = 0; k < ka.nBlocks; ++k)
                  for (std::size_t g = c0; g < c1; ++g)
                    gsTileKBlockAvx512(ka, g, k, xts, acc.data() + (g - c0) * B * lw);
                for (std::size_t g = c0; g < c1; ++g) {
                  const float* ap = acc.data() + (g - c0) * B * lw;
                  for (std::size_t h = 0; h < nt; ++h) {
                    float* out = multi + h * kMaxBanks * kBatchTile;
                    for (std::size_t r = 0; r < R; ++r)
                      for (std::size_t j = 0; j < kBatchTile; ++j) {
                        float s = 0.0f;
                        for (std::size_t e = 0; e < E; ++e) s += ap[(r * E + e) * lw + h * 16 + j];
                        out[r * kBatchTile + j] = s;
                      }
                    storeTile(epi, out, R, [&](std::size_t r) { return rowOf(g, r); }, xv.width(t + h),
                              xv.b0 + (t + h) * kBatchTile, a.y, w.rows);
                  }
                }
              }
            }
            // Tiles in pairs (8 lanes x 2 tiles of accumulators): measured ~10-15% faster than one tile
            // at a time at batch 64/256; 4 tiles x 4 lanes was slower.
            constexpr std::size_t kMaxMulti = 2;
            if (isa.tileMulti)
              for (std::size_t nt = kMaxMulti; nt >= 2; nt /= 2)
                for (; t + nt <= xv.tiles; t += nt) {
                  const float* xts[4];
                  float* outs[4];
                  for (std::size_t h = 0; h < nt; ++h) xts[h] = xv.tile(t + h), outs[h] = multi + h * kMaxBanks * kBatchTile;
                  for (std::size_t g = c0; g < c1; ++g) {
                    isa.tileMulti(ga, g, nt, xts, outs);
                    for (std::size_t h = 0; h < nt; ++h)
                      storeTile(epi, outs[h], R, [&](std::size_t r) { return rowOf(g, r); }, xv.width(t + h),
                                xv.b0 + (t + h) * kBatchTile, a.y, w.rows);
                  }
                }
            for (; t < xv.tiles; ++t) {
              const float* xt = xv.tile(t);
              for (std::size_t g = c0; g < c1; ++g) {
                isa.tile(ga, g, xt, tile);
                storeTile(epi, tile, R, [&](std::size_t r) { return rowOf(g, r); }, xv.width(t),
                          xv.b0 + t * kBatchTile, a.y, w.rows);
              }
            }
            c0 = c1;
          }
          return;
        }
        for (std::size_t g = g0; g < g1; ++g) {
          for (std::size_t t = 0; t < xv.tiles; ++t) {  // the group's packs stay in L1 across tiles
            const float* xt = xv.tile(t);
            if (isa.tile) {
              isa.tile(ga, g, xt, tile);
              storeTile(epi, tile, R, [&](std::size_t r) { return rowOf(g, r); }, xv.width(t),
                        xv.b0 + t * kBatchTile, a.y, w.rows);
              continue;
            }
            // Row by row (stride B through the packs), so a row's accumulator stays in registers.
            for (std::size_t r = 0; r < R; ++r) {
              TileRow acc;
              for (std::size_t p = ptr[g]; p < ptr[g + 1]; ++p)
                for (std::size_t l = p * B + r * E; l < p * B + (r + 1) * E; ++l)
                  acc.axpy(loadWeight(val, l), xt + static_cast<std::size_t>(idx[l]) * kBatchTile);
              acc.copyTo(tile + r * kBatchTile);
            }
            storeTile(epi, tile, R, [&](std::size_t r) { return rowOf(g, r); }, xv.width(t), xv.b0 + t * kBatchTile,
                      a.y, w.rows);
          }
        }
      });
}

void gsWithGather(const PackedMatrix& w, const MatmulArgs& a, const GsIsaKernels& isa) {
  withValues(w.values, [&](auto val) { withIndices(w.indices, [&](auto idx) { gsTyped(w, val, idx, a, isa); }); });
}

// Largest batch that takes the small-batch gather kernel; above it, broadcast-FMA over X^T tiles.
// GSPARSE_GS_GATHER_MAX_BATCH overrides the measured value (tuning).
std::size_t gatherMaxBatch(std::size_t measured) {
  static const long env = [] {
    const char* s = std::getenv("GSPARSE_GS_GATHER_MAX_BATCH");
    return s ? std::atol(s) : -1L;
  }();
  return env >= 0 ? static_cast<std::size_t>(env) : measured;
}

}  // namespace

void spmmGS(const PackedMatrix& w, const MatmulArgs& a) { gsWithGather(w, a, GsIsaKernels{}); }

// The ISA kernels cover whole vectors of lanes, 2- or 4-byte indices and at most 64 banks; other
// shapes take the portable loops.
void spmmGSAvx2(const PackedMatrix& w, const MatmulArgs& a) {
  GsIsaKernels isa;
  if (w.pattern.banks % 8 == 0 && w.pattern.banks <= kMaxBanks &&
      (w.indices.width() == 2 || w.indices.width() == 4)) {
    isa.gather = gsGatherAvx2;
    isa.gatherBatch = gsGatherBatchAvx2;
    isa.tile = gsTileAvx2;
    isa.gatherMaxBatch = gatherMaxBatch(kGatherMaxBatchAvx2);
  }
  gsWithGather(w, a, isa);
}

void spmmGSAvx512(const PackedMatrix& w, const MatmulArgs& a) {
  GsIsaKernels isa;
  if (w.pattern.banks % 16 == 0 && w.pattern.banks <= kMaxBanks &&
      (w.indices.width() == 2 || w.indices.width() == 4)) {
    isa.gather = gsGatherAvx512;
    isa.gatherBatch = gsGatherBatchAvx512;
    isa.tile = gsTileAvx512;
    isa.tileMulti = gsTileMultiAvx512;
    isa.kBlock = true;
    isa.gatherMaxBatch = gatherMaxBatch(kGatherMaxBatchAvx512);
  }
  gsWithGather(w, a, isa);
}

}  // namespace cpu
}  // namespace gsparse
