// Layout of the row-blocked copy and its batched driver (see row_blocked.h).
#include "row_blocked.h"

#include <cstdlib>

#include "../spmm_common.h"
#include "gsparse/thread_pool.h"

namespace gsparse {
namespace cpu {

std::size_t rowBlockedMinBatch() {
  // Measured on W 4096x4096 at 90% (csr, gs:16) and 2:4, AVX-512, 2 threads, microbench --batches
  // 2..16 against the per-format X^T tile kernels: csr even at batch 2 and ahead from 3 (0.73 vs 1.08
  // ms), gs:16 ahead from 3 (its gather kernel keeps batch 2), 2:4 2x faster from batch 2 (4.0 vs 8.7 ms).
  // The variable set to 0 (or less) turns the copy off: batched calls then take the per-format kernels.
  static const std::size_t v = [] {
    const char* s = std::getenv("GSPARSE_ROW_BLOCKED_MIN_BATCH");
    const long n = s ? std::atol(s) : 2L;
    return n > 0 ? static_cast<std::size_t>(n) : SIZE_MAX;
  }();
  return v;
}

namespace detail {

void layoutRowBlocked(RowBlocked& rb, const std::vector<RbEntry>& e, const std::vector<std::size_t>& chunkStart) {
  constexpr std::size_t RC = kRbChunkRows, KB = kRbBlockCols, NL = kRbLanes;
  const std::size_t nBlocks = std::max<std::size_t>(1, (rb.cols + KB - 1) / KB);
  constexpr uint16_t padOff = static_cast<uint16_t>(KB * 64);  // the block's zero column
  rb.nBlocks = static_cast<uint32_t>(nBlocks);
  rb.slots = static_cast<uint32_t>(RC / NL);
  rb.ptr.assign(1, 0);
  rb.prefix.assign(1, 0);
  std::vector<std::size_t> bucket(nBlocks * RC + 1);
  std::vector<RbEntry> sorted;
  for (std::size_t c = 0; c < rb.chunks; ++c) {
    // Counting sort of the chunk's entries by (block, row in chunk).
    const std::size_t b0 = chunkStart[c], b1 = chunkStart[c + 1];
    std::fill(bucket.begin(), bucket.end(), 0);
    auto key = [&](const RbEntry& x) { return (x.col / KB) * RC + (x.row - c * RC); };
    for (std::size_t i = b0; i < b1; ++i) ++bucket[key(e[i]) + 1];
    for (std::size_t k = 0; k + 1 < bucket.size(); ++k) bucket[k + 1] += bucket[k];
    sorted.resize(b1 - b0);
    {
      std::vector<std::size_t> pos(bucket.begin(), bucket.end() - 1);
      for (std::size_t i = b0; i < b1; ++i) sorted[pos[key(e[i])]++] = e[i];
    }
    for (std::size_t k = 0; k < nBlocks; ++k) {
      const std::size_t* cnt = bucket.data() + k * RC;  // row r's entries: [cnt[r], cnt[r + 1])
      uint8_t order[RC];
      for (std::size_t r = 0; r < RC; ++r) order[r] = static_cast<uint8_t>(r);
      std::stable_sort(order, order + RC, [&](uint8_t x, uint8_t y) {
        return cnt[x + 1] - cnt[x] > cnt[y + 1] - cnt[y];
      });
      for (std::size_t q = 0; q < RC / NL; ++q) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < NL; ++i) {
          const uint8_t r = order[q * NL + i];
          rb.lane.push_back(r);
          n = std::max(n, cnt[r + 1] - cnt[r]);
        }
        for (std::size_t j = 0; j < n; ++j)
          for (std::size_t i = 0; i < NL; ++i) {
            const uint8_t r = order[q * NL + i];
            const bool has = cnt[r] + j < cnt[r + 1];
            rb.val.push_back(has ? sorted[cnt[r] + j].value : 0.0f);
            rb.off.push_back(has ? static_cast<uint16_t>((sorted[cnt[r] + j].col - k * KB) * 64) : padOff);
          }
        rb.ptr.push_back(static_cast<uint32_t>(rb.val.size() / NL));
      }
    }
    rb.prefix.push_back(rb.val.size());
  }
  rb.val.shrink_to_fit();
  rb.off.shrink_to_fit();
}

}  // namespace detail

namespace {

// First tile of the group that holds tile t of `tiles` (groups as rowBlockedGroupTiles makes them).
std::size_t groupStart(std::size_t t, std::size_t tiles) {
  std::size_t g = 0;
  while (g + rowBlockedGroupTiles(tiles - g) <= t) g += rowBlockedGroupTiles(tiles - g);
  return g;
}

// X^T in the kernel's grouped block layout (row_blocked_isa.h) for batch rows [b0, b0 + tiles * 16):
// the group starting at tile g at xt + g * tileFloats; batch rows past the end and the zero columns read 0.
void prepareBlockedX(const MatmulArgs& a, std::size_t cols, std::size_t blocks, std::size_t b0, std::size_t tiles,
                     RowBlockedStageFn stage, AlignedVec<float>& xt) {
  const std::size_t tileFloats = blocks * kRbBlockFloats;
  xt.resize(tiles * tileFloats);
  parallelFor(tiles * blocks, 4, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const std::size_t t = i / blocks, k = i % blocks, c0 = k * kRbBlockCols;
      const std::size_t g0 = groupStart(t, tiles);
      const std::size_t nt = rowBlockedGroupTiles(tiles - g0), stride = nt * kBatchTile;
      const std::size_t nc = std::min(kRbBlockCols, cols - std::min(cols, c0));
      const std::size_t width = std::min(kBatchTile, a.batch - (b0 + t * kBatchTile));
      float* dst = xt.data() + g0 * tileFloats + k * nt * kRbBlockFloats + (t - g0) * kBatchTile;
      // Zero what the copy below leaves unwritten: the block's zero column always, all of it when the
      // tile or the block is partial.
      const bool full = width == kBatchTile && nc == kRbBlockCols;
      for (std::size_t c = full ? kRbBlockCols : 0; c <= kRbBlockCols; ++c)
        std::fill(dst + c * stride, dst + c * stride + kBatchTile, 0.0f);
      stage(a.x + (b0 + t * kBatchTile) * cols + c0, cols, width, nc, dst, stride);
    }
  });
}

}  // namespace

