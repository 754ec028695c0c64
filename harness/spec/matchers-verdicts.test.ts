import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { welchOneSided } from '../stats/index.js';
import { installMatchers, significance } from './matchers.js';
import { poisoningMatrix } from './matrix.js';
import { syntheticMatrix, syntheticTrial } from './test-utils.js';

beforeAll(() => installMatchers());

/** Runs an assertion and tells whether it passed (matchers throw on failure). */
function passes(assertion: () => void): { pass: boolean; message: string } {
  try {
    assertion();
    return { pass: true, message: '' };
  } catch (error) {
    return { pass: false, message: (error as Error).message };
  }
}

describe('significance matchers', () => {
  test('a large drop is significant, and the message carries p, q, means and n', () => {
    const m = syntheticMatrix([0.5], 5, (attack, _b, i) => (attack === 'clean' ? 85 + (i % 3) * 0.5 : 75 + (i % 3) * 0.5));
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
    const negated = passes(() => expect(m.cell(0.5).accuracy).not.toBeSignificantlyBelow(m.control.accuracy));
    expect(negated.pass).toBe(false);
    expect(negated.message).toMatch(/p = [\d.e-]+, q = [\d.e-]+/);
    expect(negated.message).toContain('(n = 5)');
    expect(negated.message).toMatch(/= 75\.\d+% ± /);
  });

  test('no effect: the negated gate passes, and the plain matcher fails stating the minimum detectable effect', () => {
    const values = [80.1, 79.4, 80.6];
    const m = syntheticMatrix([0.01], 3, (_a, _b, i) => values[i]!);
    expect(m.cell(0.01).accuracy).not.toBeSignificantlyBelow(m.control.accuracy);
    const plain = passes(() => expect(m.cell(0.01).accuracy).toBeSignificantlyBelow(m.control.accuracy));
    expect(plain.pass).toBe(false);
    expect(plain.message).toContain('NOT significantly below');
    expect(plain.message).toMatch(/only a shift of at least [\d.]+% would have been detected with 80% power/);
  });

  test('fewer than 2 trials in an arm is an explicit insufficient-data failure, negated or not', () => {
    const m = syntheticMatrix([0.5], { 'clean@0': 3, 'random-label-flip@0.5': 1 }, () => 80);
    for (const assertion of [
      () => expect(m.cell(0.5).accuracy).toBeSignificantlyBelow(m.control.accuracy),
      () => expect(m.cell(0.5).accuracy).not.toBeSignificantlyBelow(m.control.accuracy),
      () => expect(m.cell(0.5).accuracy).not.toBeSignificantlyAbove(m.control.accuracy),
    ]) {
      const r = passes(assertion);
      expect(r.pass).toBe(false);
      expect(r.message).toContain('insufficient data');
    }
  });

  test('errored trials are named in the verdict, not silently dropped', () => {
    const failed = { ...syntheticTrial('random-label-flip', 0.5, 2, 0), status: 'errored' as const, accuracy: null, deltaImprovement: null, error: 'pdarts: supernet training diverged (loss NaN)' };
    const m = syntheticMatrix([0.5], { 'clean@0': 3, 'random-label-flip@0.5': 2 }, (_a, _b, i) => 80 + i, { errored: [failed] });
    const r = passes(() => expect(m.cell(0.5).accuracy).toBeSignificantlyBelow(m.control.accuracy));
    expect(r.pass).toBe(false);
    expect(r.message).toContain('1 errored trial excluded; first: Acc at 50% random-label-flip (pdarts) trial #2: pdarts: supernet training diverged (loss NaN)');
  });

  test('q-values come from Benjamini–Hochberg over the matrix family, with ΔImp and accuracy counted once', () => {
    const rng = new Rng(3);
    const m = syntheticMatrix([0.01, 0.1, 0.5], 6, (attack, budget) => 80 - (attack === 'clean' ? 0 : budget * 10) + rng.normal());
    const family = m.family();
    expect(family).toHaveLength(6);
    expect(m.familySize()).toBe(3);
    const acc = family.find((f) => f.budget === 0.1 && f.metric === 'accuracy')!.comparison;
    const dimp = family.find((f) => f.budget === 0.1 && f.metric === 'deltaImprovement')!.comparison;
    expect(acc.state === 'computed' && dimp.state === 'computed').toBe(true);
    if (acc.state !== 'computed' || dimp.state !== 'computed') return;
    expect(dimp.p).toBeCloseTo(acc.p, 12);
    expect(dimp.q).toBe(acc.q);
    // Recompute BH by hand over the three distinct p-values.
    const ps = [0.01, 0.1, 0.5].map((b) => {
      const c = welchOneSided(m.cell(b).accuracy.values(), m.control.accuracy.values(), 'less');
      return c.state === 'computed' ? c.p : NaN;
    });
    const order = [0, 1, 2].sort((a, b) => ps[a]! - ps[b]!);
    const q = new Array<number>(3);
    let running = 1;
    for (let k = 2; k >= 0; k--) {
      const i = order[k]!;
      running = Math.min(running, (ps[i]! * 3) / (k + 1));
      q[i] = running;
    }
    expect(acc.q).toBeCloseTo(q[1]!, 12);
  });

  test('a comparison outside the declared family is added to it for its own q-value', () => {
    const m = syntheticMatrix([0.5], 4, (attack, _b, i) => (attack === 'clean' ? 80 + i * 0.1 : 90 + i * 0.1));
    const v = significance(m.cell(0.5).accuracy, m.control.accuracy, 'greater');
    expect(v.inFamily).toBe(false);
    expect(v.familySize).toBe(2);
    expect(v.significant).toBe(true);
    expect(m.cell(0.5).accuracy).toBeSignificantlyAbove(m.control.accuracy);
  });

  test('tracked diagnostics join the family in their harm direction', () => {
    const m = syntheticMatrix([0.5], 4, () => 80, {
      track: ['skipConnections'],
      diagnostics: (attack, _b, i) => ({ skipConnections: attack === 'clean' ? i % 2 : 2 + (i % 2) }),
    });
    expect(m.familySize()).toBe(2);
    expect(m.cell(0.5).skipConnections).toBeSignificantlyAbove(m.control.skipConnections);
  });

  test('matrices name unknown algorithms, attacks and bad budgets at declaration', () => {
    expect(() => poisoningMatrix({ nas: 'no-such-nas', attack: 'random-label-flip', budgets: [0.1] })).toThrow(/unknown NAS algorithm "no-such-nas"; registered: .*pdarts/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'no-such-attack', budgets: [0.1] })).toThrow(/unknown attack "no-such-attack"/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [1.5] })).toThrow(/budget 1\.5 is invalid; .*0 < p < 1/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [] })).toThrow(/at least one/);
    const m = syntheticMatrix([0.5], 2, () => 80);
    expect(() => m.cell(0.3)).toThrow(/budget 0\.3 is not in this matrix \(declared: 0\.5\)/);
  });
});
