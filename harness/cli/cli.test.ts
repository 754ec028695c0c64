// The naspoison command line, run as a user runs it (node bin/naspoison.mjs): help and usage, exit
// codes (0 success, 1 error, 2 usage error), errors that name what is wrong, store files that are
// not naspoison stores left byte-for-byte untouched, a cached `train`, and NO_COLOR.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSI, cli, corruptSqlite, TINY, type CliResult } from './test-utils.js';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { style } from './terminal.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder holding one file with `content`; returns the file's path. */
function fileIn(name: string, content: string | Buffer): string {
  const folder = mkdtempSync(join(dir, 'f-'));
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}


function expectNoColour(r: CliResult): void {
  expect(r.stdout).not.toMatch(ANSI);
  expect(r.stderr).not.toMatch(ANSI);
}

describe.concurrent('naspoison CLI', () => {
  // First: the longest chain (two trainings in a row) starts while the others run.
  test('train twice with the same seed and store: the second comes from the cache with the same accuracy', async () => {
    const store = join(mkdtempSync(join(dir, 'train-')), 'store.db');
    const args = ['train', '--tier', TINY, '--fixture', '--json', '--seed', '1', '--store', store];
    const first = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as Record<string, unknown>;
    const second = await cli(args);
    expect(second.code, second.stderr).toBe(0);
    const b = JSON.parse(second.stdout) as Record<string, unknown>;

    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(b.accuracy).toBe(a.accuracy);
    expect(typeof a.accuracy).toBe('number');
    expect(a.accuracy as number).toBeGreaterThanOrEqual(0);
    expect(a.accuracy as number).toBeLessThanOrEqual(100);
    expect(a).toMatchObject({ tier: 'tiny', trainImages: 200, testImages: 100, resolution: 8, epochs: 1, seed: 1, backend: 'wasm' });
    expect(b.genotype).toBe(a.genotype);
    expect(b.parameters).toBe(a.parameters);
    expectNoColour(first);
    expectNoColour(second);
  });

  test('--help lists the commands and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: naspoison <command>/);
    for (const command of ['run', 'report', 'train', 'doctor']) expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(r.stdout).toContain('2 usage error');
    expectNoColour(r);
  });

  test('no arguments prints the usage and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Usage: naspoison <command>/);
  });

  test('an unknown command exits 2, naming it', async () => {
    const r = await cli(['frobnicate', '--now']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toContain('Usage: naspoison <command>');
    expect(r.stdout).toBe('');
  });

  test('train --help exits 0 with the train options', async () => {
    const r = await cli(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: naspoison train/);
    for (const option of ['--genotype', '--index', '--random', '--tier', '--epochs', '--seed', '--store', '--json']) expect(r.stdout).toContain(option);
    expectNoColour(r);
  });

  test('train --epochs x is a usage error (exit 2) naming the flag and the value', async () => {
    const r = await cli(['train', '--epochs', 'x', '--tier', TINY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('naspoison train: --epochs must be an integer, got "x"');
    expect(r.stderr).toContain('Run "naspoison train --help" for usage.');
    expectNoColour(r);
  });

  test('train --genotype with an unknown op fails (exit 2) with the parse error naming the op', async () => {
    const r = await cli(['train', '--genotype', '|bogus~0|+|none~0|none~1|+|none~0|none~1|none~2|', '--tier', TINY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown operation "bogus" at node 1');
    expect(r.stderr).toContain('expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3');
    expectNoColour(r);
  });

  test('run --tier no-such-tier exits 2 naming the tier and the built-in ones, creating no store', async () => {
    const store = join(mkdtempSync(join(dir, 'run-')), 'store.db');
    const r = await cli(['run', '--tier', 'no-such-tier', '--store', store, '--no-report']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown tier "no-such-tier"; built-in tiers: paper, smoke, standard');
    expect(r.stderr).toContain('Run "naspoison run --help" for usage.');
    expect(readdirSync(join(store, '..'))).toEqual([]);
    expectNoColour(r);
  });

  test('report --store <a text file> names the file as not a naspoison store and leaves it byte-for-byte unchanged', async () => {
    const content = 'my notes\nnot a database at all\n';
    const path = fileIn('notes.txt', content);
    const r = await cli(['report', '--store', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain('not a naspoison store');
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(readdirSync(join(path, '..'))).toEqual(['notes.txt']); // no -wal / -shm / journal beside it
    expectNoColour(r);
  });

  test('run --store <a corrupt SQLite file> fails naming it and leaves it byte-for-byte unchanged', async () => {
    const bytes = corruptSqlite();
    const path = fileIn('store.db', bytes);
    const r = await cli(['run', '--tier', TINY, '--store', path, '--no-report', '--fixture']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toMatch(/corrupt|not a naspoison store/);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(join(path, '..'))).toEqual(['store.db']);
    expect(r.stderr).not.toContain('RUN'); // failed before starting vitest
    expectNoColour(r);
  });

  test('doctor --json exits 0 and reports wasm available', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { backends: Array<{ name: string; available: boolean; detail: string }>; data: Record<string, unknown>; machine: Record<string, unknown> };
    expect(report.backends.map((b) => b.name)).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    expect(report.backends.find((b) => b.name === 'wasm')).toMatchObject({ available: true });
    for (const b of report.backends) expect(b.detail.length).toBeGreaterThan(0);
    expect(report.machine).toHaveProperty('tfjs');
    expect(report.data).toHaveProperty('fixture');
    expectNoColour(r);
  });

});

describe('terminal colours', () => {
  // In-process: the same `style` the commands use, on a stand-in stream that claims to be a TTY.
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR, TERM: process.env.TERM };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('a TTY or FORCE_COLOR gets colour, so the output checks above can see escapes', () => {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    process.env.TERM = 'xterm';
    expect(style.red('x', tty)).toMatch(ANSI);
    process.env.FORCE_COLOR = '1';
    expect(style.bold('x', { isTTY: false } as NodeJS.WriteStream)).toMatch(ANSI);
  });

  test('NO_COLOR turns colour off, even on a TTY with FORCE_COLOR', () => {
    process.env.NO_COLOR = '1';
    process.env.FORCE_COLOR = '1';
    expect(style.red('x', tty)).toBe('x');
    expect(style.bold('x', tty)).toBe('x');
  });
});
