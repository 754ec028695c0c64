// Sequential arms in the report: the accuracy / ΔImp tests of an arm that ran in looks use its
// stagewise-adjusted p-values before BH (as harness/spec/matrix.ts does), the validator recomputes
// with them and refuses tampering, and the report shows a "Sequential trials" section.
import { describe, expect, test } from 'vitest';
import { benjaminiHochberg } from '../stats/index.js';
import type { TrialRecord } from '../store/types.js';
import { buildRunResults, type BuildOptions } from './build.js';
import { exampleTrials } from './fixtures/example-trials.js';
import { renderHtml, renderMarkdown } from './render.js';
import { ResultsValidationError, validateResults } from './schema.js';
import { mutableCopy, readable } from './test-utils.js';
import type { RunResults, SequentialArmResult } from './types.js';

const CELL = 'pdarts/random-label-flip/0.5/none';
const ADJUSTED_HARM_P = 0.04;
const ADJUSTED_MARGIN_P = 0.6;

const OPTIONS: BuildOptions = {
  protocolVersion: 'test-protocol/1',
  run: {
    id: 'sequential-run',
    createdAt: '2025-01-31T12:00:00Z',
    dataset: { name: 'synthetic', source: 'generated', hash: 'sha256:00', trainSize: 100, testSize: 20, resolution: 8 },
  },
  randomBaseline: { samples: 24, mean: 82.35, sd: 4.87, recipe: 'nb201-smoke-12ep' },
  metrics: ['accuracy', 'deltaImprovement', 'skipConnections'],
  margins: { accuracy: 2 },
};

/** The 50% arm stopped on its harm boundary at n = 3 (look 2 of 4), with planted adjusted p-values. */
function record(attack = 'random-label-flip', cell = CELL): SequentialArmResult {
  return {
    cell,
    arm: `${attack}@0.5`,
    budget: 0.5,
    design: { min: 2, max: 5, step: 1, shape: 'obrien-fleming', alpha: 0.05, margin: 2, metric: 'accuracy', looks: [2, 3, 4, 5] },
    looks: [
      { nA: 2, nB: 2, harmP: 0.03, harmLevel: 0.0001, marginP: 0.7, marginLevel: 0.0001 },
      { nA: 3, nB: 3, harmP: 0.005, harmLevel: 0.0085, marginP: 0.6, marginLevel: 0.0085 },
    ],
    stoppedAt: 3,
    reason: 'harm boundary crossed',
    adjustedHarmP: ADJUSTED_HARM_P,
    adjustedMarginP: ADJUSTED_MARGIN_P,
  };
}

function build(extra: Partial<BuildOptions> = {}, trials: TrialRecord[] = exampleTrials()): RunResults {
  return buildRunResults(trials, { ...OPTIONS, ...extra });
}

function pOf(results: RunResults, id: string, test: 'comparison' | 'bound' = 'comparison'): number {
  const c = results.comparisons.find((x) => x.id === id)?.[test];
  if (c?.state !== 'computed') throw new Error(`${id} ${test} is not computed`);
  return c.p;
}

function qOf(results: RunResults, id: string): number {
  const c = results.comparisons.find((x) => x.id === id)?.comparison;
  if (c?.state !== 'computed') throw new Error(`${id} is not computed`);
  return c.q;
}

