#!/usr/bin/env bash
# Runs on the GPU machine. Puts onnxruntime-node 1.29.0 with its CUDA provider (the bundle
# bench/device/cuda-pack.sh splits into chunks under .device-cuda/) into the project that
# bench/device/remote.sh unpacks, then runs a command there on the CUDA provider.
#
# One command may carry at most 64 MiB, so a bundle of several chunks rides on consecutive commands.
# Each call first copies the chunks it finds in --chunks into --stage, a folder outside the working
# tree that lives as long as the machine is kept warm (30 s after a command), and checks each one's
# sha256 at once, so a damaged carry shows up on the command that carried it. A call without a
# command stops there. The call with a command needs every chunk staged: it joins them, checks the
# whole bundle's sha256, unpacks it and runs.
#
# Usage (from the project root on the GPU machine; .device/ from bench/device/pack.sh carried earlier):
#   bash bench/device/cuda-remote.sh                  stage the chunks carried this time, run nothing
#   bash bench/device/cuda-remote.sh -- 'CMD'         stage, unpack, swap onnxruntime-node 1.29.0 into the
#                                                     project, run the CUDA load check and bench doctor, then CMD
#   bash bench/device/cuda-remote.sh --unpack-only DIR   stage and unpack into DIR only (tests, cuda-pack.sh)
# Options: --chunks DIR (default .device-cuda), --stage DIR (default $H100E_CUDA_DIR/stage).
# Environment: H100E_CUDA_DIR (default /tmp/h100e-cuda: stage, unpacked bundle), H100E_APP (default
# /tmp/h100e-app, where remote.sh unpacks the project), H100E_NVIDIA_LIBS (the CUDA library folders,
# instead of looking them up): the defaults are the GPU machine's; a dry run elsewhere changes them.
# Bad input (a missing or damaged chunk, a bad flag) is one `error:` line and exit 2.
set -euo pipefail

fail() {
  echo "error: $*" >&2
  exit 2
}
root=$(cd "$(dirname "$0")/../.." && pwd)
chunks=.device-cuda
base=${H100E_CUDA_DIR:-/tmp/h100e-cuda}
app=${H100E_APP:-/tmp/h100e-app}
stage=$base/stage
unpack_only=
while [ $# -gt 0 ]; do
  case $1 in
    --chunks) [ $# -ge 2 ] || fail "--chunks needs a folder"; chunks=$2; shift 2 ;;
    --stage) [ $# -ge 2 ] || fail "--stage needs a folder"; stage=$2; shift 2 ;;
    --unpack-only) [ $# -ge 2 ] || fail "--unpack-only needs a folder"; unpack_only=$2; shift 2 ;;
    --) shift; break ;;
    *) fail "unknown option '$1' (usage: cuda-remote.sh [--chunks DIR] [--stage DIR] [--unpack-only DIR | -- 'CMD'])" ;;
  esac
done
command_line="$*"
[ -n "$unpack_only" ] && [ -n "$command_line" ] && fail "--unpack-only and a command exclude each other"

manifest_name=manifest.sha256
mkdir -p "$stage"
# The manifest rides with every chunk; the newest one wins, and a chunk staged under an older manifest
# fails its check below instead of being joined silently.
if [ -f "$chunks/$manifest_name" ]; then
  cp "$chunks/$manifest_name" "$stage/$manifest_name"
elif [ ! -f "$stage/$manifest_name" ]; then
  fail "no $manifest_name in $chunks or $stage: carry .device-cuda/$manifest_name (made by bench/device/cuda-pack.sh)"
