// Poison artifacts: applying one replaces exactly the recorded samples and leaves the clean set
// untouched; a tampered artifact or one made for other data is refused, naming the mismatch; an
// artifact survives the store's encoding, and an edited stored poison is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { syntheticDataset } from '../data/synthetic.js';
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { decodePoison, encodePoison, obtainPoison, poisonCacheKey } from '../run/poison-cache.js';
import { openStore } from '../store/index.js';
import { applyPoison, makeArtifact, poisonHash, randomLabelFlip } from './index.js';
import type { PoisonArtifact } from './types.js';

const train = syntheticDataset({ n: 120, seed: 7, height: 4, numClasses: 5 });
const other = syntheticDataset({ n: 120, seed: 8, height: 4, numClasses: 5, name: 'other-data' });
const craft = (ds: ImageDataset, budget: number, seed: number) => randomLabelFlip.craft(ds, budget, { seed, backend: 'cpu' }) as PoisonArtifact;
const snapshot = (ds: ImageDataset) => ({ labels: Int32Array.from(ds.labels), images: Float32Array.from(ds.images), hash: datasetContentHash(ds) });

describe('applyPoison', () => {
  test('replaces exactly the recorded labels and leaves the clean dataset untouched', () => {
    const before = snapshot(train);
    const artifact = craft(train, 0.25, 3);
    const poisoned = applyPoison(train, artifact);

    expect(poisoned).not.toBe(train);
    expect(poisoned.n).toBe(train.n);
    expect([poisoned.height, poisoned.width, poisoned.channels, poisoned.numClasses]).toEqual([train.height, train.width, train.channels, train.numClasses]);
    const poisonedAt = new Map([...artifact.indices].map((index, k) => [index, artifact.labels![k]!]));
    let changed = 0;
    for (let i = 0; i < train.n; i++) {
      if (poisonedAt.has(i)) {
        expect(poisoned.labels[i]).toBe(poisonedAt.get(i));
        expect(poisoned.labels[i]).not.toBe(train.labels[i]);
        changed++;
      } else {
        expect(poisoned.labels[i]).toBe(train.labels[i]);
      }
    }
    expect(changed).toBe(30);
    expect(Array.from(poisoned.images)).toEqual(Array.from(train.images));

    // The clean set is as it was.
    expect(Array.from(train.labels)).toEqual(Array.from(before.labels));
    expect(Array.from(train.images)).toEqual(Array.from(before.images));
    expect(poisoned.labels).not.toBe(train.labels);
    expect(datasetContentHash(poisoned)).not.toBe(before.hash);
    expect(poisoned.name).toContain('random-label-flip@0.25');
    expect(poisoned.source).toContain(artifact.hash.slice(0, 12));
  });

  test('a feature artifact replaces exactly those images', () => {
    const pixels = train.height * train.width * train.channels;
    const indices = Int32Array.from([0, 5, 119]);
    const images = new Float32Array(indices.length * pixels).fill(0.5);
    const artifact = makeArtifact({ attack: 'test-noise', budget: 0.025, params: { sigma: 1 }, datasetHash: datasetContentHash(train), indices, images }, train);
    const before = snapshot(train);
    const poisoned = applyPoison(train, artifact);
    for (let i = 0; i < train.n; i++) {
      const row = Array.from(poisoned.images.subarray(i * pixels, (i + 1) * pixels));
      const clean = Array.from(before.images.subarray(i * pixels, (i + 1) * pixels));
      expect(row).toEqual(indices.includes(i) ? new Array<number>(pixels).fill(0.5) : clean);
    }
    expect(Array.from(poisoned.labels)).toEqual(Array.from(before.labels));
    expect(Array.from(train.images)).toEqual(Array.from(before.images));
  });

  test('an artifact with one label changed is refused: the hash does not match', () => {
    const artifact = craft(train, 0.1, 1);
    const labels = Int32Array.from(artifact.labels!);
    labels[0] = (labels[0]! + 1) % train.numClasses;
    if (labels[0] === train.labels[artifact.indices[0]!]) labels[0] = (labels[0]! + 1) % train.numClasses;
    const tampered = { ...artifact, labels };
    expect(() => applyPoison(train, tampered)).toThrow(/random-label-flip: content hash [0-9a-f]{12} does not match the recorded hash [0-9a-f]{12}.*corrupt or was modified/);
  });

  test('an artifact with an extra index is refused: the hash does not match', () => {
    const artifact = craft(train, 0.1, 1);
    const last = artifact.indices[artifact.indices.length - 1]!;
    const extra = last + 1 < train.n ? last + 1 : last - 1;
    const tampered = { ...artifact, indices: Int32Array.from([...artifact.indices, extra].sort((a, b) => a - b)), labels: Int32Array.from([...artifact.labels!, 0]) };
    expect(() => applyPoison(train, tampered)).toThrow(/does not match the recorded hash/);
  });

  test('an artifact whose hash was edited is refused, naming both hashes', () => {
    const artifact = craft(train, 0.1, 1);
    const edited = `${artifact.hash[0] === 'a' ? 'b' : 'a'}${artifact.hash.slice(1)}`;
    expect(() => applyPoison(train, { ...artifact, hash: edited })).toThrow(
      `content hash ${artifact.hash.slice(0, 12)} does not match the recorded hash ${edited.slice(0, 12)}`,
    );
  });

  test('an artifact whose budget was edited is refused', () => {
    const artifact = craft(train, 0.1, 1);
    expect(() => applyPoison(train, { ...artifact, budget: 0.2 })).toThrow(/does not match the recorded hash/);
  });

  test('an artifact made for another dataset is refused, naming both dataset hashes', () => {
    const artifact = craft(other, 0.1, 1);
    const ours = datasetContentHash(train).slice(0, 12);
    const theirs = datasetContentHash(other).slice(0, 12);
    expect(ours).not.toBe(theirs);
    let message = '';
    try {
      applyPoison(train, artifact);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`made for dataset ${theirs}`);
    expect(message).toContain(ours);
    expect(message).toContain(train.name);
  });
});

