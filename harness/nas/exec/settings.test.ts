// An exec method's settings: any JSON object from the tier, over the plugin's defaults, copied;
// anything JSON cannot carry to the command is refused with its path.
import { describe, expect, test } from 'vitest';
import { execNasAlgorithm } from './index.js';

const nas = execNasAlgorithm({ name: 'py-thing', description: 'x', family: 'training-based', command: ['python3', 'x.py'], defaults: { epochs: 1, schedule: { kind: 'cosine' } } });

describe('exec settings', () => {
  test('a missing block gives the defaults; a block replaces them key by key; the result is a copy', () => {
    expect(nas.settings(undefined)).toEqual({ epochs: 1, schedule: { kind: 'cosine' } });
    expect(nas.settings(null)).toEqual({ epochs: 1, schedule: { kind: 'cosine' } });
    const block = { schedule: { kind: 'step', at: [10, 20] }, note: 'é', flag: false, none: null };
    const s = nas.settings(block);
    expect(s).toEqual({ epochs: 1, schedule: { kind: 'step', at: [10, 20] }, note: 'é', flag: false, none: null });
    (block.schedule.at as number[]).push(30);
    expect(s.schedule).toEqual({ kind: 'step', at: [10, 20] });
  });

  test('what is not a JSON object is refused, naming the path', () => {
    expect(() => nas.settings([1, 2])).toThrow(/py-thing: \(block\) must be a JSON object, got an array/);
    expect(() => nas.settings(3)).toThrow(/must be a JSON object, got 3/);
    expect(() => nas.settings({ a: { b: [1, Number.POSITIVE_INFINITY] } })).toThrow(/py-thing: \/a\/b\/1 is Infinity, which JSON cannot hold/);
    expect(() => nas.settings({ when: new Date(0) })).toThrow(/\/when is a Date object, not JSON/);
    expect(() => nas.settings({ f: () => 1 })).toThrow(/\/f is a function, not JSON/);
    expect(() => nas.settings({ u: undefined })).toThrow(/\/u is undefined, not JSON/);
    expect(() => nas.settings({ 'a/b': { '~': Number.NaN } })).toThrow(/\/a~1b\/~0 is NaN/);
  });
});

describe('exec settings with a schema (the example, py-random)', () => {
  test('a tier block is checked against the plugin schema, mistakes named by path; defaults fill the rest', async () => {
    const { pyRandom, PY_RANDOM_DEFAULTS } = await import('../../../examples/exec-random-search/py-random.plugin.js');
    expect(pyRandom.settings(undefined)).toEqual(PY_RANDOM_DEFAULTS);
    expect(pyRandom.settings({ candidates: 4 })).toEqual({ ...PY_RANDOM_DEFAULTS, candidates: 4 });
    expect(() => pyRandom.settings({ candidate: 4 })).toThrow(/py-random: \/candidate is not a known property/);
    expect(() => pyRandom.settings({ candidates: 0 })).toThrow(/py-random: \/candidates must be >= 1/);
    expect(() => pyRandom.settings({ fitFraction: 1 })).toThrow(/\/fitFraction must be < 1/);
  });
});
