#!/usr/bin/env bash
# Packs onnxruntime-node 1.29.0 with the CUDA 13 provider for the offline GPU machine, in chunks small
# enough to ride one per device command (the limit is 64 MiB per command, working tree included), into
# .device-cuda/ (git-ignored): <bundle>.partNN and manifest.sha256. bench/device/cuda-remote.sh joins
# and unpacks them there; bench/device/CUDA.md has the planned device calls.
#
# Why 1.29.0 and this provider: onnxruntime-node's own installer fetches the provider from NuGet, which
# neither machine reaches, and the only npm copy of a CUDA provider is
# com.github.asus4.onnxruntime.linux-x64-gpu 0.4.9, built for onnxruntime 1.29.0 and CUDA 13. A
# provider must match its binding's version exactly, so the bundle carries the whole 1.29.0 package.
#
# By default the provider's fatbin keeps only the sm_90 cubins (H100, H200): the other architectures'
# payloads are zeroed (bench/device/fatbin.ts says why that leaves the file loadable) and compress
# away. --full packs the untouched library instead, for any other GPU or if the trimmed one fails.
#
# Usage, from the project root after `npm ci && npm run build`:
#   bash bench/device/cuda-pack.sh [--full] [--keep 90] [--chunk-mib 60] [--out .device-cuda]
# Needs the npm registry (or npm's cache) for the three packages, and xz. Downloads are kept in
# ${XDG_CACHE_HOME:-~/.cache}/h100e-cuda-pack so a second run is offline.
set -euo pipefail
fail() {
  echo "error: $*" >&2
  exit 2
}
full=
keep=90
chunk_mib=60
out=.device-cuda
while [ $# -gt 0 ]; do
  case $1 in
    --full) full=1; shift ;;
    --keep) [ $# -ge 2 ] || fail "--keep needs SM numbers such as 90"; keep=$2; shift 2 ;;
    --chunk-mib)
      [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] && [ "$2" -le 63 ] || fail "--chunk-mib needs a whole number from 1 to 63"
      chunk_mib=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || fail "--out needs a folder"; out=$2; shift 2 ;;
    *) fail "unknown option '$1' (usage: cuda-pack.sh [--full] [--keep 90] [--chunk-mib 60] [--out .device-cuda])" ;;
  esac
done
root=$(git rev-parse --show-toplevel); out=$(realpath -m "$out"); cd "$root"
here=bench/device
[ -f dist/bench/device/fatbin.js ] && [ -f dist/bench/device/cuda-load-check.js ] || fail "dist/bench/device/ is missing: run npm run build first"
command -v xz >/dev/null || fail "xz is not installed (apt-get install xz-utils)"

ORT_VERSION=1.29.0
GPU_PKG=com.github.asus4.onnxruntime.linux-x64-gpu
GPU_VERSION=0.4.9
cache=${XDG_CACHE_HOME:-$HOME/.cache}/h100e-cuda-pack
mkdir -p "$cache"
for spec in onnxruntime-node@$ORT_VERSION onnxruntime-common@$ORT_VERSION $GPU_PKG@$GPU_VERSION; do
  file=$cache/${spec%@*}-${spec##*@}.tgz
  # npm pack checks the registry's integrity hash; a partial download never gets the final name.
  [ -f "$file" ] || (cd "$cache" && npm pack "$spec" --silent >/dev/null) || fail "npm pack $spec failed (no registry and not in $cache)"
done

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pkg=$work/bundle/onnxruntime-node
mkdir -p "$pkg" "$work/gpu"
tar -xzf "$cache/onnxruntime-node-$ORT_VERSION.tgz" -C "$pkg" --strip-components=1
# The GPU machine is linux/x64; the other platforms' binaries would double the size.
find "$pkg/bin/napi-v6" -mindepth 2 -maxdepth 2 -type d ! -path '*/linux/x64' -exec rm -rf {} +
find "$pkg/bin/napi-v6" -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} +
mkdir -p "$pkg/node_modules/onnxruntime-common"
tar -xzf "$cache/onnxruntime-common-$ORT_VERSION.tgz" -C "$pkg/node_modules/onnxruntime-common" --strip-components=1
tar -xzf "$cache/$GPU_PKG-$GPU_VERSION.tgz" -C "$work/gpu" --strip-components=1
bin=$pkg/bin/napi-v6/linux/x64
src=$work/gpu/Plugins/Linux/x64
[ -f "$bin/libonnxruntime.so.1" ] && [ -f "$src/libonnxruntime_providers_cuda.so" ] || fail "unexpected package layout (no libonnxruntime.so.1 or libonnxruntime_providers_cuda.so)"
cp "$src/libonnxruntime_providers_shared.so" "$bin/"
# TensorRT's provider is left out: it needs TensorRT 10, which the GPU machines lack.
if [ -n "$full" ]; then
  variant=full
  cp "$src/libonnxruntime_providers_cuda.so" "$bin/"
