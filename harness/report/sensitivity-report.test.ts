// Metric-sensitivity tables (the study's Table 2) in the results JSON and the report: the summary
// against hand-computed numbers, validation of the tables, a run of sensitivity tables alone (no
// cells, no random baseline) from the store to a rendered report, and a run with both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '../store/index.js';
import { buildLeaderboard } from './leaderboard.js';
import { reportableRunIds, runResultsFromStore } from './from-store.js';
import { renderHtml, renderMarkdown } from './render.js';
import { ResultsValidationError, validateResults } from './schema.js';
import { RUN_SENSITIVITY_NAMESPACE, sensitivitySummary, type SensitivityEntry } from './sensitivity.js';
import { checkWellFormedXml, loadExampleResults, mutableCopy } from './test-utils.js';
import type { SensitivityMetricResult, SensitivityTable } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-sensitivity-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const environment = { backend: 'wasm', tfjs: '4.22.0', node: 'v20', platform: 'linux', arch: 'x64', cpuModel: 'test', cpuCount: 2 };
const dataset = { name: 'fashion-mnist@16x16', source: 'fixture', hash: 'data', trainSize: 2000, testSize: 1000, resolution: 16 };
const PANEL = ['|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|', '|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|skip_connect~1|avg_pool_3x3~2|', '|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'];

function row(metric: string, usesLabels: boolean, changes: (number | null)[], bitIdentical: number): SensitivityMetricResult {
  return { metric, usesLabels, changes, ...sensitivitySummary(changes, 0.95), bitIdentical };
}

function table(file = 'benchmarks/proxies/sensitivity.spec.ts'): SensitivityTable {
  return {
    file,
    label: 'random-label-flip at 50%',
    attack: 'random-label-flip',
    budget: 0.5,
    seed: 7,
    poisonHash: 'a'.repeat(64),
    network: { channels: 8, cellsPerStage: 1 },
    batchSize: 64,
    batches: 2,
    confidence: 0.95,
    cells: PANEL,
    metrics: [row('snip', true, [0.02, -0.01, 0.05], 0), row('synflow', false, [0, 0, 0], 3), row('ntk', false, [0, null, 0], 2)],
  };
}

describe('sensitivity summary', () => {
  test('mean, sd (n − 1), the two-sided 95% t CI and max |change| match hand-computed values', () => {
    const s = sensitivitySummary([0.02, -0.01, 0.05, null]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.02, 15);
    expect(s.sd).toBeCloseTo(0.03, 15); // deviations 0, −0.03, 0.03: sqrt(0.0018 / 2)
    // scipy.stats.t.ppf(0.975, 2) = 4.302652729749464
    const half = 4.302652729749464 * (0.03 / Math.sqrt(3));
    expect(s.ciLow).toBeCloseTo(0.02 - half, 9);
    expect(s.ciHigh).toBeCloseTo(0.02 + half, 9);
    expect(s.maxAbsChange).toBe(0.05);
  });

  test('no interval below two changes; a point interval when every change is equal', () => {
    expect(sensitivitySummary([0.3, null])).toEqual({ n: 1, mean: 0.3, sd: null, ciLow: null, ciHigh: null, maxAbsChange: 0.3 });
    expect(sensitivitySummary([null])).toEqual({ n: 0, mean: null, sd: null, ciLow: null, ciHigh: null, maxAbsChange: null });
    expect(sensitivitySummary([0, 0, 0])).toEqual({ n: 3, mean: 0, sd: 0, ciLow: 0, ciHigh: 0, maxAbsChange: 0 });
    expect(() => sensitivitySummary([0, 1], 1)).toThrow(/confidence must be in \(0, 1\)/);
  });
});

describe('sensitivity tables in the results JSON', () => {
  const onlyTables = () => mutableCopy({ ...loadExampleResults(), cells: [], comparisons: [], defences: null, sensitivity: [table()] });

  test('a run of tables alone (no cells, no random baseline) is valid', () => {
    const results = onlyTables();
    delete results.randomBaseline;
    expect(validateResults(results).sensitivity?.[0]?.metrics.map((m) => m.metric)).toEqual(['snip', 'synflow', 'ntk']);
  });

  test('recomputes every summary column from the changes and names the wrong one', () => {
    const results = onlyTables();
    delete results.randomBaseline;
    results.sensitivity[0].metrics[0].mean = 0.5;
    results.sensitivity[0].metrics[0].ciHigh = 0.9;
    results.sensitivity[0].metrics[1].bitIdentical = 4;
    results.sensitivity[0].metrics[2].n = 3;
    results.sensitivity[0].metrics[2].changes.push(0);
    expect(() => validateResults(results)).toThrow(ResultsValidationError);
    let issues: string[] = [];
    try {
      validateResults(results);
    } catch (error) {
      issues = (error as ResultsValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.sensitivity\[0\]\.metrics\[0\]\.mean: is 0\.5 but the changes give 0\.02/),
        expect.stringMatching(/^\$\.sensitivity\[0\]\.metrics\[0\]\.ciHigh: is 0\.9 but/),
        '$.sensitivity[0].metrics[1].bitIdentical: is 4 but the panel has 3 cells',
        '$.sensitivity[0].metrics[2].changes: has 4 entries but the panel has 3 cells',
      ]),
    );
  });

  test('no cells and no tables is refused; cells without a random baseline are refused', () => {
    const empty = mutableCopy({ ...loadExampleResults(), cells: [], comparisons: [] });
    expect(() => validateResults(empty)).toThrow(/\$\.cells: must hold at least one cell/);
    const noBaseline = mutableCopy(loadExampleResults());
    delete noBaseline.randomBaseline;
    expect(() => validateResults(noBaseline)).toThrow(/\$\.randomBaseline: is required/);
  });

  test('the schema rejects a malformed table by path', () => {
    const results = onlyTables();
    results.sensitivity[0].budget = 1.5;
    results.sensitivity[0].metrics[0].usesLabels = 'yes';
    expect(() => validateResults(results)).toThrow(/\$\.sensitivity\[0\]\.budget[\s\S]*\$\.sensitivity\[0\]\.metrics\[0\]\.usesLabels/);
  });
});

