// `naspoison run` decides which spec files a filter selects before vitest starts (so that a filter
// matching nothing is a usage error, not an empty run). The choice must be vitest's own: checked
// here against vitest's globbing of the bench project for filters of every form it accepts.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createVitest } from 'vitest/node';
import { listSpecFiles, matchSpecFiles, selectSpecFiles } from './spec-files.js';
import { loadTier } from '../run/tiers.js';
import { ROOT } from './test-utils.js';

const FILTERS: string[][] = [
  [],
  ['pdarts'],
  ['PDARTS'],
  ['random-label-flip'],
  ['benchmarks/random/'],
  ['./benchmarks/random/random-label-flip.spec.ts'],
  [join(ROOT, 'benchmarks/positive-control')],
  ['benchmarks/pdarts/random-label-flip.spec.ts:10'],
  ['pdarts', 'positive-control'],
];

describe('spec filters select what vitest selects', () => {
  test('for every form of filter', async () => {
    expect(listSpecFiles(ROOT).length).toBeGreaterThanOrEqual(3);
    const vitest = await createVitest('test', { project: ['bench'], run: true, watch: false, root: ROOT, includeTaskLocation: true }, {}, {});
    try {
      for (const filters of FILTERS) {
        const theirs = [...new Set((await vitest.globTestSpecifications(filters)).map((s) => s.moduleId.slice(ROOT.length).replace(/^\//, '')))].sort();
        expect(matchSpecFiles(filters, ROOT), filters.join(' ')).toEqual(theirs);
        expect(theirs.length, filters.join(' ')).toBeGreaterThan(0);
      }
    } finally {
      await vitest.close();
    }
  }, 60_000);

  test('a filter that matches nothing is a usage error naming it and the spec files', () => {
    expect(() => matchSpecFiles(['pdarts', 'no-such'], ROOT)).toThrow(/^no spec file matches "no-such"; the spec files are (benchmarks\/[a-z0-9/-]+\.spec\.ts, )*benchmarks\/pdarts\/random-label-flip\.spec\.ts, /);
    expect(() => matchSpecFiles(['x'], join(ROOT, 'harness'))).toThrow(/^no spec files \(benchmarks\/\*\*\/\*\.spec\.ts\) under .*harness; run naspoison from the project root$/);
  });
});

describe("a tier's default subset", () => {
  const smoke = loadTier('smoke').defaultSpecs;

  test('the smoke tier names one, and every filter of it selects a shipped spec file', () => {
    expect(smoke).toBeDefined();
    for (const filter of smoke!.filters) expect(matchSpecFiles([filter], ROOT).length, filter).toBeGreaterThan(0);
  });

  test('without filters the subset is run, and says how many files it leaves out', () => {
    const selection = selectSpecFiles({ filters: [], all: false, defaultSpecs: smoke! }, ROOT);
    expect(selection.filters).toEqual(smoke!.filters);
    expect(selection.files).toEqual(matchSpecFiles(smoke!.filters, ROOT));
    expect(selection.subset).toEqual({ why: smoke!.why, of: listSpecFiles(ROOT).length });
    expect(selection.files.length).toBeLessThan(listSpecFiles(ROOT).length);
  });

  test('--all runs every spec file; filters win over the subset; --all with filters is a usage error', () => {
    expect(selectSpecFiles({ filters: [], all: true, defaultSpecs: smoke! }, ROOT)).toEqual({ filters: [], files: listSpecFiles(ROOT) });
    expect(selectSpecFiles({ filters: ['benchmarks/tenas/random'], all: false, defaultSpecs: smoke! }, ROOT).files).toEqual(['benchmarks/tenas/random-label-flip.spec.ts']);
    expect(() => selectSpecFiles({ filters: ['tenas'], all: true, defaultSpecs: smoke! }, ROOT)).toThrow(/^--all runs every spec file: give it or spec filters, not both$/);
  });

  test('a tier without a subset runs every spec file', () => {
    expect(selectSpecFiles({ filters: [], all: false }, ROOT).files).toEqual(listSpecFiles(ROOT));
  });
});
