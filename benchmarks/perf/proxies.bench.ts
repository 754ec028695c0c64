/**
 * Benchmark: one call of each training-free metric (harness/proxies) on the smoke network — NB201
 * C = 8, one cell per stage, 16×16×1 input (the smoke tier's Fashion-MNIST size), genotype
 * BENCH_GENOTYPE of steps.ts, 10 classes — on one batch of synthetic images and labels, timed with
 * tinybench on naspoison's backend (wasm unless told otherwise). Each task is a whole metric call:
 * forward and backward passes, readbacks and host-side work (eigenvalues, pattern counting).
 *
 *   npx tsx benchmarks/perf/proxies.bench.ts [--backend wasm|cpu|webgpu|tensorflow] [--batch 16]
 *                                            [--time 2000] [--metrics ntk,synflow] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { Bench } from 'tinybench';
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { Rng } from '../../harness/engine/rng.js';
import { TRAINING_FREE_METRIC_NAMES, trainingFreeMetrics, type TrainingFreeMetricName } from '../../harness/proxies/index.js';
import { genotypeFromString } from '../../harness/space/genotype.js';
import { buildNetwork } from '../../harness/space/network.js';
import { BENCH_GENOTYPE } from './steps.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '16' },
    time: { type: 'string', default: '2000' },
    metrics: { type: 'string' },
    json: { type: 'string' },
  },
});

const batchSize = Number(values.batch);
if (!Number.isInteger(batchSize) || batchSize < 2) throw new Error(`--batch: expected an integer ≥ 2, got "${values.batch}"`);
const names = (values.metrics?.split(',') ?? [...TRAINING_FREE_METRIC_NAMES]) as TrainingFreeMetricName[];
for (const name of names) if (!(name in trainingFreeMetrics)) throw new Error(`--metrics: unknown metric "${name}"; known: ${TRAINING_FREE_METRIC_NAMES.join(', ')}`);

const backend = await initBackend(parseBackendChoice(values.backend));
const SIZE = 16;
const CLASSES = 10;
const rng = new Rng(1);
const network = buildNetwork(genotypeFromString(BENCH_GENOTYPE), { channels: 8, cellsPerStage: 1, inputChannels: 1, numClasses: CLASSES }, rng.child('network'));
const dataRng = rng.child('batch');
const x = tf.tensor4d(Float32Array.from({ length: batchSize * SIZE * SIZE }, () => dataRng.uniform()), [batchSize, SIZE, SIZE, 1]);
const batch = { x, labels: Int32Array.from({ length: batchSize }, () => dataRng.int(CLASSES)), numClasses: CLASSES };
console.log(
  `training-free metrics on ${backend.name} (${backend.detail}); NB201 ${BENCH_GENOTYPE}, C=8, 1 cell/stage, ` +
    `${SIZE}×${SIZE}×1, batch ${batchSize}, ${network.params.parameterCount()} weights`,
);

interface Row {
  metric: TrainingFreeMetricName;
  medianMs: number;
  meanMs: number;
  rmePercent: number;
  samples: number;
  value: number;
}
const rows: Row[] = [];
for (const name of names) {
  const metric = trainingFreeMetrics[name];
  // A few calls even for the slow metrics: the time budget bounds the rest.
  const bench = new Bench({ time: Number(values.time), iterations: 3, warmupIterations: 1, warmupTime: 0 });
  let value = Number.NaN;
  bench.add(name, async () => {
    value = await metric.compute(network, batch);
  });
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result === undefined || result.state !== 'completed') {
    console.log(`${name}: failed (${result !== undefined && result.state === 'errored' ? String(result.error) : (result?.state ?? 'no result')})`);
    continue;
  }
  rows.push({ metric: name, medianMs: result.latency.p50, meanMs: result.latency.mean, rmePercent: result.latency.rme, samples: result.latency.samplesCount, value });
  console.log(`${name.padEnd(15)} ${result.latency.p50.toFixed(1).padStart(9)} ms (median of ${result.latency.samplesCount}, ±${result.latency.rme.toFixed(1)} %)   value ${value.toPrecision(6)}`);
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ backend: backend.name, batch: batchSize, rows }, null, 1)}\n`);
x.dispose();
network.dispose();
