#!/usr/bin/env bash
# Packs what a GPU machine without Node needs into .device/ (git-ignored) in the project root:
#   node.xz      this machine's Node binary, xz-compressed (~24 MB)
#   app.tar.xz   the built project with production node_modules (onnxruntime-node's .so packs to ~13 MB)
#   *.deb        Debian's libvulkan1 (the loader the WebGPU provider needs) and the GL dispatch libraries
#                (libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2): on the H200 machine of 2026-11-30
#                NVIDIA's Vulkan driver offered Dawn no adapter ("No supported adapters") with the loader
#                alone, and the H200 with these beside it (results/reference/campaign-2026-11-30/)
#   remote.sh    the script that unpacks all this there and runs a command
# Usage, from the project root, after `npm ci` and your build:  bash bench/device/pack.sh
# Project copy of ../shared/device/pack.sh, changed to fit the 64 MiB carry limit (the shared one packs
# 69 MB here): TensorFlow.js (@tensorflow/*, core-js, seedrandom, ~250 MB unpacked) and source maps are
# left out. The GPU machine has no tfjs-node-gpu, so tfjs would only measure its CPU there; with these
# removed, `--engine tfjs` says the package is missing instead.
# Then call the GPU machine with carry [".device"] and a command such as:
#   bash .device/remote.sh 'node dist/cli.js doctor && node dist/cli.js --device webgpu --out $OUT/r.json'
set -euo pipefail
root=$(git rev-parse --show-toplevel); cd "$root"
# /.device/ is in .gitignore; nothing is written to .git/ (in a git worktree that is a file, and the
# repository behind it is shared by every worktree).
mkdir -p .device
here=$(dirname "$(readlink -f "$0")")
cp "$here/remote.sh" .device/remote.sh
nodebin=$(readlink -f "$(command -v node)")
if [ ! -f .device/node.xz ] || [ "$(cat .device/node.version 2>/dev/null)" != "$(node --version)" ]; then
  xz -T0 -6 -c "$nodebin" > .device/node.xz; node --version > .device/node.version
fi
# Production dependencies only, in a scratch copy, so the working node_modules stays as it is.
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
git ls-files -z --cached --others --exclude-standard | grep -zv '^\.device/' | xargs -0 -I{} cp --parents {} "$stage/" 2>/dev/null || true
for d in dist build lib; do [ -d "$d" ] && cp -r "$d" "$stage/"; done
cp -r node_modules "$stage/" && (cd "$stage" && npm prune --omit=dev --no-audit --no-fund >/dev/null 2>&1 || true)
# Not needed on the GPU machine (see the header): TensorFlow.js and source maps.
rm -rf "$stage/node_modules/@tensorflow" "$stage/node_modules/core-js" "$stage/node_modules/seedrandom"
find "$stage" -name '*.map' -type f -delete
# Native binaries for other platforms (onnxruntime-node ships darwin, win32 and linux/arm64 too): the GPU
# machine is linux/x64.
find "$stage/node_modules" -type d \( -path '*/bin/napi-v*/darwin' -o -path '*/bin/napi-v*/win32' -o -path '*/bin/napi-v*/linux/arm64' \) -prune -exec rm -rf {} + 2>/dev/null || true
tar -C "$stage" -cf - . | xz -T0 -6 > .device/app.tar.xz
for pkg in libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2; do
  if ! ls .device/${pkg}_*.deb >/dev/null 2>&1; then
    (cd .device && apt-get download "$pkg" >/dev/null 2>&1) || echo "warning: could not download $pkg (run apt-get update first)" >&2
  fi
done
du -ch .device/node.xz .device/app.tar.xz .device/*.deb 2>/dev/null | tail -1 | awk '{print "carry size: " $1 " (limit 64 MiB with the working tree)"}'
