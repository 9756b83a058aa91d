#!/usr/bin/env bash
# The GPU benchmark in one call, on a GPU server without network, Node or Vulkan loader: run
# from the repo root after bench/gpu/pack.sh has built bench/gpu/pack/ (carried with the tree).
# Unpacks Node, dawn.node and the Vulkan libraries the server lacks into /tmp, samples GPU
# memory with nvidia-smi, and runs the bundled benchmark on node-webgpu (the hardware adapter)
# and the same step in the server's PyTorch on CUDA: the tiny model and MobileNetV2 (the
# shipped folders with their trained weights) at 224, 192 and 384 px, batch 8 and 16.
# Writes bench/results-gpu.json and bench/results-gpu.log, and copies both to $OUT when set.
#
#   bash bench/gpu/run.sh
#   CAMSTEER_GPU_ARGS="--model models/tiny --size 64 --batch 2 --steps 2" bash bench/gpu/run.sh   (a quick check)
#   CAMSTEER_PACK_LIBS=all: use the pack's libraries even where the system has them (a check here)
set -uo pipefail
cd "$(dirname "$0")/../.."
PACK=bench/gpu/pack
RT=${CAMSTEER_GPU_RUNTIME:-/tmp/camsteer-gpu}
RESULTS=bench/results-gpu.json
LOG=bench/results-gpu.log
# The whole run stays under 8 minutes: no row starts after 390 s, and the run is stopped at 460 s.
DEADLINE_S=390
HARD_LIMIT_S=460
ARGS=${CAMSTEER_GPU_ARGS:---model mobilenetv2,models/tiny --size 224,192,384 --batch 8,16 --steps 10 --warmup 2}

[ -f "$PACK/bench.mjs" ] || { echo "no $PACK/bench.mjs: run bash bench/gpu/pack.sh first (and carry $PACK)" >&2; exit 1; }
exec > >(tee "$LOG") 2>&1
echo "== camsteer GPU benchmark $(date -u +%FT%TZ) on $(hostname)"

unxz_to() { # file.xz -> file, with xz or, where it is missing, Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
rm -rf "$RT" && mkdir -p "$RT/lib" "$RT/node_modules/webgpu/dist/linux-x64"
unxz_to "$PACK/node.xz" "$RT/node" && chmod +x "$RT/node"
cp "$PACK/webgpu/package.json" "$PACK/webgpu/index.js" "$RT/node_modules/webgpu/"
unxz_to "$PACK/webgpu/dawn.node.xz" "$RT/node_modules/webgpu/dist/linux-x64/dawn.node"
cp "$PACK/bench.mjs" "$RT/bench.mjs"   # beside node_modules/, so import('webgpu') finds it
for f in "$PACK"/lib/*; do
  so=$(basename "$f")
  if [ "${CAMSTEER_PACK_LIBS:-}" = all ] || ! ldconfig -p | grep -q "^[[:space:]]*$so "; then cp "$f" "$RT/lib/"; fi
done
export LD_LIBRARY_PATH="$RT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "node $("$RT/node" --version); libraries from the pack: $(ls "$RT/lib" | tr '\n' ' ')"

# NVIDIA's Vulkan driver manifest: where the loader looks by default, else the driver's mount.
if ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; echo "Vulkan driver: $icd"; break; fi
  done
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -1

TORCH=cuda
python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null || TORCH=cpu
GPUMEM=""
command -v nvidia-smi >/dev/null && GPUMEM=--gpu-memory
# shellcheck disable=SC2086
CAMSTEER_ROOT="$PWD" timeout -k 10 "$HARD_LIMIT_S" "$RT/node" "$RT/bench.mjs" --env node-webgpu $ARGS \
  --torch-device "$TORCH" --torch-threads 0 $GPUMEM --deadline "$DEADLINE_S" --cold-start 0 --out "$RESULTS"
rc=$?
echo "== exit $rc"
if [ -n "${OUT:-}" ]; then cp "$RESULTS" "$LOG" "$OUT/" 2>/dev/null; fi
exit $rc
