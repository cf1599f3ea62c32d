#!/usr/bin/env bash
# The H100 measurement campaign (issue 7) in one script, for a GPU machine reached through the device
# tool: no internet there, probably no Node of its own (bench/device/pack.sh carries one).
#
#   From the project root here, after `npm ci` and `npm run build`:  bash bench/device/pack.sh
#   Then two device calls with carry [".device"] (each call: at most 10 minutes, 8 files back):
#     bash .device/remote.sh 'bash bench/anchors/h100-campaign.sh --part 1 $OUT [CPU_RESULT.json]'
#     bash .device/remote.sh 'bash bench/anchors/h100-campaign.sh --part 2 $OUT [CPU_RESULT.json]'
#   (--part all runs both in one go, for a machine without those limits; it writes up to 14 files.)
#   CPU_RESULT.json: optional, a CPU result file in the carried working tree (path relative to the
#   project root) for `bench estimate`: its measured method divides each CPU run by the fastest H100
#   configuration of the same workload (model, precision, batch, scenario), beside spec and roofline.
#
# Part 1 (onnxruntime-node, at most H100E_CAMPAIGN_BUDGET_S, default 330 s), files in OUTDIR:
#   part1.log             every step with its command, exit code and seconds; nvidia-smi's report;
#                         host and GPU memory per run with gpu-buffer outputs (bench/perf/webgpu-gpu-buffer.ts)
#   doctor.json           bench doctor --json
#   ort-cuda-fp32.json, ort-cuda-fp16.json       only if the CUDA provider loads (see below)
#   ort-webgpu-fp32.json, ort-webgpu-fp16.json   WebGPU provider (Vulkan; the pack carries the loader)
#                         offline, batches 1,8,32,128,256, all nine zoo models
#   ort-single-stream.json  batch 1, single-stream, fp32 and fp16, every provider that ran (merged)
#   estimate.txt          bench estimate CPU_RESULT.json (when given), the new H100 files installed
#                         as references in the device's scratch copy
# Part 2 (PyTorch and comparisons, at most H100E_CAMPAIGN_BUDGET_S, default 360 s), files in OUTDIR:
#   part2.log, pytorch.json (bench/anchors/pytorch_anchor.py), pytorch.txt (its table),
#   compare-pytorch.md (ours vs PyTorch, from part 1's files when this machine still holds them),
#   cpu-host.json (the GPU machine's own CPU, default suite: a CPU side for estimate when no
#   CPU_RESULT.json is given), estimate-host-cpu.txt.
#
# Timings seen on an H200 (2026-11-30, results/reference/campaign-2026-11-30/): the machine started
# in about 30 s; one WebGPU offline file (45 configurations) took 131-140 s, single-stream 10 s per
# precision, the gpu-buffer check 2 s; PyTorch eager took 200 s for 81 configurations and
# torch.compile about 14 s a model at batch 256. Hence the budgets: both offline files and the short
# steps fit part 1, and eager plus one compiled batch of every model fit part 2; together, with two
# starts' worth of margin, inside a task's 15 minutes of device time.
#
# The CUDA execution provider: onnxruntime-node 1.30 does not ship libonnxruntime_providers_cuda.so;
# its installer (script/install.js, `bench setup cuda`) downloads NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux
# 1.30.0, which the GPU machine cannot reach. No npm package carries the 1.30 provider: the only
# linux-x64 one on npm, com.github.asus4.onnxruntime.linux-x64-gpu 0.4.9 (a Unity package), holds
# ORT 1.29.0 providers built for CUDA 13 (libcublas.so.13), 230 MB unpacked, 179 MB packed: another
# ORT version (the provider bridge is not ABI-stable across versions) and far over the 64 MiB carry.
# So this script only uses a provider that is already on the machine: $H100E_ORT_CUDA_DIR, or the
# capi/ folder of a Python onnxruntime-gpu of the SAME version (1.30.x), copied beside the binding,
# with the CUDA 12 / cuDNN 9 libraries of PyTorch's pip wheels (site-packages/nvidia/*/lib) put on
# LD_LIBRARY_PATH. If none is there the campaign measures WebGPU and PyTorch only, and says so.
#
# State: $H100E_STATE_DIR (default /tmp/h100e-campaign) keeps part 1's files while the machine stays
# warm, so part 2 can compare with them and a second part 1 resumes its offline files (bench run
# --resume) instead of measuring them again; delete the folder to measure from scratch.
#
# Robust to partial failure: no `set -e`; every step runs under `timeout`, its exit code is logged,
# and the next step goes on. Bounded in time: each part stops starting steps when its budget
# (H100E_CAMPAIGN_BUDGET_S; 330 s for part 1, 360 s for part 2) is spent; bench run rewrites its result file after every
# configuration, so a step cut by its timeout still leaves a valid file with what finished.
set -u

