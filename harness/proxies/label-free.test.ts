/**
 * synflow and jacov: linear networks whose values have closed forms, and the one-conv network
 * against float64 JS (∂R/∂θ and the input Jacobians by central differences of the float64 twin).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { centralDifferences } from '../engine/test-utils.js';
import { symmetricEigenvalues } from './common.js';
import { JACOV_K, correlationMatrix, inputJacobians, jacov, jacovMetric, jacovScore } from './jacov.js';
import { synflow, synflowMetric } from './synflow.js';
import { buildLinearNet, buildTestNb201, buildTinyConvNet, makeBatch, randomImages, randomLabels, tensorsLeftBehind, tinyLayout, unlabelledBatch, variableValues, type TinyShape } from './test-networks.js';

const BACKENDS = ['wasm', 'cpu'] as const;
const SHAPE: TinyShape = { n: 5, h: 8, w: 8, inC: 1, c: 3, k: 3 };

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('synflow and jacov', () => {
  it('are label-free and higher-is-better', () => {
    for (const m of [synflowMetric, jacovMetric]) {
      expect(m.usesLabels).toBe(false);
      expect(m.higherIsBetter).toBe(true);
    }
  });

  it('correlationMatrix is numpy corrcoef; jacovScore by hand', () => {
    // Rows (1, 2, 3), (3, 2, 1), (1, 2, 4): r₁₂ = −1, r₁₃ = (−1·−4/3 + 0 + 1·5/3)/(√2·√(14/3)).
    const rows = [Float32Array.from([1, 2, 3]), Float32Array.from([3, 2, 1]), Float32Array.from([1, 2, 4])];
    const c = correlationMatrix(rows);
    const r13 = (4 / 3 + 5 / 3) / (Math.SQRT2 * Math.sqrt(14 / 3));
    const expected = [1, -1, r13, -1, 1, -r13, r13, -r13, 1];
    expected.forEach((v, i) => expect(c[i]).toBeCloseTo(v, 12));
    // Two rows with correlation r: eigenvalues 1 ± r.
    const two = [Float32Array.from([1, 0, 0]), Float32Array.from([0, 1, 0])];
    const r = correlationMatrix(two)[1]!;
    expect(r).toBeCloseTo(-0.5, 12);
    const score = jacovScore(two);
    const byHand = -[1 + r, 1 - r].reduce((s, l) => s + Math.log(l + JACOV_K) + 1 / (l + JACOV_K), 0);
    expect(score).toBeCloseTo(byHand, 9);
    expect(jacovScore([Float32Array.from([1, 1]), Float32Array.from([0, 1])])).toBeNaN();
  });

  for (const backend of BACKENDS) {
    it(`${backend}: linear network by hand: synflow = Σ|W|; jacov's rows are identical, eigenvalues N and 0`, async () => {
      await initBackend(backend);
      const net = buildLinearNet(8, 3, 81);
      const n = 4;
      const batch = makeBatch(randomImages(n, 2, 2, 2, 82), [n, 2, 2, 2], randomLabels(n, 3, 83), 3);
      const w = (await net.params.weights[0]!.data()) as Float32Array;
      expect(w.some((v) => v < 0)).toBe(true);
      const before = await variableValues(net);
      // R = Σ_k Σ_i |W_ik|·1 + Σ_k |b_k|: ∂R/∂W = 1, so Σ |θ ⊙ ∂R/∂θ| = Σ |W|.
      expect(await synflow(net, unlabelledBatch(batch))).toBeCloseTo(w.reduce((s, v) => s + Math.abs(v), 0), 5);
      expect(await variableValues(net)).toEqual(before);
      const rows = await inputJacobians(net, batch);
      expect(rows.every((r) => r.every((v, i) => v === rows[0]![i]))).toBe(true);
      const byHand = -(Math.log(n + JACOV_K) + 1 / (n + JACOV_K) + (n - 1) * (Math.log(JACOV_K) + 1 / JACOV_K));
      expect(relative(await jacov(net, unlabelledBatch(batch)), byHand)).toBeLessThan(1e-9);
      batch.dispose();
      net.dispose();
    });

    it(`${backend}: one-conv network: synflow (batch norm removed) and jacov (training mode) match float64 JS`, async () => {
      await initBackend(backend);
      const net = buildTinyConvNet(SHAPE, 91);
      const images = randomImages(SHAPE.n, SHAPE.h, SHAPE.w, SHAPE.inC, 92);
      const batch = makeBatch(images, [SHAPE.n, SHAPE.h, SHAPE.w, SHAPE.inC], randomLabels(SHAPE.n, SHAPE.k, 93), SHAPE.k);
      const theta = await net.theta();
      const layout = tinyLayout(SHAPE);

      // synflow: |θ|, BN as the identity (γ = 1, β = 0, eval mode with mean 0 and variance 1 − ε).
      const linear = Float64Array.from(theta, Math.abs);
      linear.fill(1, layout.gamma, layout.beta);
      linear.fill(0, layout.beta, layout.linW);
      const ones = new Float64Array(SHAPE.h * SHAPE.w * SHAPE.inC).fill(1);
      const runningVar = new Float64Array(SHAPE.c).fill(1 - 1e-5);
      const r = (t: Float64Array): number => net.forward64(t, ones, { training: false, runningVar }).reduce((s, v) => s + v, 0);
      const dR = centralDifferences(r, linear, 1e-6);
      let expectedSynflow = 0;
      for (let i = 0; i < theta.length; i++) if ((i >= layout.conv && i < layout.gamma) || (i >= layout.linW && i < layout.linB)) expectedSynflow += Math.abs(linear[i]! * dR[i]!);
      expect(relative(await synflow(net, batch), expectedSynflow)).toBeLessThan(1e-4);

      // jacov: ∂(Σ all logits)/∂x in training mode.
      const x = Float64Array.from(images);
      const dx = centralDifferences((xs) => net.forward64(theta, xs, { training: true }).reduce((s, v) => s + v, 0), x, 1e-5);
      const per = SHAPE.h * SHAPE.w * SHAPE.inC;
      const rows = Array.from({ length: SHAPE.n }, (_, i) => Float32Array.from(dx.subarray(i * per, (i + 1) * per)));
      const expectedJacov = jacovScore(rows);
      // A sanity check of the reference itself: the rows are far from identical (else the score is
      // dominated by 1/k and insensitive).
      expect(symmetricEigenvalues(correlationMatrix(rows), SHAPE.n)[0]!).toBeGreaterThan(1e-3);
      expect(relative(await jacov(net, batch), expectedJacov)).toBeLessThan(1e-3);

      for (const metric of [synflow, jacov]) expect(await tensorsLeftBehind(() => metric(net, batch))).toBe(0);
      batch.dispose();
      net.dispose();
    });
  }

  it('synflow ignores batch norm state, the data and the labels (removed BN; only the input shape is read)', async () => {
    await initBackend('wasm');
    const net = buildTestNb201(4, 1, 5, 101);
    const a = makeBatch(randomImages(8, 8, 8, 1, 102), [8, 8, 8, 1], randomLabels(8, 5, 103), 5);
    const b = makeBatch(randomImages(3, 8, 8, 1, 104), [3, 8, 8, 1], randomLabels(3, 5, 105), 5);
    const value = await synflow(net, a);
    expect(await synflow(net, b)).toBe(value);
    // Other running statistics, scales and shifts: the same value, and they are put back.
    const rng = randomImages(1, 1, 1, 4096, 106);
    let at = 0;
    tf.tidy(() => {
      for (const v of [...net.params.state, ...net.params.weights.filter((w) => w.shape.length === 1)]) {
        v.assign(tf.tensor(rng.subarray(at, at + v.size), v.shape).add(0.5));
        at += v.size;
      }
    });
    const before = await variableValues(net);
    expect(await synflow(net, a)).toBe(value);
    expect(await variableValues(net)).toEqual(before);
    a.dispose();
    b.dispose();
    net.dispose();
  });
});
