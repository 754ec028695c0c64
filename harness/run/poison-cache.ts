/**
 * Poisons are crafted once and kept in the store's cache ("attack once, evaluate many"), keyed by
 * everything that determines them. A cached poison is verified against its content hash before
 * use, so a corrupted or edited artifact is refused, naming the mismatch; and every poison, fresh
 * or cached, passes the provenance verifier (harness/attacks/provenance.ts) before it is returned,
 * a fresh one before it is cached, so a misbehaving attack leaves nothing in the store.
 */
import { createHash } from 'node:crypto';
import { PoisonRefusedError, verifyPoison, type ProvenanceReport } from '../attacks/provenance.js';
import type { Attack, CraftContext, PluginParams, PoisonArtifact } from '../attacks/types.js';
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

/**
 * The cache key of a poison: attack, effective parameters, budget, clean data and seed. `params`
 * defaults to the attack's defaults, which keeps the keys of poisons cached before parameters came
 * from the tier unchanged.
 */
export function poisonCacheKey(attack: Attack, budget: number, train: ImageDataset, seed: number, params: PluginParams = attack.params, backend?: string): string {
  // The backend too, when given: an attack that trains a surrogate makes a different poison on each.
  return createHash('sha256')
    .update(canonicalJson({ attack: attack.name, params, budget, dataset: datasetContentHash(train), seed, ...(backend !== undefined ? { backend } : {}) }))
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

/** A poison ready for a search: verified, with what it changed. */
export interface ObtainedPoison {
  artifact: PoisonArtifact;
  /** Read from the store's cache (false: crafted now). */
  cached: boolean;
  /** What the provenance verifier found the poison changed. */
  provenance: ProvenanceReport;
}

/**
 * The poison from the cache, or crafted now and cached. Crafted with `context` as given (its
 * `params`, the attack's effective parameters, default to the attack's defaults and are part of the
 * cache key).
 *
 * @throws PoisonRefusedError when the poison fails provenance (harness/attacks/provenance.ts): a
 *   fresh one is then not cached; Error when a cached entry is corrupt or under the wrong key
 */
export async function obtainPoison(
  store: TrialStore | undefined,
  attack: Attack,
  train: ImageDataset,
  budget: number,
  context: CraftContext,
): Promise<ObtainedPoison> {
  const params = context.params ?? attack.params;
  const key = poisonCacheKey(attack, budget, train, context.seed, params, context.backend);
  const hit = store?.getCached(NAMESPACE, key);
  if (hit !== undefined) {
    let artifact: PoisonArtifact;
    try {
      artifact = decodePoison(hit, key);
      // A self-consistent entry under the wrong key (copied or re-hashed by hand) is refused too.
      const expected = { attack: attack.name, budget, datasetHash: datasetContentHash(train) };
      for (const field of ['attack', 'budget', 'datasetHash'] as const) {
        if (artifact[field] !== expected[field]) {
          throw new Error(`cached poison ${key.slice(0, 12)} is corrupt: its ${field} is ${JSON.stringify(artifact[field])}, but its key is for ${JSON.stringify(expected[field])}`);
        }
      }
    } catch (error) {
      // Like a poison that fails verification: refused before any search reads it, no trial stored.
      throw new PoisonRefusedError(attack.name, budget, key, (error as Error).message);
    }
    return { artifact, cached: true, provenance: verifyPoison(artifact, train, attack, params) };
  }
  const artifact = await attack.craft(train, budget, context);
  // Verified before it is written: a refused poison must not be found by the next trial.
  const provenance = verifyPoison(artifact, train, attack, params);
  store?.putCached(NAMESPACE, key, encodePoison(artifact), { attack: attack.name, budget, hash: artifact.hash });
  return { artifact, cached: false, provenance };
}
