/**
 * Benchmark: one full SGD training step (forward, backward, update; loss read asynchronously) per
 * case, timed with tinybench on naspoison's backend, then the same steps in PyTorch
 * (benchmarks/perf/torch_peer.py) in the same run, and the ratio naspoison / PyTorch per step.
 *
 *   npm run bench:perf -- [--backend cpu|wasm|webgpu|tensorflow] [--cases small|paper|all|a,b]
 *                         [--time 3000] [--paper-iterations 3] [--threads 1] [--gradients tfjs|lean]
 *                         [--no-peer] [--json out.json]
 *
 * Cases (steps.ts): three-conv, nb201-network, nb201-supernet (default, `small`), and the paper-scale
 * paper-evaluation (NB201 network C=16 N=5 32×32×3, batch 256) and paper-search (supernet, batch
 * 64), opt-in with `--cases paper` or `all`: seconds per step on a CPU, so they run
 * `--paper-iterations` timed steps after one warm-up. Before its first step each case's memory is
 * checked; on wasm a step that cannot fit the 4 GiB heap prints the StepMemoryError (what it needs,
 * what can run it) instead of aborting the process.
 *
 * The PyTorch peer is found by itself (benchmarks/perf/peer.ts): any python3/python on PATH, then
 * /usr/bin/python3, that imports torch — with CUDA on a GPU backend (webgpu, tensorflow), timed with
 * torch.cuda.synchronize; on the CPU with `--threads` threads (1, like wasm) otherwise.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { StepMemoryError, formatBytes, installWasmHeapGuard } from '../../harness/engine/memory-budget.js';
import { runPeer, type PeerResult } from './peer.js';
import { BENCH_GENOTYPE, STEP_CASES, buildStepCase, parseCases, type GradientsChoice, type StepCase, type StepCaseName } from './steps.js';

/** naspoison ÷ PyTorch targets on CPU backends (wasm vs PyTorch CPU, 1 thread; PROFILE.md). */
const CPU_TARGETS: Partial<Record<StepCaseName, number>> = { 'three-conv': 2.5, 'nb201-network': 2.5, 'nb201-supernet': 3.5 };
/** Issue 7's targets on a GPU backend against PyTorch CUDA: ≤ 3× at paper scale, ≤ 4× for the small steps. */
const GPU_TARGETS: Record<StepCaseName, number> = { 'three-conv': 4, 'nb201-network': 4, 'nb201-supernet': 4, 'paper-evaluation': 3, 'paper-search': 3 };

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    cases: { type: 'string', default: 'small' },
    time: { type: 'string', default: '3000' },
    'paper-iterations': { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
    gradients: { type: 'string', default: 'tfjs' },
    'no-peer': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${value}"`);
  return n;
}

const caseNames = parseCases(values.cases);
const paperIterations = positiveInt(values['paper-iterations'], '--paper-iterations');
const threads = positiveInt(values.threads, '--threads');
if (values.gradients !== 'tfjs' && values.gradients !== 'lean') throw new Error(`--gradients: expected tfjs or lean, got "${values.gradients}"`);
const gradients: GradientsChoice = values.gradients;

const backend = await initBackend(values.backend === undefined ? undefined : parseBackendChoice(values.backend));
// A wasm allocation that does not fit then throws a clear error instead of corrupting the heap.
installWasmHeapGuard();
const onGpu = backend.name === 'webgpu' || backend.name === 'tensorflow';
console.log(`naspoison step benchmark on ${backend.name} (${backend.detail}); tfjs ${tf.version.tfjs}; gradients: ${gradients}`);

type CaseOutcome =
  | { name: StepCaseName; state: 'timed'; ms: number; rmePercent: number; samples: number; loss: number; memory: string }
  | { name: StepCaseName; state: 'does-not-fit' | 'failed'; message: string };

