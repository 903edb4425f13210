#!/usr/bin/env bash
# The whole GPU check of the CUDA backend as one command, on a machine with nvcc + CMake + a GPU
# (no Node needed): configure and build with CUDA, run the CUDA correctness tests (test_cuda), read
# the GS kernel's shared-memory bank conflicts with ncu (when ncu exists), then the microbenchmark
# (gs:32 vs the dense GEMM vs CSR), whose table is printed last. With OUT set, the whole log goes to
# $OUT/cuda-check.log and the table to $OUT/cuda-bench.csv.
#
#   bench/cuda.sh [--quick]         env: BUILD_DIR (build/cuda), GSPARSE_CUDA_ARCHS (default: the
#                                   GPU's own, from nvidia-smi; else 80;90), JOBS (cores)
#
# Exit status: 0 everything ran and passed; 1 a build, test or check failed; 2 SKIPPED, nothing was
# measured, with the reason on the last line (no GPU, no CUDA toolkit, CMake found no CUDA, NVIDIA
# driver older than the toolkit, or no code for this GPU in the build). A skip is never "OK".
set -uo pipefail
cd "$(dirname "$0")/.."

LOG=/dev/null
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  LOG="$OUT/cuda-check.log"
fi
exec > >(tee -a "$LOG") 2>&1

BUILD=${BUILD_DIR:-build/cuda}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
QUICK=""
[ "${1:-}" = "--quick" ] && QUICK="--quick"
status=0
step() { echo; echo "== $* =="; }
skip() {
  echo
  echo "cuda.sh: SKIPPED (nothing measured): $*"
  exit 2
}

step "environment"
echo "machine: $(uname -m), $(nproc 2>/dev/null || echo '?') cores"
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
command -v nvcc >/dev/null || skip "no CUDA toolkit: nvcc not found (not on PATH, not in /usr/local/cuda/bin)"
nvcc --version | tail -2
cmake --version | head -1
TOOLKIT=$(nvcc --version | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1)

# A GPU, seen by the driver: nvidia-smi when it exists, else the device nodes (containers without it).
if command -v nvidia-smi >/dev/null; then
  if ! GPUS=$(nvidia-smi -L 2>&1) || ! grep -q '^GPU ' <<<"$GPUS"; then
    skip "no GPU: nvidia-smi lists none (${GPUS//$'\n'/ })"
  fi
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
  DRIVER_CUDA=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1)
  echo "driver supports CUDA ${DRIVER_CUDA:-?}, toolkit is CUDA ${TOOLKIT:-?}"
  # The static CUDA runtime needs a driver of its major version or newer (minor-version compatibility
  # covers an older minor); the binary's own probe (test_cuda) decides the rest.
  if [ -n "${DRIVER_CUDA:-}" ] && [ -n "$TOOLKIT" ] && [ "${DRIVER_CUDA%%.*}" -lt "${TOOLKIT%%.*}" ]; then
    skip "NVIDIA driver too old: it supports CUDA $DRIVER_CUDA, the toolkit builds for CUDA $TOOLKIT (update the driver, or build with a CUDA ${DRIVER_CUDA%%.*}.x toolkit)"
  fi
elif ! ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
  skip "no GPU: nvidia-smi not found and no /dev/nvidia* device on this machine"
else
  echo "nvidia-smi not found, but /dev/nvidia* exists: the CUDA probe of test_cuda decides"
fi

ARCHS=${GSPARSE_CUDA_ARCHS:-}
if [ -z "$ARCHS" ] && command -v nvidia-smi >/dev/null; then
  ARCHS=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
fi
ARCHS=${ARCHS:-80;90}
echo "CUDA archs: $ARCHS"

# cuBLAS is loaded at run time: point at one when the loader would not find it by itself.
if [ -z "${GSPARSE_CUBLAS_PATH:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.'; then
  case "$(uname -m)" in
    aarch64) TARGET_DIRS="/usr/local/cuda/targets/sbsa-linux/lib /usr/lib/aarch64-linux-gnu" ;;
    *) TARGET_DIRS="/usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu" ;;
  esac
  for d in /usr/local/cuda/lib64 $TARGET_DIRS \
           $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, s, "lib") for p in nvidia.__path__ for s in os.listdir(p)))' 2>/dev/null); do
    f=$(ls "$d"/libcublas.so.* 2>/dev/null | grep -v Lt | head -1)
    if [ -n "$f" ]; then export GSPARSE_CUBLAS_PATH="$f"; break; fi
  done
fi
echo "GSPARSE_CUBLAS_PATH=${GSPARSE_CUBLAS_PATH:-<loader search path>}"

step "configure + build ($BUILD)"
start=$(date +%s)
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGSPARSE_NATIVE_TESTS=ON -DGSPARSE_CUDA=ON \
  "-DGSPARSE_CUDA_ARCHS=$ARCHS" || exit 1
grep -q '^GSPARSE_CUDA_BUILT:INTERNAL=ON' "$BUILD/CMakeCache.txt" ||
  skip "CMake found no usable CUDA toolkit (compiler or runtime), so the CUDA backend is not built (see the configure output above)"
cmake --build "$BUILD" --parallel "$JOBS" --target test_cuda gsparse_cuda_bench || exit 1
echo "build: $(( $(date +%s) - start )) s"
BIN="$BUILD/native-tests"

step "test_cuda (correctness vs float64 CPU reference)"
TEST_LOG=$(mktemp)
"$BIN/test_cuda" 2>&1 | tee "$TEST_LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
SKIPPED=$(grep -m1 '^SKIP test_cuda: ' "$TEST_LOG" | sed 's/^SKIP test_cuda: //')
rm -f "$TEST_LOG"
[ -n "$SKIPPED" ] && skip "$SKIPPED"

if command -v ncu >/dev/null; then
  step "ncu: shared-memory bank conflicts of the GS kernel (expect ~0 conflicts)"
  ncu --clock-control none --kernel-name regex:spmmGsKernel \
    --metrics l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum,l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum,smsp__inst_executed_op_shared_ld.sum,gpu__time_duration.sum \
    "$BIN/gsparse_cuda_bench" --profile || echo "ncu failed (counters may be unavailable here)"
else
  step "ncu not found: bank conflicts not measured"
fi

step "gsparse_cuda_bench (CUDA events, median; device time only)"
CSV=()
[ -n "${OUT:-}" ] && CSV=(--csv "$OUT/cuda-bench.csv")
"$BIN/gsparse_cuda_bench" $QUICK "${CSV[@]}"
case $? in
  0) ;;
  2) skip "gsparse_cuda_bench found no usable CUDA device (see its SKIP line above)" ;;
  *) status=1 ;;
esac

echo
echo "cuda.sh: $([ $status -eq 0 ] && echo OK || echo FAILED)"
exit $status