void spmmRowBlocked(const RowBlocked& rb, const MatmulArgs& a, const RowBlockedIsa& isa) {
  const uint8_t act = static_cast<uint8_t>(a.activation);
  const RowBlockedArgs ka = rb.args();
  const std::size_t tileFloats = std::size_t{rb.nBlocks} * kRbBlockFloats;
  // Passes of up to 16 tiles bound the X^T copy. Up to kCachedBytes it lives in a per-calling-thread buffer kept between calls (no page
  // faults per call); larger ones are allocated per call and freed. A reference, so pool threads
  // see the caller's buffer.
  constexpr std::size_t kPassTiles = 16, kCachedBytes = std::size_t{16} << 20;
  thread_local AlignedVec<float> callerBuf;
  AlignedVec<float> local;
  const std::size_t passTiles = std::min(kPassTiles, (a.batch + kBatchTile - 1) / kBatchTile);
  AlignedVec<float>& xt = passTiles * tileFloats * sizeof(float) <= kCachedBytes ? callerBuf : local;
  for (std::size_t b0 = 0; b0 < a.batch; b0 += kPassTiles * kBatchTile) {
    const std::size_t tiles = std::min(kPassTiles, (a.batch - b0 + kBatchTile - 1) / kBatchTile);
    prepareBlockedX(a, rb.cols, rb.nBlocks, b0, tiles, isa.stage, xt);
    // A thread's share should hold enough multiply-adds to pay for waking it (as runKernel's kMinMacs).
    const uint64_t minEntries = std::max<uint64_t>(32768 / (tiles * kBatchTile), 16);
    parallelForWeighted(rb.chunks, rb.prefix.data(), minEntries, [&](std::size_t c0, std::size_t c1) {
      alignas(64) float acc[kRbChunkRows * 64];
      // Tile groups outside, chunks inside: one group's X^T (1 MiB at 4096 columns) stays in L2 while
      // the chunks' copy streams by again (from L3 at these sizes).
      for (std::size_t t = 0; t < tiles;) {
        const std::size_t nt = rowBlockedGroupTiles(tiles - t);
        const float* xg = xt.data() + t * tileFloats;
        for (std::size_t c = c0; c < c1; ++c) {
          const std::size_t r0 = c * kRbChunkRows, nr = std::min(kRbChunkRows, rb.rows - r0);
          std::fill(acc, acc + kRbChunkRows * 64, 0.0f);
          isa.chunk(ka, c, nt, xg, acc);
          for (std::size_t h = 0; h < nt; ++h) {
            const std::size_t bt = b0 + (t + h) * kBatchTile, width = std::min(kBatchTile, a.batch - bt);
            for (std::size_t j = 0; j < width; ++j)
              isa.store(acc + h * kBatchTile + j, 64, a.bias ? a.bias + r0 : nullptr, act, a.y + (bt + j) * rb.rows + r0, nr);
          }
        }
        t += nt;
      }
    });
  }
}

std::shared_ptr<const RowBlocked> builtRowBlocked(const PackedMatrix& w, uint32_t level) {
  const auto c = std::static_pointer_cast<const RowBlockedLevels>(std::atomic_load(&w.kernelCache));
  if (!c || level >= c->level.size() || !c->level[level]) return nullptr;
  const RowBlocked& rb = *c->level[level];
  const bool fresh = rb.from[0] == w.values.rawData() && rb.from[1] == w.indices.rawData() &&
                     rb.from[2] == w.ptr.data() && rb.sizes[0] == w.values.size() &&
                     rb.sizes[1] == w.indices.size() && rb.sizes[2] == w.ptr.size() && rb.rows == w.rows &&
                     rb.cols == w.cols;
  return fresh ? c->level[level] : nullptr;
}

}  // namespace cpu

std::size_t kernelCacheBytes(const PackedMatrix& w) {
  // kernelCache only ever holds a RowBlockedLevels (see cachedRowBlocked).
  const auto c = std::static_pointer_cast<const cpu::RowBlockedLevels>(std::atomic_load(&w.kernelCache));
  if (!c) return 0;
  std::size_t bytes = sizeof(cpu::RowBlockedLevels);
  for (const auto& rb : c->level)
    if (rb)
      bytes += rb->val.capacity() * sizeof(float) + rb->off.capacity() * sizeof(uint16_t) +
               rb->ptr.capacity() * sizeof(uint32_t) + rb->lane.capacity() + rb->prefix.capacity() * sizeof(uint64_t) +
               sizeof(cpu::RowBlocked);
  return bytes;
}

}  // namespace gsparse