describe('sequential arms in the results JSON', () => {
  test("the arm's accuracy and ΔImp tests use the stagewise-adjusted p-values, before BH", () => {
    const fixed = build();
    const seq = build({ sequential: [record()] });
    for (const metric of ['accuracy', 'deltaImprovement']) {
      expect(pOf(seq, `${CELL}:${metric}`)).toBe(ADJUSTED_HARM_P);
      expect(pOf(seq, `${CELL}:${metric}`, 'bound')).toBe(ADJUSTED_MARGIN_P);
      expect(pOf(fixed, `${CELL}:${metric}`)).toBeLessThan(0.01); // the fixed-n Welch p it replaces
    }
    // Unmonitored: the tracked diagnostic, and the other arms, keep their Welch p.
    expect(pOf(seq, `${CELL}:skipConnections`)).toBe(pOf(fixed, `${CELL}:skipConnections`));
    expect(pOf(seq, 'pdarts/random-label-flip/0.1/none:accuracy')).toBe(pOf(fixed, 'pdarts/random-label-flip/0.1/none:accuracy'));
    // BH by hand over the 6 distinct effect hypotheses, with the adjusted p in place of the Welch p.
    const distinct = seq.comparisons.filter((c) => c.comparison.state === 'computed' && c.metric !== 'deltaImprovement');
    expect(distinct).toHaveLength(6);
    const q = benjaminiHochberg(distinct.map((c) => (c.comparison.state === 'computed' ? c.comparison.p : NaN)));
    distinct.forEach((c, i) => expect(qOf(seq, c.id)).toBeCloseTo(q[i]!, 14));
    // Harm shown at fixed n; stopped on its boundary yet inconclusive after the family correction.
    expect(fixed.comparisons.find((c) => c.id === `${CELL}:accuracy`)?.verdict).toBe('harm-shown');
    expect(seq.comparisons.find((c) => c.id === `${CELL}:accuracy`)?.verdict).toBe('inconclusive');
    expect(seq.sequential).toEqual([record()]);
    expect(seq.run.family).toContain('the accuracy / ΔImp tests of the 1 arm that ran sequentially enter with their stagewise-adjusted p-values');
    expect(fixed.sequential).toBeUndefined();
  });

  test('a null adjusted p (no look had data) counts as p = 1, never as the Welch p at the stopping n', () => {
    const seq = build({ sequential: [{ ...record(), reason: 'insufficient data at the last look', adjustedMarginP: null }] });
    expect(pOf(seq, `${CELL}:accuracy`)).toBe(ADJUSTED_HARM_P);
    expect(pOf(seq, `${CELL}:accuracy`, 'bound')).toBe(1);
  });

  test('records that do not match a poisoned cell of the run are refused', () => {
    expect(() => build({ sequential: [record('random-label-flip', 'pdarts/random-label-flip/0.7/none')] })).toThrow(/names cell pdarts\/random-label-flip\/0\.7\/none, which has no trials/);
    expect(() => build({ sequential: [record('other-attack')] })).toThrow(/arm other-attack@0\.5 .* does not match its cell/);
    expect(() => build({ sequential: [record(), record()] })).toThrow(/two sequential records/);
  });

  test('the validator recomputes with the adjusted p and rejects a tampered one', () => {
    const good = build({ sequential: [record()] });
    expect(validateResults(mutableCopy(good))).toEqual(good);
    const index = good.comparisons.findIndex((c) => c.id === `${CELL}:accuracy`);

    const tampered = mutableCopy(good);
    tampered.sequential[0].adjustedHarmP = 0.001;
    expect(() => validateResults(tampered)).toThrow(ResultsValidationError);
    try {
      validateResults(tampered);
    } catch (error) {
      const issues = (error as ResultsValidationError).issues;
      expect(issues.map((i) => i.path)).toContain(`$.comparisons[${index}].comparison.p`);
      expect(issues.find((i) => i.path === `$.comparisons[${index}].comparison.p`)?.message).toMatch(/ran sequentially: its p is the stagewise-adjusted 0\.001 \(\$\.sequential\[0\]\.adjustedHarmP\)/);
    }

    const margin = mutableCopy(good);
    margin.sequential[0].adjustedMarginP = 0.01;
    expect(() => validateResults(margin)).toThrow(/bound\.p: is 0\.6 but the arm ran sequentially/);

    // Swapping the fixed-n p back in (and its q) is caught too.
    const welch = mutableCopy(good);
    welch.comparisons[index].comparison.p = 0.005;
    expect(() => validateResults(welch)).toThrow(/comparison\.p: is 0\.005 but the arm ran sequentially/);

    const removed = mutableCopy(good);
    delete removed.sequential;
    expect(() => validateResults(removed)).not.toThrow(); // without a record the stored p is taken as a fixed-design one

    const wrongCell = mutableCopy(good);
    wrongCell.sequential[0].cell = 'pdarts/clean/0/none';
    expect(() => validateResults(wrongCell)).toThrow(/\$\.sequential\[0\]\.cell: "pdarts\/clean\/0\/none" is a clean control/);

    const badShape = mutableCopy(good);
    badShape.sequential[0].design.shape = 'linear';
    badShape.sequential[0].extra = 1;
    expect(() => validateResults(badShape)).toThrow(/\$\.sequential\[0\]\.design\.shape: must be one of "obrien-fleming", "pocock"/);
    expect(() => validateResults(badShape)).toThrow(/\$\.sequential\[0\]\.extra: is not allowed/);
  });
});