async function timeCase(c: StepCase): Promise<CaseOutcome> {
  const paper = c.spec.paperScale;
  // Paper-scale steps take seconds on a CPU: a fixed small count instead of a time budget.
  const bench = new Bench(
    paper ? { time: 0, iterations: paperIterations, warmupIterations: 1, warmupTime: 0 } : { time: Number(values.time), iterations: 10, warmupIterations: 3 },
  );
  let loss = NaN;
  bench.add(c.name, async () => {
    loss = await c.run();
  });
  await bench.run();
  const result = bench.getTask(c.name)?.result;
  if (result === undefined || result.state !== 'completed') {
    const message = result !== undefined && result.state === 'errored' ? String(result.error) : `tinybench state ${result?.state ?? 'unknown'}`;
    return { name: c.name, state: 'failed', message };
  }
  const memory = Number.isNaN(c.memory.neededBytes) ? 'not checked' : `${formatBytes(c.memory.neededBytes)} (limit ${c.memory.limitBytes === undefined ? 'none' : formatBytes(c.memory.limitBytes)})`;
  return { name: c.name, state: 'timed', ms: result.latency.p50, rmePercent: result.latency.rme, samples: result.latency.samplesCount, loss, memory };
}

const outcomes: CaseOutcome[] = [];
for (const name of caseNames) {
  let c: StepCase;
  try {
    c = buildStepCase(name, gradients);
  } catch (error) {
    if (!(error instanceof StepMemoryError)) throw error;
    outcomes.push({ name, state: 'does-not-fit', message: error.message });
    console.log(`${name}: does not fit — ${error.message}`);
    continue;
  }
  try {
    const outcome = await timeCase(c);
    outcomes.push(outcome);
    console.log(outcome.state === 'timed' ? `${name}: ${outcome.ms.toFixed(1)} ms/step (p50 of ${outcome.samples})` : `${name}: ${outcome.state} — ${outcome.message}`);
  } finally {
    c.dispose();
  }
}

const peer: PeerResult = values['no-peer']
  ? { state: 'skipped', reason: '--no-peer', tried: [] }
  : runPeer({ cases: caseNames, genotype: BENCH_GENOTYPE, wantCuda: onGpu, threads, iters: 30, paperIters: paperIterations });

const targets = onGpu ? GPU_TARGETS : CPU_TARGETS;
const rows = outcomes.map((o) => {
  const torchRow = peer.state === 'ran' ? peer.rows.find((r) => r.name === o.name) : undefined;
  const ms = o.state === 'timed' ? o.ms : undefined;
  const ratio = ms !== undefined && torchRow !== undefined ? ms / torchRow.ms_per_step : undefined;
  const target = targets[o.name];
  return {
    step: o.name,
    batch: STEP_CASES[o.name].batch,
    naspoisonMs: ms !== undefined ? Number(ms.toFixed(1)) : o.state,
    rmePercent: o.state === 'timed' ? Number(o.rmePercent.toFixed(1)) : undefined,
    pytorchMs: torchRow?.ms_per_step,
    ratio: ratio === undefined ? undefined : Number(ratio.toFixed(2)),
    target: target === undefined ? undefined : `≤ ${target}×`,
    meetsTarget: ratio === undefined || target === undefined ? undefined : ratio <= target,
  };
});
console.table(rows);
for (const name of caseNames) console.log(`  ${name}: ${STEP_CASES[name].description}`);
for (const o of outcomes) if (o.state !== 'timed') console.log(`${o.name} ${o.state}: ${o.message}`);
if (peer.state === 'skipped') console.log(`PyTorch peer skipped: ${peer.reason}`);
else {
  const where = peer.device === 'cuda' ? `CUDA (${peer.python.gpu ?? 'GPU'}), torch.cuda.synchronize() per step` : `CPU, ${threads} thread(s)`;
  console.log(`PyTorch ${peer.python.torch} on ${where}; interpreter ${peer.python.command} (${peer.python.executable}). Medians (p50) of per-step times.`);
  if (peer.note !== undefined) console.log(`Note: ${peer.note}`);
}
if (onGpu) console.log('Targets: issue 7, naspoison ÷ PyTorch CUDA ≤ 3× for the paper-scale steps, ≤ 4× for the small ones.');
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ backend: backend.name, detail: backend.detail, gradients, cases: caseNames, outcomes, peer, rows }, null, 2));
}
