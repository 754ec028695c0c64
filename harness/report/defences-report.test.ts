// The defences and attack diagnostics sections: built from synthetic stored trials, checked
// against scipy's Welch test and hand-computed gaps, recomputed by the validator, rendered (and
// escaped) in Markdown and HTML, and read from stored matrices in the new and the old shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '../store/index.js';
import { makeTrial } from '../store/test-helpers.js';
import type { TrialRecord } from '../store/types.js';
import { buildRunResults } from './build.js';
import { defenceSection, poisonDiagnosticsNote } from './defences.js';
import { runResultsFromStore } from './from-store.js';
import { formatDiagnostic } from './interpret.js';
import { renderHtml, renderMarkdown } from './render.js';
import { validateResults } from './schema.js';
import { mutableCopy, readable } from './test-utils.js';
import type { RunResults } from './types.js';

const BASELINE = 80;
const GC = 'gradient-canceling';

type Diagnostics = TrialRecord['diagnostics'];

/** One cell's trials: ΔImp values (accuracy = baseline + ΔImp) and per-trial diagnostics. */
function arm(attack: string, budget: number, defence: string, deltas: readonly number[], diagnostics: (i: number) => Diagnostics = () => ({}), nas = 'pdarts'): TrialRecord[] {
  return deltas.map((d, i) =>
    makeTrial({ nas, attack, budget, defence, trialIndex: i }, { accuracy: BASELINE + d, randomBaselineMean: BASELINE, deltaImprovement: d, diagnostics: diagnostics(i) }),
  );
}

function build(trials: readonly TrialRecord[]): RunResults {
  return buildRunResults(trials, {
    protocolVersion: 'test',
    run: { id: 'defended-run', createdAt: '2026-11-30T00:00:00Z', dataset: { name: 'fashion-mnist', source: 'fixture', hash: 'sha256:data', trainSize: 1000, testSize: 500, resolution: 16 } },
    randomBaseline: { samples: 8, mean: BASELINE, sd: 1, recipe: 'smoke' },
  });
}

const defended = (precision: readonly (number | null)[], recall: readonly number[], removed: readonly number[], oracle = false) => (i: number): Diagnostics => ({
  defenceKept: 1000 - removed[i]!,
  defenceRemoved: removed[i]!,
  defencePoisonsRemoved: Math.round(recall[i]! * 100),
  defencePrecision: precision[i]!,
  defenceRecall: recall[i]!,
  defenceOracle: oracle,
  'defence.lossThreshold': 2.5 + i,
});

const gcPoison = (i: number): Diagnostics => ({
  'poison.cosineBefore': [0.9, 0.92, 0.94][i]!,
  'poison.cosineAfter': [-0.97, -0.99, -0.98][i]!,
  'poison.iterations': 200,
  'poison.craftMs': [1500, 1700, 1600][i]!,
  'poison.converged': true, // booleans and strings are not means
  'poison.method': 'adam',
});

/**
 * pdarts × gradient-canceling at 10%: clean ΔImp 6.0, undefended 2.5 (3.5 pp lost), and three
 * defended arms: loss-sanitisation 4.667, loss-sanitisation(fraction=0.3) 3.0, oracle-filter 6.0.
 * Undefended: [2.0, 3.0, 2.5].
 */
function defendedRun(): RunResults {
  return build([
    ...arm('clean', 0, 'none', [6.0, 6.5, 5.5]),
    ...arm(GC, 0.1, 'none', [2.0, 3.0, 2.5], gcPoison),
    ...arm(GC, 0.1, 'loss-sanitisation', [4.0, 4.5, 5.5], (i) => ({ ...gcPoison(i), ...defended([0.5, 0.7, 0.6], [0.2, 0.3, 0.25], [100, 110, 120])(i) })),
    ...arm(GC, 0.1, 'loss-sanitisation(fraction=0.3)', [2.0, 4.0, 3.0], (i) => ({ ...gcPoison(i), ...defended([0.4, null, 0.5], [0.1, 0, 0.2], [30, 0, 40])(i) })),
    ...arm(GC, 0.1, 'oracle-filter', [5.8, 6.2, 6.0], (i) => ({ ...gcPoison(i), ...defended([1, 1, 1], [1, 1, 1], [100, 100, 100], true)(i) })),
  ]);
}

