// The matchers on planted trial values: each of the three verdicts, what each matcher form makes of
// it (pass, decided failure, underpowered), messages with their numbers, and the family they share.
import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { welchOneSided } from '../stats/index.js';
import { assess, installMatchers } from './matchers.js';
import { poisoningMatrix } from './matrix.js';
import { syntheticMatrix, syntheticTrial } from './test-utils.js';

// Unit tests run the matchers in "fail" mode: an undecided assertion throws (the bench project skips it).
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

const MARGIN = { accuracy: 1 };

describe('harm shown', () => {
  test('a large drop passes toBeSignificantlyBelow; the negated gate fails, decided, with p, q, means and n', () => {
    const m = syntheticMatrix([0.5], 5, (attack, _b, i) => (attack === 'clean' ? 85 + (i % 3) * 0.5 : 75 + (i % 3) * 0.5), { margins: MARGIN });
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
    const negated = passes(() => expect(m.cell(0.5).accuracy).not.toBeSignificantlyBelow(m.control.accuracy));
    expect(negated.pass).toBe(false);
    expect(negated.message).not.toContain('underpowered');
    expect(negated.message).toMatch(/p = [\d.e-]+, q = [\d.e-]+/);
    expect(negated.message).toContain('(n = 5)');
    expect(negated.message).toMatch(/= 75\.\d+% ± /);
    const gate = passes(() => expect(m.cell(0.5).accuracy).toBeNoWorseThan(m.control.accuracy));
    expect(gate.pass).toBe(false);
    expect(gate.message).toContain('verdict: significantly below');
  });
});

describe('no harm beyond the margin', () => {
  const tight = (_a: string, _b: number, i: number) => 80 + [0.02, -0.03, 0.01, -0.01, 0.0, 0.03][i]!;

  test('tight equal arms: the gate passes, the negated matcher passes, the harm assertion fails decided', () => {
    const m = syntheticMatrix([0.01], 6, tight, { margins: MARGIN });
    expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy);
    expect(m.cell(0.01).accuracy).not.toBeSignificantlyBelow(m.control.accuracy);
    const harm = passes(() => expect(m.cell(0.01).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement));
    expect(harm.pass).toBe(false);
    expect(harm.message).not.toContain('underpowered');
    expect(harm.message).toContain('verdict: not below by 1.00 pp or more');
  });

  test('a margin given to the gate replaces the matrix\'s: too tight a margin cannot be shown', () => {
    const m = syntheticMatrix([0.01], 6, tight, { margins: MARGIN });
    const r = passes(() => expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy, { margin: 0.001 }));
    expect(r.pass).toBe(false);
    expect(r.message).toContain('underpowered at this tier');
    expect(r.message).toContain('this one added to the matrix family');
  });
});

describe('inconclusive: underpowered at this tier, never a pass', () => {
  const noisy = [80.1, 78.4, 81.6];
  const m = () => syntheticMatrix([0.01], 3, (_a, _b, i) => noisy[i]! + (_a === 'clean' ? 0.3 : 0), { margins: MARGIN });

  test('the gate, the harm assertion and its negation are all undecided, with MDE and trials needed', () => {
    const mm = m();
    for (const assertion of [
      () => expect(mm.cell(0.01).accuracy).toBeNoWorseThan(mm.control.accuracy),
      () => expect(mm.cell(0.01).accuracy).toBeSignificantlyBelow(mm.control.accuracy),
      () => expect(mm.cell(0.01).accuracy).not.toBeSignificantlyBelow(mm.control.accuracy),
    ]) {
      const r = passes(assertion);
      expect(r.pass).toBe(false);
      expect(r.message).toContain('underpowered at this tier');
      expect(r.message).toMatch(/only a shift of at least [\d.]+% was detectable/);
      expect(r.message).toMatch(/about \d+ trials per arm would decide it at δ = 1\.00%/);
      expect(r.message).toContain('counted as a failure');
    }
  });

  test('without a margin, "no harm" cannot be shown and the message says why', () => {
    const bare = syntheticMatrix([0.01], 3, (_a, _b, i) => noisy[i]!);
    const r = passes(() => expect(bare.cell(0.01).accuracy).not.toBeSignificantlyBelow(bare.control.accuracy));
    expect(r.pass).toBe(false);
    expect(r.message).toContain('no margin δ declared');
    expect(() => expect(bare.cell(0.01).accuracy).toBeNoWorseThan(bare.control.accuracy)).toThrow(/no margin for accuracy; pass \{ margin \}/);
  });

  test('the verdict is left in the test\'s meta for the store reporter', ({ task }) => {
    const mm = m();
    passes(() => expect(mm.cell(0.01).accuracy).toBeNoWorseThan(mm.control.accuracy));
    const v = task.meta.naspoison?.verdicts.at(-1);
    expect(v).toMatchObject({ matcher: 'toBeNoWorseThan', isNot: false, verdict: 'inconclusive', decided: false, margin: 1, nA: 3, nB: 3 });
    expect(v?.trialsNeeded).toBeGreaterThan(3);
    expect(v?.text).toContain('inconclusive');
  });
});

