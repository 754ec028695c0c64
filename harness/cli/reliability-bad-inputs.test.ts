// The bad-input corpus: tier files, data files, stores and command-line arguments a user can get
// wrong, each with the exit code and the message it must end with — 2 and one line naming the
// argument for usage errors, found before anything is recorded or started; 1 and the file and the
// problem for runtime failures — and, for every one, proof that nothing already stored is lost:
// every file of the case's folder (a store with trials and runs in it, and the bad input itself) is
// byte-for-byte what it was, with nothing created beside it. Stored poisons (which need real
// trials) are in harness/run/reliability-repeated-kills.test.ts.
//
// The cases run through `main` in one batch process (harness/cli/testing/cli-batch.ts): the CLI's
// own code and exit codes, without paying ~2 s of process start per case; a few also run through
// bin/naspoison.mjs to show the batch gives what a user gets.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeIdx } from '../data/idx-write.js';
import { IDX_FILE_NAMES } from '../data/load.js';
import { openStore, recordRunStart, type RunStart } from '../store/index.js';
import { makeTrial, TEST_ENVIRONMENT } from '../store/test-helpers.js';
import { cli, corruptSqlite, ROOT, TINY } from './test-utils.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-reliability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store with 3 completed trials and one finished run "done": what a refused input must not touch. */
const SEEDED = join(dir, 'seeded.db');
const SEEDED_TRIALS = 3;

function seedStore(): void {
  const store = openStore(SEEDED);
  store.putTrials(Array.from({ length: SEEDED_TRIALS }, (_, i) => makeTrial({ trialIndex: i }, { runId: 'done' })));
  const run: RunStart = { runId: 'done', startedAt: '2026-01-01T00:00:00.000Z', tier: 'tiny', command: 'naspoison run', specFiles: ['x'], environment: TEST_ENVIRONMENT, codeVersion: 'abc123' };
  recordRunStart(store, run);
  store.finishRun('done', '2026-01-01T00:01:00.000Z', 0);
  store.close();
}

const tinyTier = (): Record<string, unknown> => JSON.parse(readFileSync(TINY, 'utf8')) as Record<string, unknown>;

/** A tier file: the tiny tier with `edit` applied (or raw text). */
function tierFile(folder: string, edit: ((t: Record<string, any>) => void) | string): string {
  const path = join(folder, 'tier.json');
  if (typeof edit === 'string') writeFileSync(path, edit);
  else {
    const tier = tinyTier();
    edit(tier);
    writeFileSync(path, JSON.stringify(tier, null, 2));
  }
  return path;
}

/** A valid IDX data folder (60 train / 20 test images of 28×28), then `breakIt` applied to its files. */
function dataDir(folder: string, breakIt: (files: Record<keyof typeof IDX_FILE_NAMES, string>) => void): string {
  const data = join(folder, 'data');
  mkdirSync(data);
  const files = Object.fromEntries(Object.entries(IDX_FILE_NAMES).map(([k, base]) => [k, join(data, base)])) as Record<keyof typeof IDX_FILE_NAMES, string>;
  const pixels = (n: number) => Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 37) % 256);
  const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);
  writeFileSync(files.trainImages, encodeIdx([60, 28, 28], pixels(60)));
  writeFileSync(files.trainLabels, encodeIdx([60], labels(60)));
  writeFileSync(files.testImages, encodeIdx([20, 28, 28], pixels(20)));
  writeFileSync(files.testLabels, encodeIdx([20], labels(20)));
  breakIt(files);
  return data;
}


/** A store file made by `edit` on a copy of the seeded store (then closed and checkpointed). */
function editedStore(path: string, edit: (db: Database.Database) => void): string {
  copyFileSync(SEEDED, path);
  const db = new Database(path);
  edit(db);
  db.pragma('journal_mode = DELETE');
  db.close();
  return path;
}

interface Paths {
  /** The case's folder. */
  folder: string;
  /** A copy of the seeded store in it. */
  store: string;
}

/** One bad input and what it must end with. */
interface BadInput {
  kind: 'argument' | 'tier' | 'data' | 'store';
  name: string;
  /** The command line; `setup` has made its files. */
  argv: (p: Paths) => string[];
  env?: Record<string, string | null>;
  exit: 1 | 2;
  /** The message, matched against the command's first stderr line. */
  message: RegExp;
}