describe('makeArtifact', () => {
  const base = { attack: 'x', budget: 0.1, params: {}, datasetHash: datasetContentHash(train) };
  test('hashes the content: equal content, equal hash; the hash covers every field', () => {
    const a = makeArtifact({ ...base, indices: Int32Array.from([1, 2]), labels: Int32Array.from([0, 1]) }, train);
    const b = makeArtifact({ ...base, indices: Int32Array.from([1, 2]), labels: Int32Array.from([0, 1]) }, train);
    expect(b.hash).toBe(a.hash);
    const { hash, ...content } = a;
    expect(poisonHash(content)).toBe(hash);
    const variants = [
      { ...content, attack: 'y' },
      { ...content, budget: 0.2 },
      { ...content, params: { k: 1 } },
      { ...content, datasetHash: datasetContentHash(other) },
      { ...content, indices: Int32Array.from([1, 3]) },
      { ...content, labels: Int32Array.from([0, 2]) },
    ];
    for (const v of variants) expect(poisonHash(v)).not.toBe(hash);
  });

  test.each([
    [{ indices: Int32Array.from([120]), labels: Int32Array.from([0]) }, /index 120 is outside the training set \(n = 120\)/],
    [{ indices: Int32Array.from([-1]), labels: Int32Array.from([0]) }, /index -1 is outside/],
    [{ indices: Int32Array.from([3, 2]), labels: Int32Array.from([0, 0]) }, /strictly ascending \(position 1\)/],
    [{ indices: Int32Array.from([2, 2]), labels: Int32Array.from([0, 0]) }, /strictly ascending/],
    [{ indices: Int32Array.from([2, 3]), labels: Int32Array.from([0]) }, /1 labels for 2 indices/],
    [{ indices: Int32Array.from([2]), labels: Int32Array.from([5]) }, /label 5 is outside 0\.\.4/],
    [{ indices: Int32Array.from([2]), images: new Float32Array(3) }, /3 pixel values for 1 images of 16 pixels/],
  ])('a malformed poison is refused (%#)', (fields, message) => {
    expect(() => makeArtifact({ ...base, ...fields }, train)).toThrow(message);
  });
});