describe('insufficient data and errored trials', () => {
  test('fewer than 2 trials in an arm fails every form, never underpowered', () => {
    const m = syntheticMatrix([0.5], { 'clean@0': 3, 'random-label-flip@0.5': 1 }, () => 80, { margins: MARGIN });
    for (const assertion of [
      () => expect(m.cell(0.5).accuracy).toBeSignificantlyBelow(m.control.accuracy),
      () => expect(m.cell(0.5).accuracy).not.toBeSignificantlyBelow(m.control.accuracy),
      () => expect(m.cell(0.5).accuracy).not.toBeSignificantlyAbove(m.control.accuracy),
      () => expect(m.cell(0.5).accuracy).toBeNoWorseThan(m.control.accuracy),
    ]) {
      const r = passes(assertion);
      expect(r.pass).toBe(false);
      expect(r.message).toContain('insufficient data');
      expect(r.message).not.toContain('underpowered');
    }
  });

  test('errored trials are named in the verdict, not silently dropped', () => {
    const failed = { ...syntheticTrial('random-label-flip', 0.5, 2, 0), status: 'errored' as const, accuracy: null, deltaImprovement: null, error: 'pdarts: supernet training diverged (loss NaN)' };
    const m = syntheticMatrix([0.5], { 'clean@0': 3, 'random-label-flip@0.5': 2 }, (_a, _b, i) => 80 + i, { errored: [failed] });
    const r = passes(() => expect(m.cell(0.5).accuracy).toBeSignificantlyBelow(m.control.accuracy));
    expect(r.pass).toBe(false);
    expect(r.message).toContain('1 errored trial excluded; first: Acc at 50% random-label-flip (pdarts) trial #2: pdarts: supernet training diverged (loss NaN)');
  });
});