// scipy 1.17: ttest_ind(defended, undefended, equal_var=False, alternative='greater').pvalue, the
// two-sided ttest_ind(...).confidence_interval(0.95), and false_discovery_control(ps, method='bh').
const SCIPY = {
  'loss-sanitisation': { diff: 2.166666666666667, p: 0.009927558761817435, low: 0.6062246907188695, high: 3.727108642614464, q: 0.014891338142726153 },
  'loss-sanitisation(fraction=0.3)': { diff: 0.5, p: 0.24802768722926027, low: -1.5776997515912528, high: 2.5776997515912528, q: 0.24802768722926027 },
  'oracle-filter': { diff: 3.5, p: 0.001356679776245642, low: 2.425291746699914, high: 4.574708253300086, q: 0.004070039328736926 },
} as const;

describe('the defences section', () => {
  test('absent (null, no heading) without a defended cell; attack diagnostics absent without poison diagnostics', () => {
    const results = build([...arm('clean', 0, 'none', [6, 6.5, 5.5]), ...arm(GC, 0.1, 'none', [2, 3, 2.5], () => ({ skipConnections: 2 }))]);
    expect(results.defences).toBeNull();
    expect(results.attackDiagnostics).toBeNull();
    const md = renderMarkdown(results);
    const html = renderHtml(results);
    expect(md).not.toContain('## Defences');
    expect(md).not.toContain('## Attack diagnostics');
    expect(html).not.toContain('id="defences-heading"');
    expect(html).not.toContain('id="attack-diagnostics-heading"');
  });

  test('precision, recall, removed and the three ΔImp means per defended arm; recovered ΔImp, CI, p and q match scipy', () => {
    const rows = defendedRun().defences!.rows;
    expect(rows.map((r) => r.defence)).toEqual(['loss-sanitisation', 'loss-sanitisation(fraction=0.3)', 'oracle-filter']);
    for (const row of rows) {
      const want = SCIPY[row.defence as keyof typeof SCIPY];
      expect(row.undefended).toBe(`pdarts/${GC}/0.1/none`);
      expect(row.control).toBe('pdarts/clean/0/none');
      expect(row.n).toBe(3);
      expect(row.deltaImprovement.undefended).toBeCloseTo(2.5, 12);
      expect(row.deltaImprovement.clean).toBeCloseTo(6.0, 12);
      expect(row.lost).toBeCloseTo(3.5, 12);
      const r = row.recovery!;
      expect(r.state).toBe('computed');
      if (r.state !== 'computed') continue;
      expect(r.alternative).toBe('greater');
      expect([r.nA, r.nB]).toEqual([3, 3]);
      expect(r.diff).toBeCloseTo(want.diff, 12);
      expect(r.p).toBeCloseTo(want.p, 9);
      expect(r.ciLow).toBeCloseTo(want.low, 9);
      expect(r.ciHigh).toBeCloseTo(want.high, 9);
      expect(r.q).toBeCloseTo(want.q, 9);
      // Share of the 3.5 pp gap closed, by hand.
      expect(row.shareOfGap).toBeCloseTo(want.diff / 3.5, 12);
      expect(row.recovered).toBe(want.q <= 0.05);
    }
    const [ls, ls03, oracle] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    expect(ls.precision).toEqual({ n: 3, mean: expect.closeTo(0.6, 12), min: 0.5, max: 0.7 });
    expect(ls.recall).toEqual({ n: 3, mean: expect.closeTo(0.25, 12), min: 0.2, max: 0.3 });
    expect(ls.removed).toEqual({ n: 3, mean: 110, min: 100, max: 120 });
    // A trial that removed nothing has no precision: the mean is over the other two.
    expect(ls03.precision).toEqual({ n: 2, mean: expect.closeTo(0.45, 12), min: 0.4, max: 0.5 });
    expect([ls.oracle, ls03.oracle, oracle.oracle]).toEqual([false, false, true]);
    expect(oracle.shareOfGap).toBeCloseTo(1, 12);
  });

  test('interpretations claim a recovery only where the recovery test rejects, and mark the oracle as an upper bound', () => {
    const [ls, ls03, oracle] = defendedRun().defences!.rows.map((r) => r.interpretation);
    expect(ls).toBe('loss-sanitisation recovers 2.2 pp of the 3.5 pp lost (62 %; 95% CI [0.61, 3.7] pp; p = 0.0099, q = 0.015, n = 3 vs 3).');
    expect(ls03).toBe(
      'loss-sanitisation(fraction=0.3) is 0.5 pp above the undefended arm (14 % of the 3.5 pp lost), not significant (p = 0.25, q = 0.25, n = 3 vs 3): no recovery shown.',
    );
    expect(ls03).not.toMatch(/recovers/);
    expect(oracle).toMatch(/^Upper bound \(the oracle reads the poison\): oracle-filter recovers 3\.5 pp of the 3\.5 pp lost \(100 %;/);
  });

  test('no share when the attack cost nothing; no test without an undefended twin or with one trial', () => {
    const noGap = build([
      ...arm('clean', 0, 'none', [2, 2.5, 3]),
      ...arm(GC, 0.1, 'none', [3, 3.5, 3.2]),
      ...arm(GC, 0.1, 'loss-sanitisation', [3.1, 3.3, 3.4]),
    ]).defences!.rows[0]!;
    expect(noGap.lost).toBeLessThan(0);
    expect(noGap.shareOfGap).toBeNull();
    expect(noGap.recovered).toBe(false);
    expect(noGap.interpretation).toMatch(/^loss-sanitisation: the undefended arm lost no ΔImp against the clean control \(clean − undefended = −0\.7 pp\); defended − undefended = 0\.0 pp, not significant/);

    const lonely = build([...arm('clean', 0, 'none', [2, 2.5, 3]), ...arm(GC, 0.2, 'oracle-filter', [2, 3], () => ({ defenceOracle: true })), ...arm(GC, 0.1, 'none', [1, 1.5]), ...arm(GC, 0.1, 'loss-sanitisation', [2])]);
    const single = lonely.defences!.rows.find((r) => r.budget === 0.1)!;
    const orphan = lonely.defences!.rows.find((r) => r.budget === 0.2)!;
    expect(single.recovery?.state).toBe('insufficient-data');
    expect(single.interpretation).toBe("loss-sanitisation: insufficient data for a recovery test (n = 1 defended, 2 undefended; Welch's test needs at least 2 per arm): no recovery shown.");
    expect(orphan.recovery).toBeNull();
    expect(orphan.undefended).toBeNull();
    expect(orphan.interpretation).toBe(`Upper bound (the oracle reads the poison): oracle-filter: the run has no undefended ${GC} 20% arm of pdarts, so there is nothing to measure a recovery against.`);
    expect(lonely.defences!.family).toMatch(/none had two trials per arm/);
  });

  test('the results stay schema-valid; the validator recomputes the section from the cells and names a tampered value', () => {
    const results = defendedRun();
    expect(() => validateResults(JSON.parse(JSON.stringify(results)))).not.toThrow();
    const tampered = mutableCopy(results);
    tampered.defences.rows[0].recovery.p = 0.001;
    tampered.defences.rows[1].shareOfGap = 0.9;
    tampered.defences.rows[2].precision.mean = 0.5;
    tampered.attackDiagnostics.attacks[0].rows[0].means['poison.cosineAfter'] = -1;
    let message = '';
    try {
      validateResults(tampered);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('$.defences.rows[0].recovery.p: is 0.001 but the cells give 0.0099275587');
    expect(message).toContain('$.defences.rows[1].shareOfGap: is 0.9 but the cells give');
    expect(message).toContain('$.defences.rows[2].precision.mean: is 0.5 but the cells give 1');
    expect(message).toContain(`$.attackDiagnostics.attacks[0].rows[0].means["poison.cosineAfter"]: is -1 but the cells give`);
    const missing = mutableCopy(results);
    missing.defences.rows.pop();
    expect(() => validateResults(missing)).toThrow(/\$\.defences\.rows: has 2 entries but the cells give 3/);
    const wrongShape = mutableCopy(results);
    wrongShape.defences.rows[0].oracle = 'yes';
    expect(() => validateResults(wrongShape)).toThrow(/\$\.defences\.rows\[0\]\.oracle: must be boolean/);
    // Results written before these sections have neither field: still valid.
    const older = mutableCopy(results);
    delete older.defences;
    delete older.attackDiagnostics;
    expect(() => validateResults(older)).not.toThrow();
  });

  test('the oracle flag comes from the trials and is kept as stored (the cells keep numbers only)', () => {
    const results = defendedRun();
    const cells = results.cells;
    expect(defenceSection(cells, new Set(), 0.05, 0.8)!.rows.every((r) => !r.oracle)).toBe(true);
    expect(defenceSection(cells, new Set([`pdarts/${GC}/0.1/oracle-filter`]), 0.05, 0.8)!.rows.map((r) => r.oracle)).toEqual([false, false, true]);
  });

  test('Markdown and HTML show the table, the interpretations and the oracle mark', () => {
    const results = defendedRun();
    const md = renderMarkdown(results);
    expect(md).toContain('## Defences');
    expect(md).toContain(
      `| pdarts | ${GC} | 10% | loss-sanitisation | 3 | 0.60 (0.50–0.70) | 0.25 (0.20–0.30) | 110 (100–120) | 6.00 | 2.50 | 4.67 | **+2.2 pp** | \\[0.61, 3.7\\] pp | 0.0099 | 0.015 | 62 % |`,
    );
    expect(md).toContain('| 0.45 (0.40–0.50) |');
    expect(md).toContain('| oracle-filter — *upper bound (reads the poison)* |');
    expect(md).toContain('| +0.5 pp | \\[−1.6, 2.6\\] pp | 0.25 | 0.25 | 14 % |');
    expect(md).toContain('| 0.10 (0.00–0.20) | 23.3 (0–40) |');
    expect(md).toContain(`- pdarts · ${GC} 10% · loss-sanitisation(fraction=0.3): loss-sanitisation(fraction=0.3) is 0.5 pp above`);
    const html = readable(renderHtml(results));
    expect(html).toContain('<h2 id="defences-heading">Defences</h2>');
    expect(html).toContain('oracle-filter <span class="badge badge-oracle">upper bound (reads the poison)</span>');
    expect(html).toContain('<td class="num"><strong>+2.2 pp</strong></td>');
  });

  test('a hostile defence label is escaped in Markdown and HTML and keeps the table intact', () => {
    const evil = '<script>alert("d")</script>|*x*_[y]';
    const results = build([...arm('clean', 0, 'none', [6, 6.5, 5.5]), ...arm(GC, 0.1, 'none', [2, 3, 2.5]), ...arm(GC, 0.1, evil, [4, 4.5, 5.5])]);
    const md = renderMarkdown(results);
    const html = renderHtml(results);
    expect(md).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<script/i);
    const table = md.slice(md.indexOf('## Defences'), md.indexOf('\n- ', md.indexOf('## Defences')));
    const cellsOf = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    const lines = table.split('\n').filter((l) => l.startsWith('|'));
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(cellsOf(line)).toBe(cellsOf(lines[0]!));
    expect(md).toContain('| &lt;script&gt;alert("d")&lt;/script&gt;\\|\\*x\\*\\_\\[y\\] |');
    expect(html).toContain('&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt;|*x*_[y]');
  });
});

describe('the attack diagnostics section', () => {
  test('per undefended poisoned cell, the means of the numeric poison diagnostics, one table per attack', () => {
    const results = build([
      ...arm('clean', 0, 'none', [6, 6.5, 5.5]),
      ...arm(GC, 0.1, 'none', [2, 3, 2.5], gcPoison),
      ...arm(GC, 0.1, 'loss-sanitisation', [4, 4.5, 5.5], gcPoison),
      ...arm(GC, 0.3, 'none', [1, 1.5, 0.5], (i) => ({ 'poison.cosineBefore': 0.9, 'poison.cosineAfter': -0.5 - i * 0.1 })),
      ...arm('gaussian-noise', 0.1, 'none', [5, 5.5, 6], () => ({ 'poison.meanL2': 3.25, 'poison.changed': 100, searchMs: 10 })),
    ]);
    const attacks = results.attackDiagnostics!.attacks;
    expect(attacks.map((a) => a.attack)).toEqual(['gaussian-noise', GC]);
    const gc = attacks[1]!;
    expect(gc.keys).toEqual(['poison.cosineAfter', 'poison.cosineBefore', 'poison.craftMs', 'poison.iterations']);
    // Defended cells carry the same poison: only the undefended ones are rows.
    expect(gc.rows.map((r) => r.cell)).toEqual([`pdarts/${GC}/0.1/none`, `pdarts/${GC}/0.3/none`]);
    expect(gc.rows[0]!.means['poison.cosineAfter']).toBeCloseTo(-0.98, 12);
    expect(gc.rows[0]!.means['poison.craftMs']).toBeCloseTo(1600, 12);
    expect(gc.rows[1]!.means['poison.cosineAfter']).toBeCloseTo(-0.6, 12);
    expect(gc.rows[1]!.means['poison.craftMs']).toBeNull();
    expect(gc.note).toContain('cos(ḡ_c, g_p)');
    expect(gc.note).toContain('towards −1');
    expect(attacks[0]!.keys).toEqual(['poison.changed', 'poison.meanL2']);
    const md = renderMarkdown(results);
    expect(md).toContain('## Attack diagnostics');
    expect(md).toContain('| NAS | Budget | n | cosine before → after | craftMs | iterations |');
    expect(md).toContain('| pdarts | 10% | 3 | 0.92 → −0.98 | 1,600 | 200 |');
    expect(md).toContain('| pdarts | 30% | 3 | 0.9 → −0.6 | — | — |');
    expect(md).toContain('| pdarts | 10% | 3 | 100 | 3.25 |');
    expect(readable(renderHtml(results))).toContain('<th scope="col" class="num">cosine before → after</th>');
  });

  test('notes name the known keys only', () => {
    expect(poisonDiagnosticsNote(['poison.somethingNew'])).toBeNull();
    expect(poisonDiagnosticsNote(['poison.surrogateAccuracy'])).toMatch(/^surrogateAccuracy = test accuracy of the surrogate/);
    expect(poisonDiagnosticsNote(['poison.cosineAfter'])).toMatch(/^cosine before → after/);
  });

  test('diagnostics of unknown scale print with three significant digits, integers whole', () => {
    expect([formatDiagnostic(-0.9812), formatDiagnostic(0.00123456), formatDiagnostic(1600), formatDiagnostic(12345.6), formatDiagnostic(3.14159), formatDiagnostic(null)]).toEqual([
      '−0.981',
      '0.00123',
      '1,600',
      '12,346',
      '3.14',
      '—',
    ]);
  });
});

describe('matrices read from the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'naspoison-defences-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sequential = (budget: number, stoppedAt: number) => ({
    arm: `${GC}@${budget}`,
    budget,
    design: { min: 2, max: 4, step: 1, shape: 'pocock', alpha: 0.05, margin: null, metric: 'accuracy', looks: [2, 3, 4] },
    looks: [{ nA: stoppedAt, nB: 3, harmP: 0.2, harmLevel: 0.03, marginP: null, marginLevel: null }],
    stoppedAt,
    reason: 'insufficient data at the last look',
    adjustedHarmP: 0.2,
    adjustedMarginP: null,
  });

  function storeWith(name: string, spec: Record<string, unknown>, trials: TrialRecord[], extra: Record<string, unknown> = {}): string {
    const path = join(dir, name);
    const store = openStore(path);
    const keyed = trials.map((t) => ({ ...t, runId: 'r1' }));
    store.putTrials(keyed);
    store.putCached(
      'run-matrix.v1',
      `r1\u0000${name}`,
      JSON.stringify({
        runId: 'r1',
        label: `pdarts × ${GC}`,
        spec,
        tracked: ['accuracy', 'deltaImprovement'],
        alpha: 0.05,
        trialKeys: keyed.map((t) => t.trialKey),
        tier: 'smoke',
        randomBaseline: { samples: 8, mean: BASELINE, sd: 1, recipe: 'smoke' },
        dataset: { name: 'fashion-mnist', source: 'fixture', hash: 'sha256:data', trainSize: 1000, testSize: 500, resolution: 16 },
        recordedAt: '2026-11-30T00:00:00.000Z',
        ...extra,
      }),
    );
    store.close();
    return path;
  }

  test('a matrix with `defences`: its sequential record is the undefended arm, and its defended cells fill the section', () => {
    const trials = [
      ...arm('clean', 0, 'none', [6, 6.5, 5.5]),
      ...arm(GC, 0.1, 'none', [2, 3, 2.5], gcPoison),
      ...arm(GC, 0.1, 'loss-sanitisation', [4, 4.5, 5.5], defended([0.5, 0.7, 0.6], [0.2, 0.3, 0.25], [100, 110, 120])),
    ];
    const spec = {
      nas: 'pdarts',
      attack: GC,
      attackParams: { iterations: 200 },
      budgets: [0.1],
      defences: [{ label: 'loss-sanitisation', name: 'loss-sanitisation', params: { fraction: 0.1 } }],
      trials: { min: 2, max: 4 },
    };
    const store = openStore(storeWith('new.db', spec, trials, { sequential: [sequential(0.1, 3)] }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.sequential?.map((s) => s.cell)).toEqual([`pdarts/${GC}/0.1/none`]);
    expect(results.defences?.rows.map((r) => [r.cell, r.undefended])).toEqual([[`pdarts/${GC}/0.1/loss-sanitisation`, `pdarts/${GC}/0.1/none`]]);
    expect(results.attackDiagnostics?.attacks.map((a) => a.attack)).toEqual([GC]);
  });

  test('an older matrix with one `defence`: its sequential record is that defended arm', () => {
    const trials = [...arm('clean', 0, 'none', [6, 6.5, 5.5]), ...arm(GC, 0.1, 'loss-sanitisation', [4, 4.5, 5.5])];
    const spec = { nas: 'pdarts', attack: GC, budgets: [0.1], defence: 'loss-sanitisation' };
    const store = openStore(storeWith('old.db', spec, trials, { sequential: [sequential(0.1, 3)] }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.sequential?.map((s) => s.cell)).toEqual([`pdarts/${GC}/0.1/loss-sanitisation`]);
    // No undefended twin in that run: the row says so instead of testing against nothing.
    expect(results.defences?.rows[0]?.recovery).toBeNull();
  });
});