usage() {
  echo "usage: bash bench/anchors/h100-campaign.sh [--part 1|2|all] OUTDIR [CPU_RESULT.json]" >&2
  exit 2
}

PART=all
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --part) [ $# -ge 2 ] || usage; PART=$2; shift 2 ;;
    --part=*) PART=${1#--part=}; shift ;;
    -h | --help) usage ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
case "$PART" in 1 | 2 | all) ;; *) echo "error: --part must be 1, 2 or all, got '$PART'" >&2; usage ;; esac
[ ${#ARGS[@]} -ge 1 ] || usage
OUTDIR=${ARGS[0]}
CPU_FILE=${ARGS[1]:-}
mkdir -p "$OUTDIR" || { echo "error: cannot create OUTDIR $OUTDIR" >&2; exit 2; }
OUTDIR=$(cd "$OUTDIR" && pwd)

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
BENCH=(node dist/src/cli.js)
PYTHON=${H100E_PYTHON:-python3}
# Each part sets its own default (see the timings above); H100E_CAMPAIGN_BUDGET_S overrides both.
BUDGET_S=300
# Providers tried in part 1, in this order. When CUDA works too, four offline files may not fit in
# one call: then run part 1 twice, with H100E_PROVIDERS=cuda and H100E_PROVIDERS=webgpu.
PROVIDERS=${H100E_PROVIDERS:-cuda webgpu}
# Survives between the two calls while the device machine stays warm, so part 2 can compare with
# part 1's files; a fresh machine starts empty (then compare and estimate locally, see the README).
STATE=${H100E_STATE_DIR:-/tmp/h100e-campaign}
mkdir -p "$STATE"
# H100E_MODELS / H100E_BATCHES (and H100E_BUFFER_RUNS, runs per round of the gpu-buffer check) shrink
# the matrix for a smoke run of this script on a CPU machine.
MODELS=${H100E_MODELS:-resnet18,resnet50,mobilenet_v2,mobilenet_v3_small,mobilenet_v3_large,efficientnet_b0,squeezenet1_1,convnext_tiny,vit_b_16}
BATCHES=${H100E_BATCHES:-1,8,32,128,256}
# Short windows: on a GPU one configuration gives hundreds of iterations in half a second; the cap
# bounds the large batches of the big models. 45 configurations per file took 131-140 s on an H200.
RUN_TIMING=(--duration 0.5 --max-duration 1.5 --min-iterations 5 --warmup 3)
LOG=/dev/null
PART_START=$SECONDS

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }

remaining() { echo $((BUDGET_S - (SECONDS - PART_START))); }

# step NAME MAX_SECONDS STDOUT CMD...: runs CMD under timeout and logs its exit code; never stops the
# script. STDOUT: a file, "+FILE" to append, or "-" for the log (stderr always goes to the log).
step() {
  local name=$1 max=$2 out=$3 left t0 rc
  shift 3
  left=$(remaining)
  if [ "$left" -lt 20 ]; then
    log "SKIP $name: part budget spent (${BUDGET_S}s)"
    return 99
  fi
  [ "$max" -gt "$left" ] && max=$left
  log "START $name (limit ${max}s): $*"
  t0=$SECONDS
  if [ "$out" = "-" ]; then
    timeout --kill-after=10 "$max" "$@" >>"$LOG" 2>&1
  elif [ "${out#+}" != "$out" ]; then
    timeout --kill-after=10 "$max" "$@" >>"${out#+}" 2>>"$LOG"
  else
    timeout --kill-after=10 "$max" "$@" >"$out" 2>>"$LOG"
  fi
  rc=$?
  [ "$rc" -eq 124 ] && log "TIMEOUT $name after ${max}s (partial output kept)"
  log "END $name rc=$rc ($((SECONDS - t0))s)"
  return "$rc"
}

ort_version() { node -p "require('./node_modules/onnxruntime-node/package.json').version" 2>/dev/null; }

# Puts an onnxruntime CUDA provider of our exact version beside the binding, if one is on the machine.
setup_cuda_provider() {
  local bindir=node_modules/onnxruntime-node/bin/napi-v6/linux/x64 want src="" ver libs
  want=$(ort_version)
  if [ -f "$bindir/libonnxruntime_providers_cuda.so" ]; then
    log "cuda provider: already beside the binding"
  elif [ -n "${H100E_ORT_CUDA_DIR:-}" ] && [ -f "$H100E_ORT_CUDA_DIR/libonnxruntime_providers_cuda.so" ]; then
    src=$H100E_ORT_CUDA_DIR
    log "cuda provider: from H100E_ORT_CUDA_DIR=$src (version not checked: your responsibility)"
  else
    ver=$("$PYTHON" -c 'import onnxruntime; print(onnxruntime.__version__)' 2>/dev/null || true)
    if [ -n "$ver" ] && [ "$ver" = "$want" ]; then
      src=$("$PYTHON" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))')
      [ -f "$src/libonnxruntime_providers_cuda.so" ] || src=""
    fi
    log "cuda provider: Python onnxruntime '${ver:-none}' (need $want): ${src:-no usable provider on this machine}"
  fi
  if [ -n "$src" ]; then
    cp "$src"/libonnxruntime_providers_shared.so "$src"/libonnxruntime_providers_cuda.so "$bindir"/ &&
      log "cuda provider: copied from $src"
  fi
  # CUDA runtime, cuBLAS, cuFFT, cuRAND and cuDNN from PyTorch's pip wheels, when they are there.
  libs=$("$PYTHON" - <<'EOF' 2>/dev/null
import glob, os, site
dirs = []
for p in site.getsitepackages() + [site.getusersitepackages()]:
    dirs += sorted(glob.glob(os.path.join(p, "nvidia", "*", "lib")))
print(":".join(dirs))
EOF
  )
  if [ -n "$libs" ]; then
    export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    log "LD_LIBRARY_PATH += PyTorch's nvidia libraries ($(echo "$libs" | tr ':' '\n' | wc -l) folders)"
  fi
}