describe('families', () => {
  test('q-values come from Benjamini–Hochberg over the matrix family, with ΔImp and accuracy counted once', () => {
    const rng = new Rng(3);
    const m = syntheticMatrix([0.01, 0.1, 0.5], 6, (attack, budget) => 80 - (attack === 'clean' ? 0 : budget * 10) + rng.normal(), { margins: MARGIN });
    const family = m.family();
    expect(family).toHaveLength(6);
    expect(m.familySize()).toBe(3);
    const acc = family.find((f) => f.budget === 0.1 && f.metric === 'accuracy')!;
    const dimp = family.find((f) => f.budget === 0.1 && f.metric === 'deltaImprovement')!;
    if (acc.comparison.state !== 'computed' || dimp.comparison.state !== 'computed') throw new Error('expected computed comparisons');
    expect(dimp.comparison.p).toBeCloseTo(acc.comparison.p, 12);
    expect(dimp.comparison.q).toBe(acc.comparison.q);
    expect(dimp.decision.verdict).toBe(acc.decision.verdict);
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
    expect(acc.comparison.q).toBeCloseTo(q[1]!, 12);
    // The margin tests form their own family of three.
    const bounds = family.filter((f) => f.metric === 'accuracy').map((f) => f.tests.bound);
    expect(bounds.every((b) => b?.state === 'computed' && b.q !== undefined && b.q >= b.p)).toBe(true);
  });

  test('a comparison outside the declared family is added to it for its own q-value', () => {
    const m = syntheticMatrix([0.5], 4, (attack, _b, i) => (attack === 'clean' ? 80 + i * 0.1 : 90 + i * 0.1), { margins: MARGIN });
    const a = assess(m.cell(0.5).accuracy, m.control.accuracy, 'greater', 1);
    expect(a.inFamily).toBe(false);
    expect(a.familySize).toBe(2);
    expect(a.decision.verdict).toBe('harm-shown'); // "harm" here is the effect in the tested direction
    expect(m.cell(0.5).accuracy).toBeSignificantlyAbove(m.control.accuracy);
  });

  test('a gate with its own margin on a family member is the same hypothesis: BH counts it once', () => {
    const m = syntheticMatrix([0.01, 0.5], 6, (_a, b, i) => 80 - b + [0.02, -0.03, 0.01, -0.01, 0, 0.03][i]!, { margins: MARGIN });
    const a = assess(m.cell(0.01).accuracy, m.control.accuracy, 'less', 2);
    expect(a.inFamily).toBe(false);
    expect(a.familySize).toBe(m.familySize());
    // Its margin test, at another δ, is its own test in the margin family.
    expect(a.tests.margin).toBe(2);
    expect(a.tests.bound?.state === 'computed' && a.tests.bound.q).toBeGreaterThanOrEqual(a.tests.bound?.state === 'computed' ? a.tests.bound.p : 0);
  });

  test('on an arm that ran sequentially, a matcher with its own margin still uses the adjusted harm p', () => {
    const m = syntheticMatrix([0.5], 5, (attack, _b, i) => (attack === 'clean' ? 80 : 76) + [0.3, -0.2, 0.1, -0.3, 0.2][i]!, { margins: MARGIN });
    const record = {
      arm: 'random-label-flip@0.5',
      budget: 0.5,
      design: { min: 3, max: 5, step: 1, shape: 'obrien-fleming' as const, alpha: 0.05, margin: 1, metric: 'accuracy' as const, looks: [3, 4, 5] },
      looks: [],
      stoppedAt: 5,
      reason: 'maximum trials reached' as const,
      adjustedHarmP: 0.2,
      adjustedMarginP: 0.9,
    };
    m.useResults({ ...m.results(), sequential: [record] });
    const own = assess(m.cell(0.5).accuracy, m.control.accuracy, 'less', 3);
    expect(own.tests.effect.state === 'computed' && own.tests.effect.p).toBe(0.2);
    // Another δ than the monitored one: its margin test keeps its own (fixed-n) p.
    expect(own.tests.bound?.state === 'computed' && own.tests.bound.p).not.toBe(0.9);
    const member = m.family().find((f) => f.metric === 'accuracy')!;
    expect(member.tests.bound?.state === 'computed' && member.tests.bound.p).toBe(0.9);
  });

  test('tracked diagnostics join the family in their harm direction', () => {
    const m = syntheticMatrix([0.5], 4, () => 80, {
      track: ['skipConnections'],
      diagnostics: (attack, _b, i) => ({ skipConnections: attack === 'clean' ? i % 2 : 2 + (i % 2) }),
    });
    expect(m.familySize()).toBe(2);
    expect(m.cell(0.5).skipConnections).toBeSignificantlyAbove(m.control.skipConnections);
  });
});

describe('declarations', () => {
  test('matrices name unknown algorithms, attacks, bad budgets and bad margins at declaration', () => {
    expect(() => poisoningMatrix({ nas: 'no-such-nas', attack: 'random-label-flip', budgets: [0.1] })).toThrow(/unknown NAS algorithm "no-such-nas"; registered: .*pdarts/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'no-such-attack', budgets: [0.1] })).toThrow(/unknown attack "no-such-attack"/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [1.5] })).toThrow(/budget 1\.5 is invalid; .*0 < p < 1/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [] })).toThrow(/at least one/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [0.1], margins: { accuracy: -1 } })).toThrow(/margins\.accuracy must be a number > 0, got -1/);
    expect(() => poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [0.1], margins: { accuracy: 1, deltaImprovement: 2 } })).toThrow(
      /margins for accuracy \(1\) and deltaImprovement \(2\) differ; they are one hypothesis/,
    );
    const m = syntheticMatrix([0.5], 2, () => 80);
    expect(() => m.cell(0.3)).toThrow(/budget 0\.3 is not in this matrix \(declared: 0\.5\)/);
  });

  test('toBeNoWorseThan cannot be negated', () => {
    const m = syntheticMatrix([0.5], 3, () => 80, { margins: MARGIN });
    expect(() => expect(m.cell(0.5).accuracy).not.toBeNoWorseThan(m.control.accuracy)).toThrow(/cannot be negated/);
  });
});
