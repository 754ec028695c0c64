import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../util/canonical-json.js';
import { trialKey } from './trial-key.js';
import type { TrialIdentity } from './types.js';

const identity: TrialIdentity = { matrix: 'pdarts × rlf', nas: 'pdarts', attack: 'random-label-flip', budget: 0.1, defence: 'none', trialIndex: 3, tier: 'smoke' };

describe('canonicalJson', () => {
  test('sorts keys at every depth and drops undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 'é' }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":"é","z":1}]},"b":1}');
    expect(canonicalJson({ z: 1, a: 2 })).toBe(canonicalJson({ a: 2, z: 1 }));
    expect(canonicalJson(-0)).toBe('0');
  });

  test('refuses values JSON cannot represent faithfully, naming where they are', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow('$.a.b is NaN');
    expect(() => canonicalJson({ a: [1, undefined] })).toThrow('$.a[1] is undefined');
    expect(() => canonicalJson({ when: new Date(0) })).toThrow('$.when is a Date, not a plain object');
    expect(() => canonicalJson({ n: 1n })).toThrow('$.n is a bigint');
    expect(() => canonicalJson([1, , 3])).toThrow('sparse array');
  });
});

describe('trialKey', () => {
  const params = { recipe: { epochs: 2, lr: 0.1 }, attack: { budget: 0.1 } };
  const key = trialKey(identity, params, 'sha256:data', 'wasm');

  test('is a sha256 hex digest, independent of property order and of extra record fields', () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { attack: { budget: 0.1 }, recipe: { lr: 0.1, epochs: 2, unused: undefined } };
    expect(trialKey({ ...identity }, reordered, 'sha256:data', 'wasm')).toBe(key);
    const record = { ...identity, accuracy: 90, trialKey: 'x' } as TrialIdentity;
    expect(trialKey(record, params, 'sha256:data', 'wasm')).toBe(key);
  });

  test('changes with every identity field, parameter, dataset hash and backend', () => {
    const variants = [
      trialKey({ ...identity, matrix: 'other' }, params, 'sha256:data', 'wasm'),
      trialKey({ ...identity, nas: 'tenas' }, params, 'sha256:data', 'wasm'),
      trialKey({ ...identity, attack: 'clean' }, params, 'sha256:data', 'wasm'),
      trialKey({ ...identity, budget: 0.5 }, params, 'sha256:data', 'wasm'),
      trialKey({ ...identity, defence: 'loss-sanitisation' }, params, 'sha256:data', 'wasm'),
      trialKey({ ...identity, trialIndex: 4 }, params, 'sha256:data', 'wasm'),
      trialKey({ ...identity, tier: 'paper' }, params, 'sha256:data', 'wasm'),
      trialKey(identity, { ...params, recipe: { epochs: 3, lr: 0.1 } }, 'sha256:data', 'wasm'),
      trialKey(identity, params, 'sha256:other', 'wasm'),
      trialKey(identity, params, 'sha256:data', 'tensorflow'),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });

  test('is stable across releases (golden value; change TRIAL_KEY_VERSION when it must change)', () => {
    const text =
      '{"backend":"cpu","datasetHash":"h","identity":{"attack":"random-label-flip","budget":0.1,"defence":"none","matrix":"pdarts × rlf",' +
      '"nas":"pdarts","tier":"smoke","trialIndex":3},"params":{"a":1},"v":1}';
    expect(trialKey(identity, { a: 1 }, 'h', 'cpu')).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(trialKey(identity, { a: 1 }, 'h', 'cpu')).toBe('200c618325a758418c3e7da19feb4010e637723f6b06cd4d452efc5dc3425cc9');
  });

  test('refuses malformed identities and parameters', () => {
    expect(() => trialKey({ ...identity, budget: 1 }, params, 'h', 'cpu')).toThrow(/budget must be in \[0, 1\)/);
    expect(() => trialKey({ ...identity, trialIndex: 0.5 }, params, 'h', 'cpu')).toThrow(/trialIndex/);
    expect(() => trialKey({ ...identity, nas: '' }, params, 'h', 'cpu')).toThrow(/identity\.nas/);
    expect(() => trialKey(identity, { lr: Number.POSITIVE_INFINITY }, 'h', 'cpu')).toThrow(/params\.lr is Infinity/);
    expect(() => trialKey(identity, params, '', 'cpu')).toThrow(/datasetHash/);
  });
});
