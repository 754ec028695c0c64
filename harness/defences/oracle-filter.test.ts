// The oracle filter removes exactly the poisoned samples (precision = recall = 1 on a real random
// label flip) and nothing on a clean set; the registry holds both defences and refuses `none`.
import { describe, expect, test } from 'vitest';
import { applyPoison } from '../attacks/poison.js';
import { randomLabelFlip } from '../attacks/random-label-flip.js';
import type { PoisonArtifact } from '../attacks/types.js';
import { syntheticDataset } from '../data/synthetic.js';
import { defenceEffectiveness, defences, lossSanitisation, NO_DEFENCE, oracleFilter, type Defence, type FilterOutcome } from './index.js';

const train = syntheticDataset({ n: 200, seed: 3, height: 4, numClasses: 10 });
const context = (poison: PoisonArtifact | null) => ({ seed: 1, backend: 'cpu', params: {}, poison });

async function filter(poison: PoisonArtifact | null): Promise<FilterOutcome> {
  return oracleFilter.filter(poison ? applyPoison(train, poison) : train, context(poison));
}

describe('oracle filter', () => {
  test.each([0.01, 0.1, 0.5])('on random label flipping at p = %f it removes exactly the poisons', async (p) => {
    const poison = randomLabelFlip.craft(train, p, { seed: 11, backend: 'cpu' }) as PoisonArtifact;
    const { kept } = await filter(poison);
    const e = defenceEffectiveness(kept, train.n, poison);
    expect(e).toMatchObject({ precision: 1, recall: 1, removed: poison.indices.length, poisonsRemoved: poison.indices.length });
    const poisoned = new Set(poison.indices);
    expect(Array.from(kept).every((i) => !poisoned.has(i))).toBe(true);
  });

  test('on a clean set it keeps everything', async () => {
    const { kept } = await filter(null);
    expect(Array.from(kept)).toEqual(Array.from({ length: train.n }, (_, i) => i));
    expect(defenceEffectiveness(kept, train.n, null)).toMatchObject({ removed: 0, precision: null, recall: null });
  });

  test('is marked as an oracle and takes no parameters', () => {
    expect(oracleFilter.oracle).toBe(true);
    expect(oracleFilter.params).toEqual({});
    expect(oracleFilter.settings).toBeUndefined();
    expect(lossSanitisation.oracle).toBeUndefined();
  });

  test('a poison of indices beyond the suspect set is refused', () => {
    const poison = randomLabelFlip.craft(train, 0.5, { seed: 2, backend: 'cpu' }) as PoisonArtifact;
    const smaller = syntheticDataset({ n: 50, seed: 3, height: 4, numClasses: 10 });
    expect(() => oracleFilter.filter(smaller, context(poison))).toThrow(/oracle-filter: the poison's indices \(100\) are not ascending indices of the suspect set \(n = 50\)/);
  });
});

describe('the defence registry', () => {
  test('holds loss-sanitisation and oracle-filter', () => {
    expect(defences.get('loss-sanitisation')).toBe(lossSanitisation);
    expect(defences.get('oracle-filter')).toBe(oracleFilter);
    expect(defences.names()).toEqual(expect.arrayContaining(['loss-sanitisation', 'oracle-filter']));
  });

  test(`refuses a defence named "${NO_DEFENCE}" (the undefended arm), even with replace`, () => {
    const none: Defence = { name: NO_DEFENCE, description: 'x', params: {}, filter: () => ({ kept: new Int32Array([0]) }) };
    expect(() => defences.register(none)).toThrow(/"none" names the undefended arm/);
    expect(() => defences.register(none, { replace: true })).toThrow(/"none" names the undefended arm/);
    expect(defences.has(NO_DEFENCE)).toBe(false);
  });
});
