// The filtering step of a trial, end to end as a user runs it: `naspoison run` of a defence suite
// (random search × random label flipping at 50 % with loss-based sanitisation and the oracle
// filter) at the tiny test tier. Every defended trial is stored under its own key with the defence
// in its identity, records what it removed and how much of it was poison, and random search —
// which never reads the data — finds the same cell with the same accuracy in every arm; the report
// has the defences section with the oracle marked as an upper bound.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, ROOT, TINY } from '../cli/test-utils.js';
import { openStore, type TrialRecord } from '../store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-defence-trials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STORE = join(dir, 'store.db');
const OUT = join(dir, 'reports');

let run: { code: number | null; output: string };
let trials: TrialRecord[] = [];

beforeAll(async () => {
  run = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', '--tier', TINY, '--fixture', '--store', STORE, '--out', OUT, '--run-id', 'defences', 'benchmarks/defences/random/random-label-flip'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', NASPOISON_BACKEND: 'wasm', NASPOISON_WORKERS: '1', NASPOISON_TIER: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
  const store = openStore(STORE, { readonly: true, integrityCheck: 'none' });
  try {
    trials = store.listTrials();
  } finally {
    store.close();
  }
}, 600_000);

const arm = (defence: string) => trials.filter((t) => t.attack === 'random-label-flip' && t.defence === defence).sort((a, b) => a.trialIndex - b.trialIndex);

describe('a defence suite run end to end (tiny tier)', () => {
  test('the run passes its assertions and stores the control, the undefended arm and one arm per defence', () => {
    expect(run.code, run.output).toBe(0);
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    const control = trials.filter((t) => t.attack === 'clean');
    expect(control.length).toBe(2);
    for (const defence of ['none', 'loss-sanitisation', 'oracle-filter']) expect(arm(defence).map((t) => t.trialIndex)).toEqual([0, 1]);
    // One key per arm and trial: the defence is part of the trial's identity and key.
    expect(new Set(trials.map((t) => t.trialKey)).size).toBe(trials.length);
  });

  test('the oracle removes exactly the poison: precision and recall 1, half the set removed', () => {
    for (const t of arm('oracle-filter')) {
      expect(t.diagnostics).toMatchObject({ defenceRemoved: 100, defencePoisonsRemoved: 100, defenceKept: 100, defencePrecision: 1, defenceRecall: 1, defenceOracle: true });
    }
  });

  test('sanitisation removes round(f·n) samples by loss and says how many were poison', () => {
    for (const t of arm('loss-sanitisation')) {
      const d = t.diagnostics;
      expect(d.defenceRemoved).toBe(100); // f = 0.5 of 200
      expect(d.defenceOracle).toBe(false);
      expect(d.defencePrecision).toBeCloseTo((d.defencePoisonsRemoved as number) / 100, 12);
      expect(d.defenceRecall).toBeCloseTo((d.defencePoisonsRemoved as number) / 100, 12);
      expect(typeof d['defence.lossThreshold']).toBe('number');
    }
  });

  test('every poisoned trial records its poison: 100 labels changed, no image, verified', () => {
    for (const t of [...arm('none'), ...arm('loss-sanitisation'), ...arm('oracle-filter')]) {
      expect(t.poisonHash).toMatch(/^[0-9a-f]{64}$/);
      expect(t.diagnostics).toMatchObject({ 'poison.labelsChanged': 100, 'poison.imagesChanged': 0 });
    }
    // One poison per trial index, whichever defence filtered it.
    expect(arm('oracle-filter').map((t) => t.poisonHash)).toEqual(arm('none').map((t) => t.poisonHash));
  });

  test('random search cannot be reached by the filtering: the same cell and accuracy as the control, trial for trial', () => {
    const control = trials.filter((t) => t.attack === 'clean').sort((a, b) => a.trialIndex - b.trialIndex);
    for (const defence of ['loss-sanitisation', 'oracle-filter']) {
      expect(arm(defence).map((t) => t.canonicalGenotype)).toEqual(control.map((t) => t.canonicalGenotype));
      expect(arm(defence).map((t) => t.accuracy)).toEqual(control.map((t) => t.accuracy));
    }
  });

  test('the report has the defences section, the oracle marked as an upper bound', () => {
    const [folder] = readdirSync(OUT);
    const markdown = readFileSync(join(OUT, folder!, 'report.md'), 'utf8');
    expect(markdown).toContain('## Defences');
    expect(markdown).toMatch(/\| random \| random-label-flip \| 50% \| oracle-filter — \*upper bound \(reads the poison\)\* \| 2 \| 1\.00 \| 1\.00 \|/);
    expect(markdown).toMatch(/\| random \| random-label-flip \| 50% \| loss-sanitisation \| 2 \|/);
  });
});