const run = (p: Paths, ...more: string[]) => ['run', '--tier', TINY, '--store', p.store, '--no-report', '--fixture', ...more];
const SPEC = 'benchmarks/pdarts/random-label-flip';
const truncate = (path: string, bytes: number) => writeFileSync(path, readFileSync(path).subarray(0, bytes));
/** The train images gzip-compressed (as distributed), then cut in half: a download that stopped. */
const gzipHalf = (f: { trainImages: string }) => {
  const gz = gzipSync(readFileSync(f.trainImages));
  rmSync(f.trainImages);
  writeFileSync(`${f.trainImages}.gz`, gz.subarray(0, gz.length >> 1));
};

const CORPUS: BadInput[] = [
  // Command-line arguments: usage errors, exit 2.
  { kind: 'argument', name: 'unknown option', argv: (p) => run(p, '--frobnicate', SPEC), exit: 2, message: /^naspoison run: unknown option --frobnicate$/ },
  { kind: 'argument', name: 'unknown command', argv: () => ['frobnicate', '--now'], exit: 2, message: /^naspoison: unknown command "frobnicate"$/ },
  { kind: 'argument', name: 'spec filter matching nothing', argv: (p) => run(p, 'no-such-spec'), exit: 2, message: /^naspoison run: no spec file matches "no-such-spec"; the spec files are benchmarks\/.*\.spec\.ts/ },
  { kind: 'argument', name: 'one of two spec filters matching nothing', argv: (p) => run(p, 'pdarts', 'pdartz'), exit: 2, message: /^naspoison run: no spec file matches "pdartz";/ },
  { kind: 'argument', name: 'NASPOISON_WORKERS=0', argv: (p) => run(p, SPEC), env: { NASPOISON_WORKERS: '0' }, exit: 2, message: /^naspoison run: NASPOISON_WORKERS must be a positive integer, got "0"$/ },
  { kind: 'argument', name: 'NASPOISON_WORKERS=-1', argv: (p) => run(p, SPEC), env: { NASPOISON_WORKERS: '-1' }, exit: 2, message: /^naspoison run: NASPOISON_WORKERS must be a positive integer, got "-1"$/ },
  { kind: 'argument', name: 'NASPOISON_WORKERS=abc', argv: (p) => run(p, SPEC), env: { NASPOISON_WORKERS: 'abc' }, exit: 2, message: /^naspoison run: NASPOISON_WORKERS must be a positive integer, got "abc"$/ },
  { kind: 'argument', name: 'NASPOISON_WORKERS=abc for calibrate', argv: (p) => ['calibrate', '--tier', TINY, '--store', p.store, '--fixture'], env: { NASPOISON_WORKERS: 'abc' }, exit: 2, message: /^naspoison calibrate: NASPOISON_WORKERS must be a positive integer, got "abc"$/ },
  { kind: 'argument', name: 'train --index -1', argv: (p) => ['train', '--index', '-1', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: --index must be an integer from 0 to 15624, got "-1"$/ },
  { kind: 'argument', name: 'train --index 15625', argv: (p) => ['train', '--index', '15625', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: --index must be an integer from 0 to 15624, got "15625"$/ },
  { kind: 'argument', name: 'train --epochs -2', argv: (p) => ['train', '--epochs', '-2', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: --epochs must be an integer ≥ 1, got "-2"$/ },
  { kind: 'argument', name: 'train --epochs 0', argv: (p) => ['train', '--epochs', '0', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: --epochs must be an integer ≥ 1, got "0"$/ },
  { kind: 'argument', name: 'train --epochs 1.5', argv: (p) => ['train', '--epochs', '1.5', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: --epochs must be an integer, got "1\.5"$/ },
  { kind: 'argument', name: 'train --seed -3', argv: (p) => ['train', '--seed', '-3', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: --seed must be an integer from 0 to 4294967295, got "-3"$/ },
  { kind: 'argument', name: 'train with a positional argument', argv: (p) => ['train', 'extra', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison train: unexpected argument extra: naspoison train takes no positional arguments$/ },
  { kind: 'argument', name: 'calibrate --seeds 1', argv: (p) => ['calibrate', '--seeds', '1', '--tier', TINY, '--store', p.store], exit: 2, message: /^naspoison calibrate: --seeds must be an integer from 2 to 1000, got "1"$/ },
  { kind: 'argument', name: 'unknown --backend', argv: (p) => run(p, '--backend', 'gpu', SPEC), exit: 2, message: /^naspoison run: --backend: unknown backend "gpu"; choose one of auto, tensorflow, webgpu, wasm, cpu$/ },
  { kind: 'argument', name: 'unknown NASPOISON_BACKEND', argv: (p) => run(p, SPEC), env: { NASPOISON_BACKEND: 'tpu' }, exit: 2, message: /^naspoison run: NASPOISON_BACKEND: unknown backend "tpu"/ },
  { kind: 'argument', name: 'unknown --tier name', argv: (p) => ['run', '--tier', 'huge', '--store', p.store, SPEC], exit: 2, message: /^naspoison run: unknown tier "huge"; built-in tiers: paper, smoke, standard/ },
  { kind: 'argument', name: '--tier without a value', argv: (p) => ['run', '--store', p.store, '--tier'], exit: 2, message: /^naspoison run: --tier needs a value$/ },
  { kind: 'argument', name: 'a value for a flag that takes none', argv: (p) => run(p, '--strict=yes', SPEC), exit: 2, message: /^naspoison run: --strict takes no value$/ },
  { kind: 'argument', name: '--run-id with a space', argv: (p) => run(p, '--run-id', 'my run', SPEC), exit: 2, message: /^naspoison run: --run-id "my run" may use letters, digits/ },
  { kind: 'argument', name: '--run-id already in the store', argv: (p) => run(p, '--run-id', 'done', SPEC), exit: 2, message: /^naspoison run: run id "done" is already in .*seeded-copy\.db; choose another --run-id$/ },
  { kind: 'argument', name: '--plugin naming no file', argv: (p) => run(p, '--plugin', './no-such.plugin.ts', SPEC), exit: 2, message: /^naspoison run: --plugin \.\/no-such\.plugin\.ts: .*\/no-such\.plugin\.ts does not exist$/ },
  { kind: 'argument', name: 'report with two run ids', argv: (p) => ['report', '--store', p.store, 'a', 'b'], exit: 2, message: /^naspoison report: give at most one run id$/ },

  // Tier files: usage errors (the tier is an argument), exit 2, naming the file and the JSON path.
  {
    kind: 'tier',
    name: "a plugin method's block, checked by the plugin's own schema",
    argv: (p) => {
      const plugin = join(p.folder, 'corpus.plugin.mts'); // an ES module wherever it lies
      writeFileSync(
        plugin,
        `import { nasAlgorithms, settingsSchema } from ${JSON.stringify(join(ROOT, 'harness/index.ts'))};\n` +
          `const schema = settingsSchema('corpus-plugin', { type: 'object', additionalProperties: false, properties: { epochs: { type: 'integer', minimum: 1 } } });\n` +
          `nasAlgorithms.register({ name: 'corpus-plugin', description: 'test only', family: 'baseline', settings: (b) => schema.check(b ?? {}), search: () => { throw new Error('not searched'); } });\n`,
      );
      return ['run', '--tier', tierFile(p.folder, (t) => (t.nas['corpus-plugin'] = { epochs: 0 })), '--store', p.store, '--plugin', plugin, SPEC];
    },
    exit: 2,
    message: /^naspoison run: tier .*tier\.json: \/nas\/corpus-plugin\/epochs must be >= 1$/,
  },
  { kind: 'tier', name: 'not JSON', argv: (p) => ['run', '--tier', tierFile(p.folder, '{ "name": "broken", '), '--store', p.store, SPEC], exit: 2, message: /^naspoison run: tier file .*tier\.json is not valid JSON: / },
  { kind: 'tier', name: 'missing file', argv: (p) => ['run', '--tier', join(p.folder, 'absent.json'), '--store', p.store, SPEC], exit: 2, message: /^naspoison run: tier file .*absent\.json does not exist$/ },
  { kind: 'tier', name: 'trials: 0', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.trials = 0)), '--store', p.store, SPEC], exit: 2, message: /^naspoison run: tier .*tier\.json: \/trials must be >= 1$/ },
  { kind: 'tier', name: 'unknown property', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.trails = 3)), '--store', p.store, SPEC], exit: 2, message: /\/trails is not a known property$/ },
  { kind: 'tier', name: 'margin (δ) 0', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.margins.accuracy = 0)), '--store', p.store, SPEC], exit: 2, message: /\/margins\/accuracy must be > 0$/ },
  { kind: 'tier', name: 'margin (δ) -0.1', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.margins.accuracy = -0.1)), '--store', p.store, SPEC], exit: 2, message: /\/margins\/accuracy must be > 0$/ },
  { kind: 'tier', name: 'search budget fraction 1.5', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.nas['random-early-stopping'] = { validationFraction: 1.5 })), '--store', p.store, SPEC], exit: 2, message: /\/nas\/random-early-stopping\/validationFraction must be < 1$/ },
  { kind: 'tier', name: 'search budget fraction 0', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.nas['random-early-stopping'] = { validationFraction: 0 })), '--store', p.store, SPEC], exit: 2, message: /\/nas\/random-early-stopping\/validationFraction must be > 0$/ },
  { kind: 'tier', name: 'search budget fraction -0.1', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.nas['random-early-stopping'] = { validationFraction: -0.1 })), '--store', p.store, SPEC], exit: 2, message: /\/nas\/random-early-stopping\/validationFraction must be > 0$/ },
  { kind: 'tier', name: 'Gaussian noise σ 0', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.attacks = { 'gaussian-noise': { sigma: 0 } })), '--store', p.store, SPEC], exit: 2, message: /\/attacks\/gaussian-noise\/sigma must be > 0$/ },
  { kind: 'tier', name: 'gradient canceling ε -1', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.attacks = { 'gradient-canceling': { epsilon: -1 } })), '--store', p.store, SPEC], exit: 2, message: /\/attacks\/gradient-canceling\/epsilon must be > 0$/ },
  { kind: 'tier', name: 'sanitisation fraction 1.5', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.defences = { 'loss-sanitisation': { fraction: 1.5 } })), '--store', p.store, SPEC], exit: 2, message: /\/defences\/loss-sanitisation\/fraction must be < 1$/ },
  { kind: 'tier', name: 'unknown learning-rate schedule', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.evaluation.recipe.schedule = 'linear')), '--store', p.store, SPEC], exit: 2, message: /\/evaluation\/recipe\/schedule must be equal to one of the allowed values \(cosine,constant\)$/ },
  { kind: 'tier', name: 'P-DARTS stages that grow', argv: (p) => ['run', '--tier', tierFile(p.folder, (t) => (t.nas.pdarts.stages[1].opsPerEdge = 5)), '--store', p.store, SPEC], exit: 2, message: /\/nas\/pdarts\/stages\/1\/opsPerEdge must shrink from stage to stage \(5 → 5\)$/ },

  // Data files: runtime failures, exit 1, naming the file and the problem, before a run is recorded.
  { kind: 'data', name: 'truncated IDX images file', argv: (p) => run(p, '--data-dir', dataDir(p.folder, (f) => truncate(f.trainImages, 5000)), SPEC), exit: 1, message: /^naspoison run: .*train-images-idx3-ubyte: truncated file: header says 60×28×28 values, so expected 47056 bytes \(uncompressed\), got 5000$/ },
  { kind: 'data', name: 'truncated IDX header', argv: (p) => run(p, '--data-dir', dataDir(p.folder, (f) => truncate(f.testLabels, 6)), SPEC), exit: 1, message: /t10k-labels-idx1-ubyte: truncated file: expected at least 8 header bytes, got 6$/ },
  { kind: 'data', name: 'wrong magic number', argv: (p) => run(p, '--data-dir', dataDir(p.folder, (f) => writeFileSync(f.trainLabels, encodeIdx([60, 1], new Uint8Array(60)))), SPEC), exit: 1, message: /train-labels-idx1-ubyte: wrong magic number 0x00000802 .*expected 0x00000801/ },
  { kind: 'data', name: 'label count mismatch', argv: (p) => run(p, '--data-dir', dataDir(p.folder, (f) => writeFileSync(f.testLabels, encodeIdx([19], new Uint8Array(19)))), SPEC), exit: 1, message: /t10k-labels-idx1-ubyte: has 19 labels but the images file .*t10k-images-idx3-ubyte has 20 images; the counts must match$/ },
  { kind: 'data', name: 'label out of range', argv: (p) => run(p, '--data-dir', dataDir(p.folder, (f) => writeFileSync(f.trainLabels, encodeIdx([60], new Uint8Array(60).fill(12)))), SPEC), exit: 1, message: /train-labels-idx1-ubyte: label 12 at index 0 is out of range: expected labels in \[0, 10\)/ },
  { kind: 'data', name: 'truncated gzip', argv: (p) => run(p, '--data-dir', dataDir(p.folder, gzipHalf), SPEC), exit: 1, message: /train-images-idx3-ubyte\.gz: corrupt gzip data \(\d+ compressed bytes; zlib: unexpected end of file\)$/ },
  { kind: 'data', name: 'incomplete data folder', argv: (p) => run(p, '--data-dir', dataDir(p.folder, (f) => rmSync(f.testImages)), SPEC), exit: 1, message: /data: incomplete IDX \(MNIST-style\) files for dataset 'fashion-mnist': found .* but missing t10k-images-idx3-ubyte\[\.gz\]$/ },
  { kind: 'data', name: '--data-dir that does not exist', argv: (p) => run(p, '--data-dir', join(p.folder, 'nowhere'), SPEC), exit: 1, message: /nowhere: dataDir for dataset 'fashion-mnist' is not an existing folder$/ },
  { kind: 'data', name: 'train on a truncated file', argv: (p) => ['train', '--tier', TINY, '--store', p.store, '--data-dir', dataDir(p.folder, (f) => truncate(f.trainImages, 100))], exit: 1, message: /^naspoison train: .*train-images-idx3-ubyte: truncated file/ },

  // Stores: runtime failures, exit 1, naming the file; the file is left exactly as it was.
  { kind: 'store', name: 'corrupt SQLite file (report)', argv: (p) => ['report', '--store', writeFile(p.folder, 'bad.db', corruptSqlite())], exit: 1, message: /^naspoison report: .*bad\.db: corrupt: / },
  { kind: 'store', name: 'corrupt SQLite file (run)', argv: (p) => [...run(p, SPEC).filter((a) => a !== p.store && a !== '--store'), '--store', writeFile(p.folder, 'bad.db', corruptSqlite())], exit: 1, message: /^naspoison run: .*bad\.db: corrupt: / },
  { kind: 'store', name: 'a text file', argv: (p) => ['report', '--list', '--store', writeFile(p.folder, 'notes.txt', 'my notes\n')], exit: 1, message: /notes\.txt: not a naspoison store: not an SQLite database \(it starts with "my notes\\n"\)$/ },
  { kind: 'store', name: 'an empty file', argv: (p) => ['leaderboard', '--store', writeFile(p.folder, 'empty.db', '')], exit: 1, message: /empty\.db: not a naspoison store: the file is empty/ },
  { kind: 'store', name: "another application's SQLite database", argv: (p) => ['run', '--tier', TINY, '--no-report', '--fixture', '--store', foreignDb(p.folder), SPEC], exit: 1, message: /foreign\.db: not a naspoison store: an SQLite database with application_id 0x00000000 .*tables: notes$/ },
  { kind: 'store', name: 'a newer schema version', argv: (p) => ['report', '--store', editedStore(join(p.folder, 'newer.db'), (db) => db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run())], exit: 1, message: /newer\.db: store schema version 99 is newer than this naspoison supports \(1\); upgrade naspoison to read it$/ },
  { kind: 'store', name: 'a store without its trials table', argv: (p) => ['report', '--list', '--store', editedStore(join(p.folder, 'no-trials.db'), (db) => db.exec('DROP TABLE trials'))], exit: 1, message: /no-trials\.db: corrupt: the store lacks table\(s\) trials$/ },
  { kind: 'store', name: 'a truncated store', argv: (p) => ['report', '--store', truncatedStore(p.folder)], exit: 1, message: /truncated\.db: corrupt: truncated: the header records \d+ pages of 4096 bytes but the file holds \d+$/ },
  { kind: 'store', name: 'a store that does not exist (read-only command)', argv: (p) => ['report', '--store', join(p.folder, 'absent.db')], exit: 1, message: /absent\.db: no such store \(opened read-only, so not created\)$/ },
];