describe('the report section', () => {
  function storeWithTablesOnly(name: string): string {
    const path = join(dir, name);
    const store = openStore(path);
    store.recordRun({ runId: 'p1', startedAt: '2026-11-30T00:00:00.000Z', tier: 'smoke', command: 'naspoison run --tier smoke proxies/', specFiles: ['benchmarks/proxies/sensitivity.spec.ts'], environment, codeVersion: 'abc123' });
    store.finishRun('p1', '2026-11-30T00:03:00.000Z', 0);
    const entry: SensitivityEntry = {
      runId: 'p1',
      table: table(),
      raw: {},
      tier: 'smoke',
      backend: 'wasm',
      codeVersion: 'abc123',
      environment,
      dataset,
      seconds: 12,
      recordedAt: '2026-11-30T00:02:00.000Z',
    };
    store.putCached(RUN_SENSITIVITY_NAMESPACE, 'p1\u0000benchmarks/proxies/sensitivity.spec.ts\u0000random-label-flip at 50%', JSON.stringify(entry), { runId: 'p1' });
    store.close();
    return path;
  }

  test('a run that recorded only sensitivity tables is reportable and renders both formats with Table 2 and no cell sections', () => {
    const store = openStore(storeWithTablesOnly('tables-only.db'), { readonly: true });
    try {
      expect(reportableRunIds(store)).toEqual(['p1']);
      const results = runResultsFromStore(store, 'p1');
      expect(results.cells).toEqual([]);
      expect(results.randomBaseline).toBeUndefined();
      expect(results.run.exitCode).toBe(0);
      expect(results.run.environment.backend).toBe('wasm');
      const md = renderMarkdown(results);
      expect(md).toContain("## Training-free metric sensitivity (the study's Table 2)");
      expect(md).toContain('| snip | yes | 3 | +2.0 % | \\[−5.5 %, +9.5 %\\] | 5.0 % | 0 of 3 |');
      expect(md).toContain('| synflow | no | 3 | 0 % | exactly 0 | 0 % | **3 of 3** |');
      expect(md).toContain('| ntk | no | 2 of 3 | 0 % | \\[0 %, 0 %\\] | 0 % | 2 of 3 |');
      expect(md).not.toContain('## Results per cell');
      expect(md).not.toContain('Random baseline');
      expect(md).toContain('sensitivity tables only');
      const html = renderHtml(results);
      expect(html).toContain('id="sensitivity-heading"');
      expect(html).not.toContain('id="cells-heading"');
      expect(html).toContain('<td class="name">snip</td><td>yes</td><td class="num">3</td><td class="num">+2.0 %</td>');
      // The page is one well-formed document once the doctype is set aside.
      expect(checkWellFormedXml(html.replace(/^<!DOCTYPE html>/, '').replace(/<meta ([^>]*)>/g, '<meta $1/>')).root).toBe('html');
      // A leaderboard has nothing to rank in it.
      expect(() => buildLeaderboard([results])).toThrow(/none of the 1 runs has cells to rank/);
    } finally {
      store.close();
    }
  });

  test('a metric that could not be computed shows as such, with its reason; its changes must all be null', () => {
    const broken = table();
    const failed = { ...row('fisher', true, [null, null, null], 0), error: 'Cannot compute gradient (on cell 2)' };
    const results = mutableCopy({ ...loadExampleResults(), sensitivity: [{ ...broken, metrics: [...broken.metrics, failed] }] });
    const md = renderMarkdown(validateResults(results));
    expect(md).toContain('| fisher | yes | — | not computed | — | — | — |');
    expect(md).toContain('Not computed — fisher: Cannot compute gradient (on cell 2)');
    results.sensitivity[0].metrics[3].changes[0] = 0.1;
    expect(() => validateResults(results)).toThrow(/\$\.sensitivity\[0\]\.metrics\[3\]\.changes: must all be null/);
  });

  test('an underpowered band assertion names panel cells, not trials per arm', () => {
    const results = mutableCopy({ ...loadExampleResults(), sensitivity: [table()] });
    results.assertions = [
      {
        file: 'benchmarks/proxies/sensitivity.spec.ts',
        name: 'grasp changes by less than 10% on average',
        status: 'underpowered',
        message: 'underpowered at this tier: …',
        verdicts: [{ matcher: 'toChangeByLessThan', isNot: false, sample: 's', reference: 'r', metric: 'grasp', verdict: 'inconclusive', decided: false, margin: 0.1, p: null, q: null, marginP: null, marginQ: null, mde: null, trialsNeeded: 652, nA: 8, nB: 8 }],
      },
    ];
    const md = renderMarkdown(validateResults(results));
    expect(md).toContain('| CI straddles ±10.0 % (grasp) |');
    expect(md).toContain('grasp: the CI of the mean relative change over 8 cells straddles ±10.0 %; about 652 panel cells would decide it if the mean and sd held');
  });

  test('a run with cells and a table renders both, and the table survives the JSON round trip', () => {
    const results = { ...loadExampleResults(), sensitivity: [table()] };
    const valid = validateResults(JSON.parse(JSON.stringify(results)) as unknown);
    const md = renderMarkdown(valid);
    expect(md).toContain('## Results per cell');
    expect(md).toContain("## Training-free metric sensitivity (the study's Table 2)");
    expect(renderHtml(valid)).toContain('Training-free metric sensitivity');
  });
});
