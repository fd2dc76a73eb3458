#!/usr/bin/env bash
# The first figures from a real GPU, in one command: the WebGPU adapter Dawn finds, the golden suite
# on the webgpu backend, and the benchmark's webgpu rows (against HF PEFT with --peer where its venv
# exists). Run it from the repository on a machine with a GPU (Metal, Direct3D 12 or Vulkan driver):
#   bash scripts/gpu-check.sh            # everything is also written to gpu-check-<time>.log
# It stops when Dawn finds only a software adapter (SwiftShader, lavapipe, WARP): its figures are no
# GPU's. GPU_CHECK_ALLOW_SOFTWARE=1 runs anyway (how it was tried without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
log="gpu-check-$(date +%Y%m%dT%H%M%S).log"
exec > >(tee "$log") 2>&1
[ -d node_modules/webgpu ] && [ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || npm ci --no-audit --no-fund
npm run build >/dev/null

echo "== the adapter (prompt-tune backend check --backend webgpu)"
check="$(node dist/cli.js backend check --backend webgpu --json)"
node -e '
const c = JSON.parse(process.argv[1]);
const a = c.adapter;
console.log(`adapter: ${a.vendor} ${a.architecture} | device: ${a.device || "-"} | ${a.description || "-"} | software: ${a.software}`);
console.log(`limits: ${Object.entries(a.limits).map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`matmul ${c.matmul}: ${c.gflops.toFixed(1)} GFLOP/s (read back after each product); backend loaded in ${c.loadSeconds.toFixed(2)} s`);
if (a.software && process.env.GPU_CHECK_ALLOW_SOFTWARE !== "1") {
  console.error("gpu-check: Dawn found only a software adapter: no GPU figures to be had here (GPU_CHECK_ALLOW_SOFTWARE=1 runs anyway).");
  process.exit(3);
}' "$check"
echo "== node $(node --version), $(uname -sm); $(node -e 'const os=require("os");console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem()/2**30)} GiB`)')"

echo
echo "== golden suite on webgpu (PROMPT_TUNER_GOLDEN_BACKENDS=webgpu npm run test:golden)"
golden=0
PROMPT_TUNER_GOLDEN_BACKENDS=webgpu npm run test:golden || golden=$?
echo "== golden errors per case:"
grep -E '^# \[webgpu\]' "$log" || true

echo
venv="${PROMPT_TUNER_PEER_VENV:-$HOME/.cache/prompt-tuner/peft-venv}"
peer=()
if [ -x "$venv/bin/python" ] || [ -x "$venv/Scripts/python.exe" ]; then peer=(--peer --peer-venv "$venv"); fi
echo "== npm run bench -- --backend webgpu ${peer[*]}"
bench=0
npm run bench -- --backend webgpu ${peer[@]+"${peer[@]}"} || bench=$?

echo
echo "gpu-check: golden $([ "$golden" = 0 ] && echo passed || echo "FAILED ($golden)"), bench $([ "$bench" = 0 ] && echo ran || echo "FAILED ($bench)"); the whole output is in $log"
[ "$golden" = 0 ] && [ "$bench" = 0 ]
