/**
 * Poisons are crafted once and kept in the store's cache ("attack once, evaluate many"), keyed by
 * everything that determines them. A cached poison is verified against its content hash before
 * use, so a corrupted or edited artifact is refused, naming the mismatch.
 */
import { createHash } from 'node:crypto';
import type { Attack, PoisonArtifact } from '../attacks/types.js';
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import type { TrialStore } from '../store/index.js';
import { canonicalJson } from '../util/canonical-json.js';
import { poisonHash } from '../attacks/poison.js';

const NAMESPACE = 'poison.v1';

interface StoredPoison {
  format: PoisonArtifact['format'];
  attack: string;
  budget: number;
  params: PoisonArtifact['params'];
  datasetHash: string;
  indices: string;
  labels?: string;
  images?: string;
  diagnostics?: PoisonArtifact['diagnostics'];
  hash: string;
}

const b64 = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
function fromB64<T extends Int32Array | Float32Array>(text: string, Type: { new (buffer: ArrayBuffer): T }): T {
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Type(copy);
}

export function poisonCacheKey(attack: Attack, budget: number, train: ImageDataset, seed: number): string {
  return createHash('sha256')
    .update(canonicalJson({ attack: attack.name, params: attack.params, budget, dataset: datasetContentHash(train), seed }))
    .digest('hex');
}

/** Decodes a stored poison and checks its hash; throws naming the key on a mismatch. */
export function decodePoison(json: string, key: string): PoisonArtifact {
  let stored: StoredPoison;
  let artifact: PoisonArtifact;
  let actual: string;
  try {
    stored = JSON.parse(json) as StoredPoison;
    if (stored === null || typeof stored !== 'object') throw new Error('not a JSON object');
    for (const field of ['format', 'attack', 'datasetHash', 'indices', 'hash'] as const) {
      if (typeof stored[field] !== 'string') throw new Error(`"${field}" is missing or not a string`);
    }
    artifact = {
      format: stored.format,
      attack: stored.attack,
      budget: stored.budget,
      params: stored.params,
      datasetHash: stored.datasetHash,
      indices: fromB64(stored.indices, Int32Array),
      ...(stored.labels !== undefined ? { labels: fromB64(stored.labels, Int32Array) } : {}),
      ...(stored.images !== undefined ? { images: fromB64(stored.images, Float32Array) } : {}),
      ...(stored.diagnostics !== undefined ? { diagnostics: stored.diagnostics } : {}),
      hash: stored.hash,
    };
    actual = poisonHash(artifact);
  } catch (error) {
    // Edited or truncated JSON, bad base64 lengths, non-JSON values: refuse, naming the entry.
    throw new Error(`cached poison ${key.slice(0, 12)} is corrupt: it cannot be decoded (${(error as Error).message})`, { cause: error });
  }
  const hash = artifact.hash;
  if (actual !== hash) {
    throw new Error(`cached poison ${key.slice(0, 12)} (${stored.attack}, p=${stored.budget}) is corrupt: its content hashes to ${actual.slice(0, 12)}, not to the recorded ${hash.slice(0, 12)}`);
  }
  return artifact;
}

export function encodePoison(artifact: PoisonArtifact): string {
  const stored: StoredPoison = {
    format: artifact.format,
    attack: artifact.attack,
    budget: artifact.budget,
    params: artifact.params,
    datasetHash: artifact.datasetHash,
    indices: b64(artifact.indices),
    ...(artifact.labels ? { labels: b64(artifact.labels) } : {}),
    ...(artifact.images ? { images: b64(artifact.images) } : {}),
    ...(artifact.diagnostics ? { diagnostics: artifact.diagnostics } : {}),
    hash: artifact.hash,
  };
  return JSON.stringify(stored);
}

/** The poison from the cache, or crafted now and cached. */
export async function obtainPoison(
  store: TrialStore | undefined,
  attack: Attack,
  train: ImageDataset,
  budget: number,
  context: { seed: number; backend: string },
): Promise<{ artifact: PoisonArtifact; cached: boolean }> {
  const key = poisonCacheKey(attack, budget, train, context.seed);
  const hit = store?.getCached(NAMESPACE, key);
  if (hit !== undefined) {
    const artifact = decodePoison(hit, key);
    // A self-consistent entry under the wrong key (copied or re-hashed by hand) is refused too.
    const expected = { attack: attack.name, budget, datasetHash: datasetContentHash(train) };
    for (const field of ['attack', 'budget', 'datasetHash'] as const) {
      if (artifact[field] !== expected[field]) {
        throw new Error(`cached poison ${key.slice(0, 12)} is corrupt: its ${field} is ${JSON.stringify(artifact[field])}, but its key is for ${JSON.stringify(expected[field])}`);
      }
    }
    return { artifact, cached: true };
  }
  const artifact = await attack.craft(train, budget, context);
  store?.putCached(NAMESPACE, key, encodePoison(artifact), { attack: attack.name, budget, hash: artifact.hash });
  return { artifact, cached: false };
}
