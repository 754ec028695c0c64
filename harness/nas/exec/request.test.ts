// What a command run through the exec adapter receives: the request (checked against
// request.schema.json and field by field), the IDX files (magic, dimensions and the bytes of every
// pixel and label), its argv, cwd and environment; and what comes back: the cell, the method's
// diagnostics with the adapter's times, panel scores and forwarded stderr. The command is a node
// script (testing/echo-request.mjs) that echoes what it read, so these tests need no Python.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { syntheticDataset } from '../../data/synthetic.js';
import type { ImageDataset } from '../../data/types.js';
import { genotypeFromIndex, genotypeToString } from '../../space/genotype.js';
import { execNasAlgorithm, type ExecNasOptions, type ExecRequest } from './index.js';
import { parseAnswer } from './answer.js';
import { quantizePixels } from './data-files.js';

const ECHO = fileURLToPath(new URL('./testing/echo-request.mjs', import.meta.url));
const readSchema = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8')) as Record<string, unknown>;
const validateRequest = new Ajv({ allErrors: true, strict: true }).compile(readSchema('./request.schema.json'));
const validateAnswer = new Ajv({ allErrors: true, strict: true }).compile(readSchema('./answer.schema.json'));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'exec-request-test-'));
});
afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

function echo(extra: Partial<ExecNasOptions> = {}) {
  return execNasAlgorithm({ name: 'echo', description: 'echoes its request', family: 'baseline', command: [process.execPath, ECHO], tempDir: parent, ...extra });
}

/** Runs a search and returns the request the command saw and the outcome. */
async function run(train: ImageDataset, extra: Partial<ExecNasOptions> = {}, settingsBlock: unknown = { epochs: 3, nested: { lr: [0.1, 0.01] } }) {
  const nas = echo(extra);
  const lines: string[] = [];
  const panel = [5, 777, 15_624].map(genotypeFromIndex);
  const outcome = await nas.search({ train, settings: nas.settings(settingsBlock), seed: 4_000_000_123, panel, log: (m) => lines.push(m) });
  const request = JSON.parse(outcome.diagnostics.request as string) as ExecRequest;
  return { outcome, request, lines, panel };
}