# probe PROVIDER: one tiny configuration with fallback refused; exit 0 when the provider really runs.
probe() {
  step "probe $1" 120 - "${BENCH[@]}" run --device "$1" --no-fallback --model squeezenet1_1 --batch 1 \
    --duration 0.2 --max-duration 0.5 --min-iterations 1 --warmup 1 --quiet --force --out "$STATE/probe-$1.json"
}

# estimate_against CPU_FILE OUTFILE H100_FILE...: `bench estimate` of a CPU result file against the new
# H100 files (measured: CPU img/s over the fastest H100 configuration of the same workload). They are
# installed into results/reference/ when this is the device's scratch copy (no .git), so later runs
# there see them.
estimate_against() {
  local cpu=$1 out=$2 ref
  shift 2
  if [ ! -e "$ROOT/.git" ]; then
    for ref in "$@"; do [ -f "$ref" ] && cp "$ref" "$ROOT/results/reference/gpu-$(basename "$ref")"; done
  fi
  step "estimate $(basename "$cpu")" 60 "$out" "${BENCH[@]}" estimate "$cpu"
}

part1() {
  LOG=$OUTDIR/part1.log
  PART_START=$SECONDS
  BUDGET_S=${H100E_CAMPAIGN_BUDGET_S:-330}
  : >"$LOG"
  log "h100e campaign part 1 in $ROOT; node $(node --version 2>/dev/null || echo missing); budget ${BUDGET_S}s"
  step nvidia-smi 30 - nvidia-smi
  step "nvidia-smi query" 30 - nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit,clocks.max.sm,clocks.max.mem --format=csv
  setup_cuda_provider
  step doctor 150 "$OUTDIR/doctor.json" "${BENCH[@]}" doctor --json --no-tfjs
  local providers=() p prec single=()
  for p in $PROVIDERS; do
    if probe "$p"; then providers+=("$p"); else log "provider $p: not usable here (see probe above); not measured"; fi
  done
  log "providers that run: ${providers[*]:-none}"
  # The short steps first (about 25 s on an H200): a part cut by its budget then loses only offline
  # configurations, which a second part 1 on the warm machine resumes.
  for p in "${providers[@]}"; do
    for prec in fp32 fp16; do
      step "ort $p $prec single-stream" 60 - "${BENCH[@]}" run --device "$p" --no-fallback --model "$MODELS" \
        --batch 1 --scenario single-stream --precision "$prec" "${RUN_TIMING[@]}" --quiet --force \
        --out "$STATE/ss-$p-$prec.json" && single+=("$STATE/ss-$p-$prec.json")
    done
  done
  if [ ${#single[@]} -gt 0 ]; then
    step "merge single-stream" 60 - "${BENCH[@]}" merge "${single[@]}" --out "$OUTDIR/ort-single-stream.json"
  fi
  # Whether --transfer exclude (gpu-buffer outputs) leaks or aborts on these providers; figures go to
  # part1.log. WebGPU with onnxruntime-node 1.30 (README, GPUs): getData() aborted the process on
  # lavapipe and on an H200 alike.
  for p in "${providers[@]}"; do
    step "gpu-buffer outputs on $p" 90 - node dist/bench/perf/webgpu-gpu-buffer.js --provider "$p" --rounds 3 \
      --runs "${H100E_BUFFER_RUNS:-30}"
  done
  # Written in $STATE with --resume: when part 1 runs again on a machine still warm (a step cut by its
  # timeout, a budget spent), it measures only what is missing; the file records each resume.
  # A resume refused (exit 2: the file is from another engine build or host) measures afresh.
  local offline rc
  for p in "${providers[@]}"; do
    for prec in fp32 fp16; do
      offline=("${BENCH[@]}" run --device "$p" --no-fallback --model "$MODELS" --batch "$BATCHES" --precision "$prec"
        "${RUN_TIMING[@]}" --quiet --out "$STATE/ort-$p-$prec.json")
      step "ort $p $prec offline" 200 - "${offline[@]}" --resume
      rc=$?
      if [ "$rc" -eq 2 ] && [ -f "$STATE/ort-$p-$prec.json" ]; then
        log "resume of $STATE/ort-$p-$prec.json refused (see above): measuring from scratch"
        step "ort $p $prec offline, from scratch" 200 - "${offline[@]}" --force
      fi
      [ -f "$STATE/ort-$p-$prec.json" ] && cp "$STATE/ort-$p-$prec.json" "$OUTDIR/"
    done
  done
  if [ -n "$CPU_FILE" ]; then
    estimate_against "$CPU_FILE" "$OUTDIR/estimate.txt" "$OUTDIR"/ort-*-fp32.json "$OUTDIR"/ort-*-fp16.json
  else
    log "no CPU_RESULT.json given: estimate skipped (part 2 measures this machine's CPU as a stand-in)"
  fi
  log "part 1 done in $((SECONDS - PART_START))s"
}

part2() {
  LOG=$OUTDIR/part2.log
  PART_START=$SECONDS
  BUDGET_S=${H100E_CAMPAIGN_BUDGET_S:-360}
  : >"$LOG"
  log "h100e campaign part 2 in $ROOT; budget ${BUDGET_S}s"
  # Keep 60 s of this part for the comparisons, and 90 s more for a run of this machine's CPU when
  # no CPU_RESULT.json was given.
  local pt_budget=$((BUDGET_S - 60)) refs=()
  [ -z "$CPU_FILE" ] && pt_budget=$((pt_budget - 90))
  # Eager everywhere (fp32, fp16, bf16 at batch 1, 32, 256: 81 configurations, about 2.5 s each on an
  # H200), then torch.compile (fp16 at batch 256, then 1; about 14 s a model) until --budget-s.
  local pt_batches=${H100E_PYTORCH_BATCHES:-${H100E_BATCHES:-1,32,256}}
  step pytorch "$((pt_budget + 60))" "$OUTDIR/pytorch.txt" "$PYTHON" bench/anchors/pytorch_anchor.py --device cuda \
    --batches "$pt_batches" --precisions fp32,fp16,bf16 --modes eager,compile --compile-precisions fp16 \
    --compile-batches 256,1 --duration 0.5 --max-duration 1.5 --warmup 5 --min-iterations 10 \
    --budget-s "$pt_budget" --out "$OUTDIR/pytorch.json"
  for f in "$STATE"/ort-*-fp32.json "$STATE"/ort-*-fp16.json; do [ -f "$f" ] && refs+=("$f"); done
  if [ ${#refs[@]} -gt 0 ] && [ -f "$OUTDIR/pytorch.json" ]; then
    step compare-pytorch 60 "$OUTDIR/compare-pytorch.md" node dist/bench/anchors/compare-pytorch.js \
      --pytorch "$OUTDIR/pytorch.json" "${refs[@]}"
  else
    log "compare-pytorch skipped: part 1's files are not on this machine (fresh machine?) or no pytorch.json; run it locally"
  fi
  if [ -n "$CPU_FILE" ]; then
    estimate_against "$CPU_FILE" "$OUTDIR/estimate.txt" "${refs[@]}"
  else
    # No CPU file to estimate: this machine's CPU stands in.
    step "ort cpu (host CPU, default suite)" 90 - "${BENCH[@]}" run --device cpu --suite default --quiet --force \
      --out "$OUTDIR/cpu-host.json"
    [ -f "$OUTDIR/cpu-host.json" ] && estimate_against "$OUTDIR/cpu-host.json" "$OUTDIR/estimate-host-cpu.txt" "${refs[@]}"
  fi
  log "part 2 done in $((SECONDS - PART_START))s"
}

case "$PART" in
  1) part1 ;;
  2) part2 ;;
  all) part1; part2 ;;
esac
exit 0