else
  variant=sm${keep//,/-}
  node dist/bench/device/fatbin.js trim --keep "$keep" "$src/libonnxruntime_providers_cuda.so" "$bin/libonnxruntime_providers_cuda.so"
fi
{
  echo "onnxruntime-node $ORT_VERSION with libonnxruntime_providers_{shared,cuda}.so from $GPU_PKG $GPU_VERSION"
  echo "variant: $variant"
  (cd "$cache" && sha256sum onnxruntime-node-$ORT_VERSION.tgz onnxruntime-common-$ORT_VERSION.tgz $GPU_PKG-$GPU_VERSION.tgz)
  echo "untouched provider: $(sha256sum "$src/libonnxruntime_providers_cuda.so" | cut -d' ' -f1)"
  echo "packed provider:    $(sha256sum "$bin/libonnxruntime_providers_cuda.so" | cut -d' ' -f1)"
} > "$work/bundle/BUNDLE.txt"

bundle=cuda-$variant.tar.xz
# Fixed order, owners and times: the same inputs give the same bytes, so a manifest stays valid.
start=$(date +%s%N)
tar -C "$work/bundle" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | xz -9e -T1 > "$work/$bundle"
secs=$((($(date +%s%N) - start) / 1000000000))
rm -rf "$out" && mkdir -p "$out"
split -b "${chunk_mib}M" -d -a 2 --additional-suffix= "$work/$bundle" "$out/$bundle.part"
# split numbers from 00; cuda-remote.sh only needs the names to sort in order.
(cd "$out" && sha256sum "$bundle".part* > manifest.sha256)
(cd "$work" && sha256sum "$bundle" >> "$out/manifest.sha256")
cp "$work/bundle/BUNDLE.txt" "$out/BUNDLE.txt"
nparts=$(ls "$out/$bundle".part* | wc -l)
printf 'packed %s: provider %s bytes, bundle %s bytes (xz -9e -T1, %s s), %s chunk(s) of at most %s MiB in %s\n' \
  "$variant" "$(stat -c %s "$bin/libonnxruntime_providers_cuda.so")" "$(stat -c %s "$work/$bundle")" "$secs" "$nparts" "$chunk_mib" "$out"
ls -l "$out"

# Verify: the chunks unpack, through the very script the GPU machine runs, to the files packed, and
# the unpacked package loads on the CPU as far as this machine allows.
bash "$here/cuda-remote.sh" --chunks "$out" --stage "$work/stage" --unpack-only "$work/check" >/dev/null
diff -r "$work/bundle" "$work/check" >/dev/null || fail "the chunks in $out do not unpack to what was packed"
check=$(node dist/bench/device/cuda-load-check.js "$work/check/onnxruntime-node" 2>&1) || fail "load check failed: $check"
echo "load check: $check"
if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1; then
  grep -q '"cuda":{"ok":true' <<<"$check" || fail "the CUDA provider did not run on this GPU machine"
else
  # No GPU here: the provider must load and get as far as its first CUDA library.
  grep -q 'libcublasLt.so.13' <<<"$check" || fail "expected the CUDA provider to stop at libcublasLt.so.13 without CUDA; got: $check"
  echo "ok: the provider loads here up to libcublasLt.so.13 (no CUDA on this machine)"
fi
