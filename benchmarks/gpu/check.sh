#!/usr/bin/env bash
# The prepared GPU check of issue 7 (webgpu), one script for one device call. See README.md here.
#
#   bash .device/run.sh benchmarks/gpu/check.sh            # every step, in order
#   bash .device/run.sh benchmarks/gpu/check.sh perf smoke-webgpu-w4   # only the named steps
#
# Steps (cheap and decisive first; each with its own timeout, the script goes on after a failure):
#   doctor           naspoison doctor (adapter, limits)
#   gradients        harness/engine/webgpu-gradients.test.ts: NB201 net/supernet and each op, webgpu vs cpu
#   kernels          benchmarks/gpu/dw-bench.ts: replaced kernels against tfjs-webgpu's originals
#   perf             benchmarks/perf/train-step.bench.ts --backend webgpu (ratio table vs PyTorch)
#   smoke-webgpu-w1  naspoison run --tier smoke --backend webgpu, NASPOISON_WORKERS=1
#   smoke-webgpu-w4  the same with NASPOISON_WORKERS=4
#   smoke-wasm-w16   the same on --backend wasm with NASPOISON_WORKERS=16 (the CPU comparison)
# Then every log is searched for Dawn validation messages; any makes the script exit 1.
#
# Everything goes under $OUT (the device call's output folder; ./gpu-check-out elsewhere):
# <step>.log per step, summary.txt (one line per step), runs.jsonl (trials/hour), kernels.json,
# dawn-messages.txt, reports/ (the smoke runs' reports), and the stores of the smoke runs.
# CHECK_BUDGET_S (default 540) bounds the whole script: a step gets at most what is left, and a step
# that would get under 20 s is skipped (a device command may run 600 s).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
OUT=${OUT:-$root/gpu-check-out}
mkdir -p "$OUT"
export NO_COLOR=1 FORCE_COLOR=0
BUDGET_S=${CHECK_BUDGET_S:-540}
START=$(date +%s)
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
TSX=(node node_modules/tsx/dist/cli.mjs)

say() { echo "$*" | tee -a "$SUMMARY"; }
elapsed() { echo $(( $(date +%s) - START )); }

# run_step NAME CAP_SECONDS COMMAND...: runs COMMAND with a timeout into $OUT/NAME.log; sets STEP_RC
# and STEP_SECONDS. GNU timeout signals COMMAND's whole process group, so trial workers die with it.
run_step() {
  local name=$1 cap=$2; shift 2
  local left=$(( BUDGET_S - $(elapsed) ))
  STEP_RC=skipped; STEP_SECONDS=0
  if (( left < 20 )); then say "SKIP $name: the check's budget (${BUDGET_S} s) is spent"; return; fi
  local limit=$(( cap < left ? cap : left ))
  echo "=== $name (timeout ${limit} s, at $(elapsed) s)"
  local t0; t0=$(date +%s%N)
  timeout -k 10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  STEP_RC=$?
  STEP_SECONDS=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.1f", ns / 1e9 }')
  local verdict=ok
  if (( STEP_RC == 124 || STEP_RC == 137 )); then verdict="TIMED OUT after ${limit} s"; elif (( STEP_RC != 0 )); then verdict="FAILED (exit $STEP_RC)"; fi
  say "STEP $name: $verdict, $(printf '%.0f' "$STEP_SECONDS") s"
}

wanted() { (( ${#STEPS[@]} == 0 )) && return 0; local s; for s in "${STEPS[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
STEPS=("$@")

echo "naspoison GPU check at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), budget ${BUDGET_S} s, logs in $OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /'

if wanted doctor; then
  run_step doctor 45 node bin/naspoison.mjs doctor
  cat "$OUT/doctor.log"
fi

if wanted gradients; then
  run_step gradients 150 env NASPOISON_GRADIENT_CHECK_BACKEND=webgpu node node_modules/vitest/vitest.mjs run --project unit harness/engine/webgpu-gradients.test.ts
  # One line per network and per op with its relative errors, vitest's counts, the first failures.
  grep -E 'webgpu-vs-cpu|Tests ' "$OUT/gradients.log" | sed 's/^[[:space:]]*//' | head -40
  grep -E -A1 '^ *FAIL ' "$OUT/gradients.log" | grep -v '^--$' | head -12
fi

if wanted kernels; then
  run_step kernels 75 "${TSX[@]}" benchmarks/gpu/dw-bench.ts --json "$OUT/kernels.json"
  grep -E '^\{|benchmark on|Error' "$OUT/kernels.log" | head -20
fi

if wanted perf; then
  run_step perf 150 "${TSX[@]}" benchmarks/perf/train-step.bench.ts --backend webgpu
  tail -n 30 "$OUT/perf.log"
fi

# smoke NAME BACKEND WORKERS CAP: a smoke run into its own store (no cached trials), then its trials/hour.
smoke() {
  local name=$1 backend=$2 workers=$3 cap=$4
  rm -f "$OUT/$name.sqlite"*
  run_step "$name" "$cap" env NASPOISON_WORKERS="$workers" node bin/naspoison.mjs run --tier smoke --backend "$backend" \
    --store "$OUT/$name.sqlite" --out "$OUT/reports" --run-id "$name"
  if [[ $STEP_RC != skipped ]]; then
    # The CLI's own last lines: the assertions summary with its duration, and the report's path.
    grep -E 'report:|passed|failed|underpowered|Error' "$OUT/$name.log" | tail -n 6
    timeout 60 "${TSX[@]}" benchmarks/gpu/run-stats.ts --store "$OUT/$name.sqlite" --seconds "$STEP_SECONDS" --label "$name" \
      --exit-code "$STEP_RC" --jsonl "$OUT/runs.jsonl" 2>&1 | tee -a "$SUMMARY"
  fi
}
wanted smoke-webgpu-w1 && smoke smoke-webgpu-w1 webgpu 1 180
wanted smoke-webgpu-w4 && smoke smoke-webgpu-w4 webgpu 4 150
wanted smoke-wasm-w16 && smoke smoke-wasm-w16 wasm 16 100

# Dawn prints "validation:" / "out of memory:" blocks on stderr; naspoison's DeviceError says "WebGPU
# device reported". Any of them in any log means some kernel computed garbage.
echo "=== Dawn validation messages"
if grep -n -E '^(validation|out of memory|internal):|GPUValidationError|WebGPU device reported' "$OUT"/*.log > "$OUT/dawn-messages.txt" 2>/dev/null; then
  say "FAIL: $(wc -l < "$OUT/dawn-messages.txt") Dawn validation/device-error lines (first ones below; all in dawn-messages.txt)"
  head -n 15 "$OUT/dawn-messages.txt"
  DAWN_FAILED=1
else
  say "no Dawn validation message in any log"
  DAWN_FAILED=0
fi

echo "=== summary ($(elapsed) s)"
cat "$SUMMARY"
exit "$DAWN_FAILED"
