/**
 * Benchmark: one SGD training step of (a) the 3-conv net, (b) an NB201 network, (c) the NB201
 * supernet, timed with tinybench on naspoison's backend, then the same steps in PyTorch on the CPU
 * (benchmarks/perf/torch_peer.py, Debian's python3-torch; skipped with a message when absent), in
 * the same run, and the ratio naspoison / PyTorch per step.
 *
 *   npm run bench:perf -- [--backend wasm] [--time 3000] [--threads 1] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../harness/engine/backend.js';
import { BENCH_GENOTYPE, buildStepCases } from './steps.js';

const TARGETS: Record<string, number> = { 'three-conv': 2.5, 'nb201-network': 2.5, 'nb201-supernet': 3.5 };
const PEER = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
const TORCH_PYTHON = '/usr/bin/python3';

interface PeerRow {
  name: string;
  ms_per_step: number;
  torch: string;
  threads: number;
}

function runPeer(threads: number): PeerRow[] | string {
  if (!existsSync(TORCH_PYTHON)) return `${TORCH_PYTHON} not found`;
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch)';
  const out = spawnSync(TORCH_PYTHON, [PEER, '--threads', String(threads), '--genotype', BENCH_GENOTYPE], { encoding: 'utf8' });
  if (out.status !== 0) return `PyTorch peer failed: ${out.stderr.trim().split('\n').pop() ?? ''}`;
  return out.stdout.trim().split('\n').map((line) => JSON.parse(line) as PeerRow);
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    time: { type: 'string', default: '3000' },
    threads: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});

const backend = await initBackend(values.backend === undefined ? undefined : (values.backend as 'wasm'));
const cases = buildStepCases();
const bench = new Bench({ time: Number(values.time), warmupIterations: 3, iterations: 10 });
for (const c of cases) bench.add(c.name, () => void c.run());
console.log(`naspoison step benchmark on ${backend.name} (${backend.detail}); batch 64; tfjs ${tf.version.tfjs}`);
await bench.run();
const peer = runPeer(Number(values.threads));

const rows = cases.map((c) => {
  const task = bench.getTask(c.name)!;
  const result = task.result as { state: string; latency?: { p50?: number; mean: number; rme: number; samplesCount?: number } };
  const ms = result.latency?.p50 ?? result.latency?.mean ?? NaN;
  const torchRow = Array.isArray(peer) ? peer.find((r) => r.name === c.name) : undefined;
  const ratio = torchRow ? ms / torchRow.ms_per_step : undefined;
  return {
    step: c.name,
    naspoisonMs: Number(ms.toFixed(2)),
    rmePercent: Number((result.latency?.rme ?? NaN).toFixed(1)),
    pytorchMs: torchRow?.ms_per_step,
    ratio: ratio === undefined ? undefined : Number(ratio.toFixed(2)),
    target: TARGETS[c.name],
    meetsTarget: ratio === undefined ? undefined : ratio <= TARGETS[c.name]!,
  };
});
console.table(rows);
if (!Array.isArray(peer)) console.log(`PyTorch peer skipped: ${peer}`);
else console.log(`PyTorch ${peer[0]?.torch} CPU, ${peer[0]?.threads} thread(s); medians (p50) of per-step times.`);
if (values.json) writeFileSync(values.json, JSON.stringify({ backend: backend.name, rows }, null, 2));
for (const c of cases) c.dispose();