fi
manifest=$stage/$manifest_name
# Manifest lines: "<sha256>  <name>" (sha256sum's format); parts are <bundle>.partNN, the bundle line
# is the joined file.
mapfile -t parts < <(awk '$2 ~ /\.part[0-9]+$/ {print $2}' "$manifest")
bundle=$(awk '$2 !~ /\.part[0-9]+$/ && $2 ~ /\.tar\.xz$/ {print $2; exit}' "$manifest")
[ ${#parts[@]} -gt 0 ] && [ -n "$bundle" ] || fail "$manifest: no parts or no bundle line"
expected() { awk -v n="$1" '$2 == n {print $1; exit}' "$manifest"; }
check() { # file name
  local got want
  want=$(expected "$2")
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$want" ] || fail "sha256 mismatch for $2: got $got, $manifest_name says $want"
}

arrived=()
for p in "${parts[@]}"; do
  if [ -f "$chunks/$p" ]; then
    check "$chunks/$p" "$p"
    [ "$(readlink -f "$chunks/$p")" = "$(readlink -f "$stage/$p" 2>/dev/null || true)" ] || cp "$chunks/$p" "$stage/$p"
    arrived+=("$p")
  fi
done
missing=()
for p in "${parts[@]}"; do [ -f "$stage/$p" ] || missing+=("$p"); done
echo "cuda chunks: ${#arrived[@]} arrived now (${arrived[*]:-none}), $((${#parts[@]} - ${#missing[@]})) of ${#parts[@]} staged in $stage"
if [ -z "$unpack_only" ] && [ -z "$command_line" ]; then
  exit 0
fi
[ ${#missing[@]} -eq 0 ] || fail "missing chunk ${missing[*]} of $bundle (${#parts[@]} parts): carry it on an earlier command while the machine is warm, or rerun from the first chunk"

for p in "${parts[@]}"; do check "$stage/$p" "$p"; done
for p in "${parts[@]}"; do cat "$stage/$p"; done > "$stage/$bundle"
check "$stage/$bundle" "$bundle"
dest=${unpack_only:-$base/ort}
rm -rf "$dest" && mkdir -p "$dest"
xz -dc "$stage/$bundle" | tar -C "$dest" -xf -
rm -f "$stage/$bundle"
echo "unpacked $bundle into $dest"
[ -z "$unpack_only" ] || exit 0

# --- on the GPU machine from here ---
ort=$dest/onnxruntime-node
[ -f "$ort/package.json" ] || fail "$bundle has no onnxruntime-node/ folder"
[ -f "$root/.device/remote.sh" ] || fail "no .device/remote.sh: carry .device (bench/device/pack.sh) on an earlier command"
# The provider has no RUNPATH: CUDA 13's cuBLAS, cuRAND, cudart, cuFFT and cuDNN come from the
# machine's pip nvidia-* packages (PyTorch's), found through Python or, failing that, a glob.
if [ -z "${H100E_NVIDIA_LIBS:-}" ]; then
  H100E_NVIDIA_LIBS=$(python3 - <<'EOF' 2>/dev/null || true
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except Exception:
    roots = []
dirs = sorted({d for r in roots for d in glob.glob(os.path.join(r, '*', 'lib'))})
print(':'.join(dirs))
EOF
)
fi
if [ -z "$H100E_NVIDIA_LIBS" ]; then
  H100E_NVIDIA_LIBS=$(ls -d /usr/local/lib/python3*/{site,dist}-packages/nvidia/*/lib /usr/lib/python3*/{site,dist}-packages/nvidia/*/lib 2>/dev/null | paste -sd: || true)
fi
[ -n "$H100E_NVIDIA_LIBS" ] || echo "warning: no Python nvidia/*/lib folders found; the CUDA libraries must be on the loader path already" >&2
export LD_LIBRARY_PATH=$H100E_NVIDIA_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
# remote.sh unpacks the project (with onnxruntime-node 1.30.0) into $app on every call, so
# the swap to 1.29.0 (the version of the CUDA provider) happens inside the same call, after it.
cat > "$base/use-ort.sh" <<EOF
set -e
rm -rf "$app/node_modules/onnxruntime-node"
cp -a "$ort" "$app/node_modules/onnxruntime-node"
echo "onnxruntime-node \$(node -p 'require("$app/node_modules/onnxruntime-node/package.json").version') with \$(ls "$app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64" | tr '\n' ' ')"
# The probe model on the CPU and on CUDA straight through the binding: one JSON line that does not
# depend on bench doctor's library checks.
node dist/bench/device/cuda-load-check.js node_modules/onnxruntime-node || true
node dist/src/cli.js doctor || true
EOF
cd "$root"
bash .device/remote.sh "bash '$base/use-ort.sh' && $command_line"