describe('poison cache encoding', () => {
  test('encode → decode gives back the same artifact, typed arrays included', () => {
    const artifact = craft(train, 0.2, 11);
    const decoded = decodePoison(encodePoison(artifact), 'k'.repeat(64));
    expect(decoded).toEqual(artifact);
    expect(decoded.indices).toBeInstanceOf(Int32Array);
    expect(decoded.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(applyPoison(train, decoded).labels)).toEqual(Array.from(applyPoison(train, artifact).labels));
  });

  test('a feature artifact round-trips its float32 images bit for bit', () => {
    const pixels = train.height * train.width * train.channels;
    const images = Float32Array.from({ length: 2 * pixels }, (_, i) => Math.fround(i / 7));
    const artifact = makeArtifact({ attack: 'noise', budget: 0.5, params: { sigma: 0.1 }, datasetHash: datasetContentHash(train), indices: Int32Array.from([3, 4]), images }, train);
    const decoded = decodePoison(encodePoison(artifact), 'key');
    expect(decoded.images).toBeInstanceOf(Float32Array);
    expect(Array.from(decoded.images!)).toEqual(Array.from(images));
    expect(decoded.hash).toBe(artifact.hash);
  });

  const key = 'f'.repeat(64);
  const stored = () => JSON.parse(encodePoison(craft(train, 0.2, 11))) as Record<string, unknown>;
  const edits: Array<[string, (s: Record<string, unknown>) => void, RegExp]> = [
    ['budget edited', (s) => (s.budget = 0.3), /cached poison ffffffffffff \(random-label-flip, p=0\.3\) is corrupt: its content hashes to [0-9a-f]{12}, not to the recorded [0-9a-f]{12}/],
    ['hash edited', (s) => (s.hash = '0'.repeat(64)), /is corrupt: .*not to the recorded 000000000000/],
    ['attack renamed', (s) => (s.attack = 'other-attack'), /is corrupt: its content hashes/],
    [
      'one label changed',
      (s) => {
        const labels = new Int32Array(Buffer.from(s.labels as string, 'base64').buffer.slice(0));
        labels[0] = (labels[0]! + 1) % 5;
        s.labels = Buffer.from(labels.buffer).toString('base64');
      },
      /is corrupt: its content hashes/,
    ],
    ['labels removed', (s) => delete s.labels, /is corrupt: its content hashes/],
    ['indices truncated to a partial int32', (s) => (s.indices = 'AAA='), /cached poison ffffffffffff is corrupt: it cannot be decoded/],
    ['indices missing', (s) => delete s.indices, /is corrupt: it cannot be decoded \("indices" is missing/],
    ['budget made infinite-like', (s) => (s.budget = null), /is corrupt/],
  ];
  test.each(edits)('a stored poison with its JSON edited (%s) is refused by decodePoison, naming the entry', (_, edit, message) => {
    const s = stored();
    edit(s);
    expect(() => decodePoison(JSON.stringify(s), key)).toThrow(message);
  });

  test.each([
    ['truncated JSON', (text: string) => text.slice(0, text.length - 10)],
    ['not JSON at all', () => 'hello'],
    ['a JSON number', () => '42'],
    ['JSON null', () => 'null'],
  ])('a stored poison that is %s is refused with a message naming the entry', (_, damage) => {
    const text = damage(encodePoison(craft(train, 0.2, 11)));
    expect(() => decodePoison(text, key)).toThrow(/^cached poison ffffffffffff is corrupt: it cannot be decoded/);
  });
});

describe('poison cache in a store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'naspoison-poison-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a poison is crafted once, then read back from the store identical', async () => {
    const store = openStore(join(dir, 'a.db'));
    try {
      const first = await obtainPoison(store, randomLabelFlip, train, 0.1, { seed: 4, backend: 'cpu' });
      const second = await obtainPoison(store, randomLabelFlip, train, 0.1, { seed: 4, backend: 'cpu' });
      expect(first.cached).toBe(false);
      expect(second.cached).toBe(true);
      expect(second.artifact).toEqual(first.artifact);
      const third = await obtainPoison(store, randomLabelFlip, train, 0.1, { seed: 5, backend: 'cpu' });
      expect(third.cached).toBe(false);
      expect(third.artifact.hash).not.toBe(first.artifact.hash);
    } finally {
      store.close();
    }
  });

  test('an edited entry in the store is refused instead of being used', async () => {
    const store = openStore(join(dir, 'b.db'));
    try {
      const key = poisonCacheKey(randomLabelFlip, 0.1, train, 4, randomLabelFlip.params, 'cpu');
      const s = JSON.parse(encodePoison(craft(train, 0.1, 4))) as Record<string, unknown>;
      s.hash = 'e'.repeat(64);
      store.putCached('poison.v1', key, JSON.stringify(s));
      await expect(obtainPoison(store, randomLabelFlip, train, 0.1, { seed: 4, backend: 'cpu' })).rejects.toThrow(
        `cached poison ${key.slice(0, 12)} (random-label-flip, p=0.1) is corrupt`,
      );
    } finally {
      store.close();
    }
  });

  test('a self-consistent poison stored under another key (e.g. another budget) is refused', async () => {
    const store = openStore(join(dir, 'c.db'));
    try {
      const key = poisonCacheKey(randomLabelFlip, 0.1, train, 4, randomLabelFlip.params, 'cpu');
      store.putCached('poison.v1', key, encodePoison(craft(train, 0.3, 4)));
      await expect(obtainPoison(store, randomLabelFlip, train, 0.1, { seed: 4, backend: 'cpu' })).rejects.toThrow(
        `cached poison ${key.slice(0, 12)} is corrupt: its budget is 0.3, but its key is for 0.1`,
      );
    } finally {
      store.close();
    }
  });
});
