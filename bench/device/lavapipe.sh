#!/usr/bin/env bash
# Unpacks a private software Vulkan driver (Mesa's lavapipe, which runs on the CPU) and the Vulkan
# loader into DIR (default .vulkan/, git-ignored), so that onnxruntime-node's WebGPU provider really
# runs on a machine without a GPU: the tests use it to check the WebGPU path end to end. Figures
# measured on it are CPU figures, and h100e labels them so.
#
# Why not `apt-get install mesa-vulkan-drivers`: Debian 12's Mesa 22.3 lavapipe lacks features Dawn
# requires ("shaderUniform*ArrayDynamicIndexing"), so the adapter is refused. bookworm-backports has
# Mesa 25, built for Debian 12's libraries. Nothing is installed system-wide; root is not needed.
#
# Usage: bash bench/device/lavapipe.sh [DIR]
#   then: source DIR/env.sh   (sets LD_LIBRARY_PATH and VK_ICD_FILENAMES)
# Needs: Debian 12 (bookworm) with apt and curl, and network access to deb.debian.org.
set -euo pipefail
dir=$(realpath -m "${1:-.vulkan}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
libdir="$dir/root/usr/lib/x86_64-linux-gnu"

if [ "$(uname -m)" != x86_64 ]; then
  echo "lavapipe.sh: only x86_64 is supported (this is $(uname -m))" >&2
  exit 2
fi
if [ -f "$dir/env.sh" ] && [ -f "$libdir/libvulkan_lvp.so" ]; then
  echo "lavapipe already unpacked in $dir; use: source $dir/env.sh"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The Filename of PACKAGE in SUITE's package index (main, amd64).
deb_path() {
  # Fetched to a file first: awk stops at the first match, which would break a curl | xz pipe.
  curl -fsS --max-time 300 -o "$work/$1.Packages.xz" "$mirror/dists/$1/main/binary-amd64/Packages.xz"
  xz -dc "$work/$1.Packages.xz" >"$work/$1.Packages"
  awk -v p="$2" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Filename:" { print $2; exit }' "$work/$1.Packages"
}

mkdir -p "$dir/root"
for spec in bookworm-backports:mesa-vulkan-drivers bookworm:libvulkan1; do
  suite=${spec%%:*}
  pkg=${spec#*:}
  path=$(deb_path "$suite" "$pkg")
  if [ -z "$path" ]; then
    echo "lavapipe.sh: $pkg not found in $mirror $suite" >&2
    exit 1
  fi
  echo "fetching $mirror/$path"
  curl -fsS --max-time 300 -o "$work/$pkg.deb" "$mirror/$path"
  dpkg-deb -x "$work/$pkg.deb" "$dir/root"
done

# Only lavapipe is wanted; the other Mesa drivers need GPUs and newer libdrm than Debian 12 has.
missing=$(LD_LIBRARY_PATH="$libdir" ldd "$libdir/libvulkan_lvp.so" | awk '/not found/ { print $1 }')
if [ -n "$missing" ]; then
  echo "lavapipe.sh: libvulkan_lvp.so needs libraries this system lacks: $missing (Debian: apt-get install libllvm15 libdrm2)" >&2
  exit 1
fi
cat >"$dir/lvp_icd.json" <<EOF
{ "file_format_version": "1.0.0", "ICD": { "library_path": "$libdir/libvulkan_lvp.so", "api_version": "1.3.0" } }
EOF
cat >"$dir/env.sh" <<EOF
# Software Vulkan (lavapipe) for WebGPU tests: made by bench/device/lavapipe.sh
export LD_LIBRARY_PATH="$libdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export VK_ICD_FILENAMES="$dir/lvp_icd.json"
EOF
echo "lavapipe unpacked in $dir; use: source $dir/env.sh"