function writeFile(folder: string, name: string, content: string | Buffer): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

function foreignDb(folder: string): string {
  const path = join(folder, 'foreign.db');
  const db = new Database(path);
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (\'keep me\')');
  db.close();
  return path;
}

function truncatedStore(folder: string): string {
  const path = join(folder, 'truncated.db');
  copyFileSync(SEEDED, path);
  truncate(path, 4096 * 3);
  return path;
}

/** sha256 of every file in a folder (recursively), by relative path: "nothing changed, nothing added". */
function snapshot(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
    const path = join(folder, entry);
    if (statSync(path).isFile()) out[entry] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

interface Outcome {
  input: BadInput;
  folder: string;
  argv: string[];
  before: Record<string, string>;
  code: number;
  stdout: string;
  stderr: string;
}

function runBatch(cases: Array<{ argv: string[]; env?: Record<string, string | null> }>): Promise<Array<{ code: number; stdout: string; stderr: string }>> {
  const input = join(dir, 'batch-cases.json');
  const output = join(dir, 'batch-results.json');
  writeFileSync(input, JSON.stringify(cases));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'harness/cli/testing/cli-batch.ts'), input, output], {
      cwd: ROOT,
      // Like test-utils' cli(): no colours, wasm, no tier from the caller's environment.
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1', NASPOISON_BACKEND: 'wasm', NASPOISON_TIER: undefined, NASPOISON_WORKERS: undefined },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`cli-batch exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(readFileSync(output, 'utf8')) as Array<{ code: number; stdout: string; stderr: string }>);
    });
  });
}

