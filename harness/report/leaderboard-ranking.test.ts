import { describe, expect, test } from 'vitest';
import type { TrialRecord } from '../store/types.js';
import { buildRunResults } from './build.js';
import { exampleTrials } from './fixtures/example-trials.js';
import { buildLeaderboard } from './leaderboard.js';
import { renderLeaderboardHtml, renderLeaderboardMarkdown } from './render.js';
import { checkWellFormedXml, mutableCopy, readable } from './test-utils.js';
import type { RunResults } from './types.js';

const BASELINE = 82.35;
const TEMPLATE = exampleTrials()[0] as TrialRecord;

function trials(nas: string, attack: string, budget: number, accuracies: number[]): TrialRecord[] {
  return accuracies.map((accuracy, trialIndex) => ({
    ...TEMPLATE,
    nas,
    attack,
    budget,
    trialIndex,
    trialKey: `${nas}-${attack}-${budget}-${trialIndex}`,
    accuracy,
    deltaImprovement: accuracy - BASELINE,
  }));
}

function run(id: string, rows: TrialRecord[]): RunResults {
  return buildRunResults(rows, {
    protocolVersion: 'naspoison-protocol/0.1',
    run: {
      id,
      createdAt: '2025-06-02T12:00:00Z',
      dataset: { name: 'fashion-mnist', source: 'fixture', hash: 'sha256:abc', trainSize: 5000, testSize: 1000, resolution: 16 },
    },
    randomBaseline: { samples: 24, mean: BASELINE, sd: 4.87, recipe: 'nb201-smoke-12ep' },
  });
}

const RUN_1 = run('run-1', [
  ...trials('alpha-nas', 'clean', 0, [89.0, 89.4, 88.8]),
  ...trials('alpha-nas', 'random-label-flip', 0.5, [88.0, 88.4, 87.8]),
  ...trials('beta-nas', 'clean', 0, [88.9, 88.1, 88.5]),
  ...trials('beta-nas', 'random-label-flip', 0.5, [87.5, 88.3, 87.0]),
]);
const RUN_2 = run('run-2', [
  ...trials('alpha-nas', 'clean', 0, [89.1, 88.7, 89.2]),
  ...trials('alpha-nas', 'random-label-flip', 0.5, [88.2, 88.1, 87.9]),
  ...trials('gamma-nas', 'clean', 0, [86.0, 86.4, 85.9]),
  ...trials('gamma-nas', 'random-label-flip', 0.5, [83.0, 83.5, 82.6]),
  ...trials('delta-nas', 'clean', 0, [87.0, 87.2, 86.9]),
  ...trials('delta-nas', 'random-label-flip', 0.5, [86.0]),
]);

describe('significance-aware leaderboard', () => {
  test('ranks by mean ΔImp with rank groups: methods no test separates share a rank', () => {
    const board = buildLeaderboard([RUN_1, RUN_2]);
    expect(board).toMatchObject({ protocolVersion: 'naspoison-protocol/0.1', tier: 'smoke', alpha: 0.05, runIds: ['run-1', 'run-2'] });
    expect(board.tables).toHaveLength(1);
    const table = board.tables[0];
    expect(table).toMatchObject({ attack: 'random-label-flip', budget: 0.5, defence: 'none', pairs: 3 });
    const summary = table?.entries.map((e) => [e.nas, e.rank, e.n]);
    expect(summary).toEqual([
      ['alpha-nas', 1, 6],
      ['beta-nas', 1, 3],
      ['gamma-nas', 3, 3],
      ['delta-nas', null, 1],
    ]);
    const alpha = table?.entries[0];
    expect(alpha?.runIds).toEqual(['run-1', 'run-2']);
    expect(alpha?.mean).toBeCloseTo(528.4 / 6 - BASELINE, 10);
    expect(alpha?.notSignificantlyDifferentFrom).toEqual(['beta-nas']);
    expect(alpha?.significantlyBetterThan).toEqual(['gamma-nas']);
    // 95% t-interval of the mean: mean ± t(0.975, 5) · sd / √6.
    const sd = alpha?.sd as number;
    expect((alpha?.ciHigh as number) - (alpha?.mean as number)).toBeCloseTo((2.570581835636314 * sd) / Math.sqrt(6), 10); // scipy.stats.t.ppf(0.975, 5)
    expect(table?.entries[3]).toMatchObject({ nas: 'delta-nas', rank: null, ciLow: null, sd: null });
  });

  test('refuses to mix runs of different tiers, protocols or datasets', () => {
    const other = mutableCopy(RUN_2);
    other.run.tier = 'paper';
    expect(() => buildLeaderboard([RUN_1, other])).toThrow(/different tiers cannot share a leaderboard \(run-1: smoke, run-2: paper\)/);
    const protocol = mutableCopy(RUN_2);
    protocol.protocolVersion = 'naspoison-protocol/0.2';
    expect(() => buildLeaderboard([RUN_1, protocol])).toThrow(/different protocol versions/);
    expect(() => buildLeaderboard([])).toThrow(/no runs/);
    const old = mutableCopy(RUN_2);
    old.schemaVersion = 1;
    expect(() => buildLeaderboard([RUN_1, old])).toThrow(
      /runs with different results schema versions cannot share a leaderboard \(run-1: 2, run-2: 1\); this naspoison reads schema 2 — re-render older runs with `naspoison report <run id>`/,
    );
  });

  test('renders to Markdown and to an HTML section or self-contained page', () => {
    const board = buildLeaderboard([RUN_1, RUN_2]);
    const md = renderLeaderboardMarkdown(board);
    expect(md).toContain('### random-label-flip at 50%');
    expect(md).toContain('| 1 | **alpha-nas** | 5.72 | \\[5.49, 5.94\\] | 6 | beta-nas | gamma-nas | run-1, run-2 |');
    expect(md).toContain('| — | **delta-nas** | 3.65 | — | 1 | not ranked (fewer than 2 trials) | — | run-2 |');
    const section = renderLeaderboardHtml(board);
    expect(section.startsWith('<section class="leaderboard"')).toBe(true);
    expect(checkWellFormedXml(section).root).toBe('section');
    expect(readable(section)).toContain('<tr class="row-top"> <td class="num">1</td><td><strong>alpha-nas</strong></td>');
    const page = renderLeaderboardHtml(board, { page: true });
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('<style>');
    expect(page).not.toMatch(/<script|<link/);
  });
});