describe('exec adapter: the request and files a command receives', () => {
  const grey = syntheticDataset({ n: 30, seed: 5, height: 6, width: 5, channels: 1, numClasses: 3 });

  test('a schema-valid request with the space, settings, seed, panel and data; IDX files hold every pixel and label', async () => {
    const { outcome, request, lines, panel } = await run(grey);
    expect(validateRequest(request), JSON.stringify(validateRequest.errors)).toBe(true);
    expect(request.protocol).toBe('naspoison-exec/1');
    expect(request.method).toBe('echo');
    expect(request.space.ops).toEqual(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);
    expect(request.settings).toEqual({ epochs: 3, nested: { lr: [0.1, 0.01] } });
    expect(request.seed).toBe(4_000_000_123);
    expect(request.panel).toEqual(panel.map(genotypeToString));
    expect(request.data).toMatchObject({ height: 6, width: 5, channels: 1, numClasses: 3, validation: null, classNames: ['class-0', 'class-1', 'class-2'] });
    expect(request.data.train.n).toBe(30);
    // Synthetic pixels are not multiples of 1/255: the rounding is reported, at most half a step.
    expect(request.data.quantization.maxError).toBeGreaterThan(0);
    expect(request.data.quantization.maxError).toBeLessThanOrEqual(0.5 / 255 + 1e-7);

    const d = outcome.diagnostics;
    expect(d['train.images.magic']).toBe('0x00000803');
    expect(d['train.images.dims']).toBe('30x6x5');
    expect(d['train.images.sha256']).toBe(sha256(quantizePixels(grey.images).bytes));
    expect(d['train.labels.magic']).toBe('0x00000801');
    expect(d['train.labels.dims']).toBe('30');
    expect(d['train.labels.sha256']).toBe(sha256(Uint8Array.from(grey.labels)));

    // The request path is appended to the command and given in the environment; the work folder holds the request and the data.
    expect(JSON.parse(d.argv as string)).toEqual([d.envRequest]);
    expect(d.envRequest).toBe(join(request.workDir, 'request.json'));
    expect(d.envDir).toBe(request.workDir);
    expect(d.workDirFiles).toBe('owner.json,request.json,train-images-idx3-ubyte,train-labels-idx1-ubyte');

    // The answer: the cell, the method's diagnostics with the adapter's times, the panel scores; stderr forwarded.
    expect(genotypeToString(outcome.genotype)).toBe('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|');
    expect(outcome.panelScores).toEqual([0, 1, 2]);
    expect(typeof d.commandMs).toBe('number');
    expect(d.searchMs as number).toBeGreaterThanOrEqual(d.commandMs as number);
    expect(lines).toEqual(['echo: echo: read the request', 'echo: echo: done']);
    // The folder is gone afterwards.
    expect(readdirSync(parent)).toEqual([]);
  });

  test('data read from uint8 files goes through unrounded (maxError 0)', async () => {
    const bytes = Uint8Array.from({ length: 10 * 4 * 4 }, (_, i) => (i * 37) % 256);
    const exact: ImageDataset = { ...grey, name: 'exact', n: 10, height: 4, width: 4, images: Float32Array.from(bytes, (b) => b / 255), labels: Int32Array.from({ length: 10 }, (_, i) => i % 3) };
    const { outcome, request } = await run(exact);
    expect(request.data.quantization.maxError).toBe(0);
    expect(outcome.diagnostics['train.images.sha256']).toBe(sha256(bytes));
  });

  test('colour images are n×h×w×c (magic 0x804), pixel order as in the dataset (HWC)', async () => {
    const rgb = syntheticDataset({ n: 12, seed: 6, height: 4, width: 3, channels: 3, numClasses: 2 });
    const { outcome, request } = await run(rgb);
    expect(validateRequest(request)).toBe(true);
    expect(request.data.channels).toBe(3);
    expect(outcome.diagnostics['train.images.magic']).toBe('0x00000804');
    expect(outcome.diagnostics['train.images.dims']).toBe('12x4x3x3');
    expect(outcome.diagnostics['train.images.sha256']).toBe(sha256(quantizePixels(rgb.images).bytes));
  });

  test('with validationFraction, a seeded stratified validation split comes as a second IDX pair', async () => {
    const ds = syntheticDataset({ n: 40, seed: 7, height: 4, width: 4, channels: 1, numClasses: 4 });
    const a = await run(ds, { validationFraction: 0.25 });
    expect(validateRequest(a.request)).toBe(true);
    expect(a.request.data.train.n).toBe(30);
    expect(a.request.data.validation?.n).toBe(10);
    expect(a.outcome.diagnostics['validation.labels.dims']).toBe('10');
    // Stratified: 10 images of each of the 4 classes, so 2 or 3 of each held out.
    const held = Object.values(JSON.parse(a.outcome.diagnostics['validation.labels.counts'] as string) as Record<string, number>);
    expect(held).toHaveLength(4);
    for (const count of held) expect([2, 3]).toContain(count);
    expect(a.outcome.diagnostics.workDirFiles).toBe('owner.json,request.json,train-images-idx3-ubyte,train-labels-idx1-ubyte,validation-images-idx3-ubyte,validation-labels-idx1-ubyte');
    // The same seed gives the same split.
    const b = await run(ds, { validationFraction: 0.25 });
    expect(b.outcome.diagnostics['validation.images.sha256']).toBe(a.outcome.diagnostics['validation.images.sha256']);
    expect(b.outcome.diagnostics['train.labels.sha256']).toBe(a.outcome.diagnostics['train.labels.sha256']);
  });

  test('{request} in the command is replaced by the path; cwd and env reach the command; defaults fill the settings', async () => {
    // (The echo script reads its last argument as the request path.) An env value undefined removes a variable naspoison has.
    process.env.EXEC_TEST_REMOVED = 'inherited';
    const { outcome, request } = await run(
      grey,
      { command: [process.execPath, ECHO, '--flag', '{request}'], cwd: parent, env: { EXEC_TEST_EXTRA: 'yes', EXEC_TEST_REMOVED: undefined }, defaults: { epochs: 1, width: 8 } },
      { epochs: 2 },
    ).finally(() => delete process.env.EXEC_TEST_REMOVED);
    expect(JSON.parse(outcome.diagnostics.argv as string)).toEqual(['--flag', join(request.workDir, 'request.json')]);
    expect(outcome.diagnostics.cwd).toBe(parent);
    expect(outcome.diagnostics.envExtra).toBe('yes');
    expect(outcome.diagnostics.envRemoved).toBeNull();
    expect(request.settings).toEqual({ epochs: 2, width: 8 });
  });

  test('answer.schema.json and the adapter agree on what an answer is', () => {
    const valid = '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|';
    const good = [{ genotype: valid }, { genotype: valid, diagnostics: { a: 1, b: 'x', c: true, d: null }, panelScores: [0.5, 1] }];
    const bad = [{}, { genotype: 3 }, { genotype: valid.replace('none', 'conv_5x5') }, { genotype: valid, diagnostics: { a: [1] } }, { genotype: valid, extra: 1 }];
    for (const a of good) {
      expect(validateAnswer(a)).toBe(true);
      expect(() => parseAnswer(JSON.stringify(a), 2)).not.toThrow();
    }
    for (const a of bad) {
      expect(validateAnswer(a)).toBe(false);
      expect(() => parseAnswer(JSON.stringify(a), 2)).toThrow();
    }
  });
});
