// Sharded runs end to end, as a user (or a CI matrix) runs them: `naspoison run --shard i/3` three
// times into three stores, `naspoison merge`, then the run over the merged store that merge prints
// — whose results equal, number for number, those of the same run on one machine. Real trials at
// the tiny test tier over two spec files (P-DARTS and random search: 12 trials, the clean controls
// of each NAS shared by their arms). Also: bad --shard values are usage errors that record nothing,
// and shards of different code versions, tiers or backends are refused at merge with the reason.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, recordRunStart, type TrialRecord } from '../store/index.js';
import { TEST_ENVIRONMENT } from '../store/test-helpers.js';
import { SHARD_NAMESPACE, type ShardRecord } from '../run/shard.js';
import { cli, TINY } from './test-utils.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPECS = ['benchmarks/pdarts/random-label-flip', 'benchmarks/random/random-label-flip'];
// One process per run (the tiny tier's trials take a second; worker start-up would dominate), and
// one code version for every process whatever commits land meanwhile in a shared checkout.
const ENV = { NASPOISON_WORKERS: '1', NASPOISON_CODE_VERSION: 'shard-test' };
const OUT = join(dir, 'reports');

function trialsOf(path: string): TrialRecord[] {
  const store = openStore(path, { readonly: true });
  try {
    return store.listTrials();
  } finally {
    store.close();
  }
}

/** The results without what differs between any two runs: their id, time and command, and wall-clock diagnostics (`searchMs`, `retrainMs`). */
function numbers(path: string): unknown {
  // Parsed as plain data (not the read-only RunResults) to take those fields out.
  const results = JSON.parse(readFileSync(path, 'utf8')) as { run: Record<string, unknown>; cells: Array<{ diagnostics: Record<string, unknown> }> };
  delete results.run.id;
  delete results.run.createdAt;
  delete results.run.command;
  for (const cell of results.cells) for (const name of Object.keys(cell.diagnostics)) if (name.endsWith('Ms')) delete cell.diagnostics[name];
  return results;
}