describe('the Sequential trials section', () => {
  test('Markdown: design, look table, stop, adjusted p-values and what they mean', () => {
    const md = renderMarkdown(build({ sequential: [record()] }));
    expect(md).toContain('## Sequential trials');
    expect(md).toContain('an arm can stop on its boundary and still end inconclusive after the family correction');
    expect(md).toContain("- **Design:** O'Brien–Fleming α-spending (Lan–DeMets), 4 looks planned at n = 2, 3, 4, 5 per arm (min 2, max 5, step 1); α = 0.05; δ = 2 pp");
    expect(md).toContain('- **Stop:** Stopped after look 2 of 4 planned (3 poisoned / 3 control trials completed): harm boundary crossed.');
    expect(md).toContain('- **Stagewise-adjusted:** harm p = 0.040, margin p = 0.60');
    expect(md).toMatch(/- \*\*Verdict:\*\* After Benjamini–Hochberg over the run \(α = 0\.05\): effect test q = 0\.\d+, margin test q = 0\.\d+ → inconclusive\. It stopped on its boundary yet ends inconclusive after the family correction\./);
    expect(md).toContain('| Look | n A/B | harm p | harm level | margin p | margin level | Crossed |');
    expect(md).toContain('| 1 | 2 / 2 | 0.030 | 0.00010 | 0.70 | 0.00010 | — |');
    expect(md).toContain('| 2 | 3 / 3 | 0.0050 | 0.0085 | 0.60 | 0.0085 | harm |');
    expect(md).toContain('| 0.040 † |'); // the adjusted p, marked, in the comparisons table
    expect(md).toContain('† The arm ran sequentially');
    expect(renderMarkdown(build())).not.toContain('Sequential trials');
  });

  test('HTML: the same section', () => {
    const html = readable(renderHtml(build({ sequential: [record()] })));
    expect(html).toContain('<h2 id="sequential-heading">Sequential trials</h2>');
    expect(html).toContain('<td class="num">2</td><td class="num">3 / 3</td><td class="num">0.0050</td><td class="num">0.0085</td><td class="num">0.60</td><td class="num">0.0085</td><td>harm</td>');
    expect(html).toContain('<dt>Stop</dt><dd>Stopped after look 2 of 4 planned (3 poisoned / 3 control trials completed): harm boundary crossed.</dd>');
    expect(html).toContain('still end inconclusive after the family correction');
    expect(readable(renderHtml(build()))).not.toContain('Sequential trials');
  });

  test('names that look like markup are escaped in both formats', () => {
    const evil = 'flip|<script>x</script>*_';
    const trials = exampleTrials().map((t): TrialRecord => ({ ...t, attack: t.attack === 'clean' ? 'clean' : evil }));
    const results = build({ sequential: [record(evil, `pdarts/${evil}/0.5/none`)] }, trials);
    const html = renderHtml(results);
    expect(html).toContain('Sequential trials');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    const md = renderMarkdown(results);
    expect(md).not.toMatch(/<script/i);
    expect(md).toContain('### pdarts · flip\\|&lt;script&gt;x&lt;/script&gt;\\*\\_ 50%');
  });
});
