#!/usr/bin/env bash
# The whole GPU check of the CUDA backend as one command, on a machine with nvcc + CMake + a GPU
# (no Node needed): configure and build with CUDA, run the CUDA correctness tests (test_cuda), read
# the GS kernel's shared-memory bank conflicts with ncu (when ncu exists), then the microbenchmark
# (gs:32 vs cuBLAS SGEMM vs CSR), whose table is printed last. With OUT set, the whole log goes to
# $OUT/cuda-check.log and the table to $OUT/cuda-bench.csv.
#
#   bench/cuda.sh [--quick]         env: BUILD_DIR (build/cuda), GSPARSE_CUDA_ARCHS (default: the
#                                   GPU's own, from nvidia-smi; else 80;90), JOBS (cores)
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

step "environment"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
nvcc --version | tail -2
cmake --version | head -1

ARCHS=${GSPARSE_CUDA_ARCHS:-}
if [ -z "$ARCHS" ] && command -v nvidia-smi >/dev/null; then
  ARCHS=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
fi
ARCHS=${ARCHS:-80;90}
echo "CUDA archs: $ARCHS"

# cuBLAS is loaded at run time: point at one when the loader would not find it by itself.
if [ -z "${GSPARSE_CUBLAS_PATH:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.'; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu \
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
cmake --build "$BUILD" --parallel "$JOBS" --target test_cuda gsparse_cuda_bench || exit 1
echo "build: $(( $(date +%s) - start )) s"
BIN="$BUILD/native-tests"

step "test_cuda (correctness vs float64 CPU reference)"
"$BIN/test_cuda" || status=1

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
"$BIN/gsparse_cuda_bench" $QUICK "${CSV[@]}" || status=1

echo
echo "cuda.sh: $([ $status -eq 0 ] && echo OK || echo FAILED)"
exit $status