const outcomes: Outcome[] = [];

beforeAll(async () => {
  seedStore();
  const prepared = CORPUS.map((input, i) => {
    const folder = join(dir, `case-${String(i).padStart(2, '0')}`);
    mkdirSync(folder);
    const store = join(folder, 'seeded-copy.db');
    copyFileSync(SEEDED, store);
    const argv = input.argv({ folder, store });
    return { input, folder, argv, before: snapshot(folder) };
  });
  const results = await runBatch(prepared.map((p) => ({ argv: p.argv, ...(p.input.env ? { env: p.input.env } : {}) })));
  prepared.forEach((p, i) => outcomes.push({ ...p, ...results[i]! }));
}, 120_000);

describe(`the bad-input corpus (${CORPUS.length} inputs)`, () => {
  test('covers every kind of input with at least 30 cases', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
    const kinds = new Set(CORPUS.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['argument', 'data', 'store', 'tier']);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  test.each(CORPUS.map((c, i) => [`${c.kind}: ${c.name}`, i] as const))('%s', (_name, i) => {
    const o = outcomes[i]!;
    const context = `naspoison ${o.argv.join(' ')}\n--- stderr ---\n${o.stderr}\n--- stdout ---\n${o.stdout}`;
    expect(o.code, context).toBe(o.input.exit);
    const lines = o.stderr.split('\n').filter((l) => l !== '');
    expect(lines[0], context).toMatch(o.input.message);
    // One clear line: the problem, then (usage errors) the pointer to --help; no stack trace, and
    // nothing started: no vitest banner, no result on stdout.
    if (o.input.name !== 'unknown command') {
      expect(lines.slice(1), context).toEqual(o.input.exit === 2 ? [`Run "naspoison ${o.argv[0]} --help" for usage.`] : []);
      expect(o.stdout, context).toBe('');
    }
    expect(o.stderr + o.stdout, context).not.toMatch(/\n\s+at |RUN\s+v\d/);
    // Nothing already stored is lost or changed, and nothing was added beside it.
    expect(snapshot(o.folder), context).toEqual(o.before);
    const store = openStore(join(o.folder, 'seeded-copy.db'), { readonly: true, create: false });
    try {
      expect(store.countTrials()).toBe(SEEDED_TRIALS);
      expect(store.listRuns().map((r) => r.runId)).toEqual(['done']);
    } finally {
      store.close();
    }
  });

  // The batch calls main() as bin/naspoison.mjs does; these prove it for one usage error, one
  // runtime failure and an environment variable, through a real process.
  test.each(['unknown option', 'NASPOISON_WORKERS=abc', 'wrong magic number'])('"%s" through bin/naspoison.mjs gives what the batch gave', async (name) => {
    const o = outcomes[CORPUS.findIndex((c) => c.name === name)]!;
    const env = Object.fromEntries(Object.entries(o.input.env ?? {}).map(([k, v]) => [k, v ?? undefined]));
    const r = await cli(o.argv, env);
    expect(r.code).toBe(o.code);
    expect(r.stderr).toBe(o.stderr);
    expect(r.stdout).toBe(o.stdout);
  }, 60_000);
});
