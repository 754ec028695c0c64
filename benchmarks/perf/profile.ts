/**
 * Per-kernel profile of the benchmark steps on the wasm backend: wraps every registered wasm kernel
 * with a wall-clock timer (nested kernels called through callKernel are counted inside their caller
 * only), then reports per kernel name: calls, total ms, and the step time not spent in kernels
 * (tfjs engine + JS glue).
 *
 *   npx tsx benchmarks/perf/profile.ts [--case nb201-network] [--steps 30]   (any case of steps.ts)
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../harness/engine/backend.js';
import { buildStepCase, parseCases } from './steps.js';

const { values } = parseArgs({ options: { case: { type: 'string', default: 'nb201-network' }, steps: { type: 'string', default: '30' } } });

await initBackend('wasm');
const stats = new Map<string, { calls: number; ms: number }>();
/** Per kernel and input shapes: which layer a launch belongs to. */
const byShape = new Map<string, { calls: number; ms: number }>();
let depth = 0;
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        const dt = performance.now() - t0;
        depth--;
        const s = stats.get(config.kernelName) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += dt;
        stats.set(config.kernelName, s);
        const shapes = Object.values(args.inputs as Record<string, { shape: number[] }>).map((t) => t.shape.join('x')).join(' ');
        const key = `${config.kernelName} ${shapes}`;
        const b = byShape.get(key) ?? { calls: 0, ms: 0 };
        b.calls++;
        b.ms += dt;
        byShape.set(key, b);
      }
    },
  });
}
const [name] = parseCases(values.case);
const c = buildStepCase(name!);
for (let i = 0; i < 5; i++) await c.run();
stats.clear();
byShape.clear();
const steps = Number(values.steps);
const t0 = performance.now();
for (let i = 0; i < steps; i++) await c.run();
const total = (performance.now() - t0) / steps;
let kernelMs = 0;
let calls = 0;
const rows = [...stats.entries()]
  .map(([name, s]) => {
    kernelMs += s.ms / steps;
    calls += s.calls / steps;
    return { kernel: name, calls: s.calls / steps, ms: Number((s.ms / steps).toFixed(3)), usPerCall: Number(((1000 * s.ms) / s.calls).toFixed(1)) };
  })
  .sort((a, b) => b.ms - a.ms);
console.table(rows);
console.log(`${values.case}: step ${total.toFixed(2)} ms; in kernels ${kernelMs.toFixed(2)} ms (${calls} launches); outside kernels ${(total - kernelMs).toFixed(2)} ms`);
if (process.env.BY_SHAPE === '1') {
  console.table(
    [...byShape.entries()]
      .map(([key, b]) => ({ key, calls: b.calls / steps, ms: Number((b.ms / steps).toFixed(3)), usPerCall: Number(((1000 * b.ms) / b.calls).toFixed(1)) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 40),
  );
}
c.dispose();
