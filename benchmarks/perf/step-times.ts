/**
 * Per-step wall and CPU times of the benchmark steps (no PyTorch peer), for A/B comparisons of two
 * checkouts on a noisy machine: alternate runs and compare minima.
 *
 *   CASE=nb201-network,three-conv STEPS=40 [BACKEND=wasm] [GRADIENTS=lean] npx tsx benchmarks/perf/step-times.ts
 */
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { installWasmHeapGuard } from '../../harness/engine/memory-budget.js';
import { buildStepCase, parseCases } from './steps.js';

await initBackend(parseBackendChoice(process.env.BACKEND ?? 'wasm', 'BACKEND'));
installWasmHeapGuard();
const gradients = process.env.GRADIENTS === 'lean' ? 'lean' : 'tfjs';
for (const which of parseCases(process.env.CASE ?? 'nb201-network')) {
  const c = buildStepCase(which, gradients);
  const warmup = c.spec.paperScale ? 1 : 10;
  for (let i = 0; i < warmup; i++) await c.run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(process.env.STEPS ?? (c.spec.paperScale ? 3 : 40)); i++) {
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    await c.run();
    const t1 = performance.now();
    const u = process.cpuUsage(u0);
    wall.push(t1 - t0);
    cpu.push((u.user + u.system) / 1000);
  }
  c.dispose();
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(which, 'wall median', wall[wall.length >> 1]!.toFixed(2), 'min', wall[0]!.toFixed(2), '| cpu median', cpu[cpu.length >> 1]!.toFixed(2), 'min', cpu[0]!.toFixed(2));
}