describe('sharded runs', () => {
  test.each(['0/3', '4/3', '1/0', 'abc'])('--shard %s is a usage error: exit 2, one line naming it, nothing recorded', async (value) => {
    const store = join(dir, `bad-${value.replace('/', '-')}.db`);
    const { code, stdout, stderr } = await cli(['run', '--tier', TINY, '--store', store, '--shard', value], ENV);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(new RegExp(`^naspoison run: --shard "${value}"`));
    expect(lines.slice(1)).toEqual(['Run "naspoison run --help" for usage.']);
    expect(existsSync(store)).toBe(false);
  });

  test('3 shards + merge + the run over the merged store give the single-machine results, number for number', async () => {
    const single = join(dir, 'single.db');
    let started = performance.now();
    const one = await cli(['run', '--tier', TINY, '--fixture', '--store', single, '--out', OUT, '--run-id', 'single', ...SPECS], ENV);
    const singleMs = performance.now() - started;
    expect(one.code, one.stderr).toBe(0);

    const stores = [1, 2, 3].map((i) => join(dir, `shard-${i}.db`));
    started = performance.now();
    const shards = await Promise.all(stores.map((store, i) => cli(['run', '--tier', TINY, '--fixture', '--store', store, '--shard', `${i + 1}/3`, ...SPECS], ENV)));
    const shardsMs = performance.now() - started;
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    // A deal of the whole plan: every trial of the single run in exactly one shard, none twice.
    const dealt = stores.map((s) => trialsOf(s).map((t) => t.trialKey));
    const all = trialsOf(single).map((t) => t.trialKey).sort();
    expect(all).toHaveLength(12);
    expect(dealt.flat().sort()).toEqual(all);
    for (const keys of dealt) expect(keys.length).toBeGreaterThan(0);
    expect(shards[0]!.stderr).toMatch(/shard 1\/3: \d+ of the plan's 12 trials \(2 matrices in 2 spec files\)/);

    const merged = join(dir, 'merged.db');
    const merge = await cli(['merge', merged, ...stores], ENV);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toMatch(/^trials: 12 added, 0 replaced, 0 already there, 0 conflicts$/m);
    expect(merge.stdout).toMatch(/^shards 1, 2, 3 of 3 \(plan [0-9a-f]{12}\): all 12 trials of the plan are in /m);
    // The command merge prints is the one that computes the verdicts: run it as printed.
    const printed = /^verdicts and report: npx naspoison (.*)$/m.exec(merge.stdout)?.[1];
    expect(printed).toBe(`run --store ${merged} --tier ${TINY} --backend wasm --fixture ${SPECS.join(' ')}`);
    const verdicts = await cli([...printed!.split(' '), '--out', OUT, '--run-id', 'merged'], ENV);
    expect(verdicts.code, verdicts.stderr).toBe(0);
    expect(verdicts.stderr).toMatch(/pdarts × random-label-flip: 8 trials \(8 stored, 0 to run\)/);
    expect(verdicts.stderr).toMatch(/random × random-label-flip: 4 trials \(4 stored, 0 to run\)/);
    expect(verdicts.stderr).not.toMatch(/random baseline \d+\/\d+:/); // the baseline came from the shards too

    expect(numbers(join(OUT, 'merged', 'results.json'))).toEqual(numbers(join(OUT, 'single', 'results.json')));
    const report = readFileSync(join(OUT, 'merged', 'report.md'), 'utf8');
    expect(report).toContain(`**Command:** naspoison run --store ${merged}`);
    expect(report).toContain('**Outcome:** exit code 0: no decided assertion failed');
    console.log(`tiny tier, 12 trials, 2 spec files: one run ${(singleMs / 1000).toFixed(1)} s; 3 shards at once ${(shardsMs / 1000).toFixed(1)} s`);
  }, 600_000);

  test.each([
    ['code versions', { codeVersion: 'def456' }, /has code version abc123 but .* has def456 — different code can give different numbers/],
    ['tiers', { tier: 'standard' }, /has tier smoke but .* has standard — trials of different tiers do not form one run/],
    ['backends', { backend: 'tensorflow' }, /has backend wasm but .* has tensorflow — trials on different backends/],
  ])('shards of different %s are refused at merge with the reason, and nothing is written', async (_what, change, reason) => {
    const make = (name: string, index: number, overrides: Partial<ShardRecord>) => {
      const path = join(dir, `${name}.db`);
      const store = openStore(path);
      const record: ShardRecord = {
        runId: `${name}-run`,
        shard: { index, count: 2 },
        tier: 'smoke',
        backend: 'wasm',
        codeVersion: 'abc123',
        datasetHash: 'data',
        planArguments: ['--tier', 'smoke', '--backend', 'wasm'],
        plan: { hash: 'a'.repeat(64), keys: ['k1', 'k2'] },
        keys: [`k${index}`],
        estimatedCost: { shard: 1, total: 2 },
        ...overrides,
      };
      recordRunStart(store, { runId: record.runId, startedAt: '2026-01-01T00:00:00.000Z', tier: record.tier, command: 'naspoison run --shard', specFiles: [], environment: TEST_ENVIRONMENT, codeVersion: record.codeVersion });
      store.putCached(SHARD_NAMESPACE, record.runId, JSON.stringify(record));
      store.close();
      return path;
    };
    const tag = _what.replace(' ', '-');
    const a = make(`${tag}-a`, 1, {});
    const b = make(`${tag}-b`, 2, change);
    const target = join(dir, `${tag}-merged.db`);
    const { code, stderr } = await cli(['merge', target, a, b], ENV);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^naspoison merge: refusing to merge: /);
    expect(stderr).toMatch(reason);
    expect(existsSync(target)).toBe(false);
  });
});
