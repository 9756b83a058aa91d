#!/usr/bin/env bash
# Builds bench/gpu/pack/ (gitignored), everything bench/gpu/run.sh needs on a GPU server that
# has no network, no Node and no Vulkan loader: this machine's Node binary and node-webgpu's
# dawn.node (both xz-compressed), the benchmark bundled into one .mjs, and the Vulkan loader
# with the libraries NVIDIA's Vulkan driver loads (Debian packages, unpacked). The models and
# scripts/torch_ref.py come with the working tree. Prints the packed size; fails when the pack
# and the tracked tree together are not under 64 MiB (what one call may send).
#
#   bash bench/gpu/pack.sh          (from anywhere; needs npm ci done, xz, apt-get or the libs installed)
set -euo pipefail
cd "$(dirname "$0")/../.."
PACK=bench/gpu/pack
LIMIT=$((64 * 1024 * 1024))
# The Vulkan loader, and what NVIDIA's ICD (libGLX_nvidia) needs from glvnd and X11 client libraries.
DEBS=(libvulkan1 libglvnd0 libx11-6 libx11-data libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0)

rm -rf "$PACK"
mkdir -p "$PACK/lib" "$PACK/webgpu"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

echo "1/4 bundling scripts/bench.ts into $PACK/bench.mjs"
# webgpu stays external (it loads dawn.node next to itself); vite and Playwright are only
# imported for chromium envs, which the GPU run does not use.
npx esbuild scripts/bench.ts --bundle --platform=node --format=esm --target=node20 --minify \
  --external:webgpu --external:vite --external:@playwright/test --external:node-fetch \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" \
  --log-level=warning --outfile="$PACK/bench.mjs"

echo "2/4 node $(node --version) and dawn.node (xz)"
xz -T0 -6 -c "$(command -v node)" > "$PACK/node.xz"
node --version > "$PACK/node.version"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$PACK/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$PACK/webgpu/dawn.node.xz"

echo "3/4 Vulkan loader and NVIDIA ICD dependencies (${DEBS[*]})"
if (cd "$stage" && apt-get download "${DEBS[@]}" >/dev/null 2>&1); then
  for d in "$stage"/*.deb; do dpkg-deb -x "$d" "$stage/root"; done
  libdir="$stage/root/usr/lib/x86_64-linux-gnu"
  echo "   from Debian packages: $(cd "$stage" && ls ./*.deb | xargs -n1 basename | tr '\n' ' ')"
else
  echo "   apt-get download failed (no package lists? run apt-get update); copying this machine's libraries"
  libdir=/usr/lib/x86_64-linux-gnu
fi
for so in libvulkan.so.1 libGLdispatch.so.0 libX11.so.6 libXext.so.6 libxcb.so.1 libXau.so.6 libXdmcp.so.6 libbsd.so.0 libmd.so.0; do
  if [ -e "$libdir/$so" ]; then cp -L "$libdir/$so" "$PACK/lib/$so"; else echo "   missing: $so" >&2; exit 1; fi
done

echo "4/4 sizes"
pack_bytes=$(du -sb "$PACK" | cut -f1)
tree_bytes=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
du -b "$PACK"/* "$PACK"/webgpu/* "$PACK"/lib/* | sort -n | awk '{ printf "   %8.1f KiB  %s\n", $1 / 1024, $2 }'
echo "pack: $(mib "$pack_bytes"); tracked tree: $(mib "$tree_bytes"); together: $(mib $((pack_bytes + tree_bytes))) (limit 64 MiB)"
if [ $((pack_bytes + tree_bytes)) -ge $LIMIT ]; then
  echo "too large for one call" >&2
  exit 1
fi
