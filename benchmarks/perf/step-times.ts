/**
 * Per-step wall and CPU times of the benchmark steps (no PyTorch peer), for A/B comparisons of two
 * checkouts on a noisy machine: alternate runs and compare minima.
 *
 *   CASE=nb201-network,three-conv STEPS=40 npx tsx benchmarks/perf/step-times.ts
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../harness/engine/backend.js';
import { buildStepCases } from './steps.js';
await initBackend('wasm');
const cases = buildStepCases();
for (const which of (process.env.CASE ?? 'nb201-network').split(',')) {
  const c = cases.find((k) => k.name === which)!;
  for (let i = 0; i < 10; i++) c.run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(process.env.STEPS ?? 40); i++) {
    const u0 = process.cpuUsage(); const t0 = performance.now(); c.run(); const t1 = performance.now(); const u = process.cpuUsage(u0);
    wall.push(t1 - t0); cpu.push((u.user + u.system) / 1000);
  }
  wall.sort((a, b) => a - b); cpu.sort((a, b) => a - b);
  console.log(which, 'wall median', wall[wall.length >> 1]!.toFixed(2), 'min', wall[0]!.toFixed(2), '| cpu median', cpu[cpu.length >> 1]!.toFixed(2), 'min', cpu[0]!.toFixed(2));
}
